// Canonical JSON: the text the audit input digest and a bundle's signature are computed from.

import { base64Encode as base64 } from './encoding.js';

/**
 * Canonical JSON of any value, for the digest: object keys sorted by UTF-16 code units, no
 * whitespace, the values the engine reads as JSON would have them. Total: never throws.
 * Non-finite numbers are null (as JSON.stringify), bigints their decimal digits, Dates ISO
 * strings, byte arrays base64 strings; undefined, functions and symbols are left out of objects
 * (null in arrays); a cycle is `"[Circular]"`, nesting past 100 `"[Depth]"`, a throwing getter `"[Error]"`.
 */
export function canonicalJson(value: unknown): string {
  return canon(value, [], 0);
}

function canon(v: unknown, stack: object[], depth: number): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? JSON.stringify(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'object':
      break;
    default:
      return 'null';
  }
  if (v === null) return 'null';
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'null' : JSON.stringify(v.toISOString());
  if (ArrayBuffer.isView(v)) return JSON.stringify(base64(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)));
  if (stack.includes(v)) return '"[Circular]"';
  if (depth >= 100) return '"[Depth]"';
  stack.push(v);
  let out: string;
  if (Array.isArray(v)) {
    out = '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out += ',';
      const x = read(v, i);
      out += x === undefined || typeof x === 'function' || typeof x === 'symbol' ? 'null' : canon(x, stack, depth + 1);
    }
    out += ']';
  } else {
    let keys: string[];
    try {
      keys = Object.keys(v);
    } catch {
      keys = [];
    }
    if (keys.length > 1) keys.sort();
    out = '{';
    let first = true;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const x = read(v as Record<string, unknown>, k);
      if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
      if (first) first = false;
      else out += ',';
      out += `${JSON.stringify(k)}:${canon(x, stack, depth + 1)}`;
    }
    out += '}';
  }
  stack.pop();
  return out;
}

/** A property read that turns a throwing getter into `"[Error]"`. */
export function read(o: object, k: string | number): unknown {
  try {
    return (o as Record<string | number, unknown>)[k];
  } catch {
    return '[Error]';
  }
}
