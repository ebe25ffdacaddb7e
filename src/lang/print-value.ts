// CEL values as CEL source text (`printValue`, `printLiteral`): what messages show of an
// optional, what `llm-policy explain` shows of a value. Apart from the expression printer
// (./print.ts) because deciding needs it and not the printer.

import { CelDuration, CelOptional, CelTimestamp, CelType, CelUint } from './values.js';

/** A literal's source text: ints, uints, doubles, strings, bytes, bools, null (and type names). */
export function printLiteral(v: unknown): string {
  switch (typeof v) {
    case 'bigint':
      return String(v);
    case 'number':
      return printDouble(v);
    case 'string':
      return printString(v);
    case 'boolean':
      return String(v);
  }
  if (v === null) return 'null';
  if (v instanceof CelUint) return `${v.value}u`;
  if (v instanceof Uint8Array) return printBytes(v);
  if (v instanceof CelType) return v.name;
  return printValue(v);
}

function printDouble(n: number): string {
  if (Number.isNaN(n)) return "double('NaN')";
  if (n === Infinity) return '1e999';
  if (n === -Infinity) return '-1e999';
  if (Object.is(n, -0)) return '-0.0';
  const s = String(n);
  // 1.5e-7 reads better as 0.00000015 (the same digits, so the same double)
  const m = /^(-?)(\d)(?:\.(\d+))?e-(\d+)$/.exec(s);
  if (m && Number(m[4]) <= 20) return `${m[1]}0.${'0'.repeat(Number(m[4]) - 1)}${m[2]}${m[3] ?? ''}`;
  return /[.eE]/.test(s) ? s : `${s}.0`;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

function printString(s: string): string {
  // a regex such as '\\d+' reads better raw: r'\d+'
  if (
    s.includes('\\') &&
    !s.includes("'") &&
    /^[\u0020-\u007e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\uffff]*$/u.test(s.replace(/[\u{10000}-\u{10ffff}]/gu, 'x'))
  )
    return `r'${s}'`;
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += `\\${q}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += `\\x${hex2(c)}`;
    else if ((c >= 0x80 && c < 0xa0) || c === 0x2028 || c === 0x2029 || c === 0xfeff) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out + q;
}

function printBytes(b: Uint8Array): string {
  let out = "b'";
  for (const c of b) {
    if (c === 0x5c) out += '\\\\';
    else if (c === 0x27) out += "\\'";
    else if (c >= 0x20 && c < 0x7f) out += String.fromCharCode(c);
    else out += `\\x${hex2(c)}`;
  }
  return `${out}'`;
}

/**
 * A runtime value in CEL literal syntax: `'text'`, `5`, `5.0`, `5u`, `[1, 2]`, `{'k': v}`,
 * `timestamp('...')`, `duration('...')`. Longer than `max` characters, it is cut with `...`.
 */
export function printValue(v: unknown, max = Infinity): string {
  const s = valueText(v, 0);
  return s.length > max ? `${s.slice(0, Math.max(0, max - 3))}...` : s;
}

function valueText(v: unknown, depth: number): string {
  if (depth > 20) return '...';
  if (v === undefined) return '<undefined>';
  if (typeof v !== 'object' || v === null || v instanceof CelUint || v instanceof Uint8Array || v instanceof CelType) {
    if (typeof v === 'function' || typeof v === 'symbol') return `<${typeof v}>`;
    return printLiteral(v);
  }
  if (v instanceof CelOptional) return v.hasValue() ? `optional.of(${valueText(v.valueOrUndefined, depth + 1)})` : 'optional.none()';
  if (v instanceof CelTimestamp) return `timestamp('${timestampText(v)}')`;
  if (v instanceof CelDuration) return `duration('${durationText(v.ns)}')`;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? '<invalid Date>' : `timestamp('${v.toISOString()}')`;
  if (Array.isArray(v)) return `[${v.map((x) => valueText(x, depth + 1)).join(', ')}]`;
  const entries: [unknown, unknown][] =
    v instanceof Map ? [...v.entries()] : Object.keys(v).map((k) => [k, (v as Record<string, unknown>)[k]]);
  return `{${entries.map(([k, x]) => `${valueText(k, depth + 1)}: ${valueText(x, depth + 1)}`).join(', ')}}`;
}

function timestampText(t: CelTimestamp): string {
  const B = 1_000_000_000n;
  let secs = t.ns / B;
  if (t.ns < 0n && secs * B !== t.ns) secs -= 1n;
  const frac = t.ns - secs * B;
  const iso = new Date(Number(secs) * 1000).toISOString().slice(0, 19);
  return frac === 0n ? `${iso}Z` : `${iso}.${String(frac).padStart(9, '0').replace(/0+$/, '')}Z`;
}

function durationText(ns: bigint): string {
  const neg = ns < 0n;
  const a = neg ? -ns : ns;
  const s = a / 1_000_000_000n;
  const f = a % 1_000_000_000n;
  return `${neg ? '-' : ''}${s}${f === 0n ? '' : `.${String(f).padStart(9, '0').replace(/0+$/, '')}`}s`;
}
