// The redacted copy of an input that a decision record may include (`includeInput`).

import { base64Encode as base64 } from '../util/encoding.js';
import { read } from '../util/canonical.js';
import type { AuditRedaction } from './types.js';

export interface PathNode {
  mask: boolean;
  children: Map<string, PathNode>;
  star: PathNode | undefined;
}

export function pathTrie(paths: string[]): PathNode {
  const root: PathNode = { mask: false, children: new Map(), star: undefined };
  for (const p of paths) {
    let n = root;
    for (const part of p.split('.')) {
      if (part === '*') n = n.star ??= { mask: false, children: new Map(), star: undefined };
      else {
        let c = n.children.get(part);
        if (!c) n.children.set(part, (c = { mask: false, children: new Map(), star: undefined }));
        n = c;
      }
    }
    n.mask = true;
  }
  return root;
}

export const REDACTED = '[REDACTED]';
const NO_NODES: PathNode[] = [];

/** A JSON-safe copy of the input with masked paths and redacted strings. Total. */
export function redactedCopy(value: unknown, redaction: AuditRedaction = {}): unknown {
  const trie = pathTrie(redaction.redactPaths ?? []);
  return copy(value, [trie], redaction.redact, '', [], 0);
}

/** The copy under the given trie nodes; the auditor keeps one trie for every record. */
export function copy(
  v: unknown,
  nodes: PathNode[],
  redact: AuditRedaction['redact'],
  path: string,
  stack: object[],
  depth: number,
): unknown {
  switch (typeof v) {
    case 'string':
      if (redact === undefined) return v;
      try {
        return redact(v, path);
      } catch {
        return REDACTED;
      }
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'boolean':
      return v;
    case 'bigint':
      return v.toString();
    case 'object':
      break;
    default:
      return null;
  }
  if (v === null) return null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (ArrayBuffer.isView(v)) return base64(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  if (stack.includes(v)) return '[Circular]';
  if (depth >= 100) return '[Depth]';
  stack.push(v);
  const step = (key: string): PathNode[] => {
    if (nodes.length === 0) return NO_NODES;
    const next: PathNode[] = [];
    for (const n of nodes) {
      const c = n.children.get(key);
      if (c) next.push(c);
      if (n.star) next.push(n.star);
    }
    return next;
  };
  let result: unknown;
  if (Array.isArray(v)) {
    const arr: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      const next = step(String(i));
      const x = read(v, i);
      if (next.some((n) => n.mask)) arr.push(REDACTED);
      else
        arr.push(
          x === undefined || typeof x === 'function' || typeof x === 'symbol'
            ? null
            : copy(x, next, redact, path ? `${path}.${i}` : String(i), stack, depth + 1),
        );
    }
    result = arr;
  } else {
    const obj: Record<string, unknown> = {};
    let keys: string[];
    try {
      keys = Object.keys(v);
    } catch {
      keys = [];
    }
    for (const k of keys) {
      const x = read(v as Record<string, unknown>, k);
      if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
      const next = step(k);
      // defineProperty: a `__proto__` key stays an ordinary key of the copy
      const value = next.some((n) => n.mask) ? REDACTED : copy(x, next, redact, path ? `${path}.${k}` : k, stack, depth + 1);
      Object.defineProperty(obj, k, { value, enumerable: true, writable: true, configurable: true });
    }
    result = obj;
  }
  stack.pop();
  return result;
}

export function safeRedact(redact: NonNullable<AuditRedaction['redact']>, text: string, path: string): string {
  try {
    return redact(text, path);
  } catch {
    return REDACTED;
  }
}
