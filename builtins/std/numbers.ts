// Number and text conversions with CEL's (cel-go's) exact semantics: Go's strconv
// parsing rules, Go's `%g` formatting of doubles, strict UTF-8.

import { EvaluationError } from '../../src/lang/library.js';
import { CelUint, INT64_MAX, INT64_MIN, UINT64_MAX } from '../../src/lang/library.js';

function invalid(message: string): EvaluationError {
  return new EvaluationError('invalid_argument', message);
}

function overflow(message: string): EvaluationError {
  return new EvaluationError('overflow', message);
}

// ------------------------------------------------------------------ integers

const INT_SYNTAX = /^[+-]?[0-9]+$/;
const UINT_SYNTAX = /^[0-9]+$/;

/** `int(string)`: Go's strconv.ParseInt(s, 10, 64): optional sign, decimal digits only. */
export function parseInt64(s: string): bigint {
  if (!INT_SYNTAX.test(s)) throw invalid(`cannot convert \`${s}\` to int: not a decimal integer`);
  const v = BigInt(s);
  if (v < INT64_MIN || v > INT64_MAX) throw overflow(`cannot convert \`${s}\` to int: out of range`);
  return v;
}

/** `uint(string)`: Go's strconv.ParseUint(s, 10, 64): decimal digits only, no sign. */
export function parseUint64(s: string): CelUint {
  if (!UINT_SYNTAX.test(s)) throw invalid(`cannot convert \`${s}\` to uint: not a decimal integer`);
  const v = BigInt(s);
  if (v > UINT64_MAX) throw overflow(`cannot convert \`${s}\` to uint: out of range`);
  return new CelUint(v);
}

const TWO_63 = 2 ** 63; // exact as a double
const TWO_64 = 2 ** 64; // exact as a double

/** `int(double)`: truncates toward zero; the range is (minInt, maxInt), exclusive; NaN and infinities fail. */
export function doubleToInt(d: number): bigint {
  if (!(d > -TWO_63 && d < TWO_63)) throw overflow(`cannot convert ${formatDouble(d)} to int: out of range`);
  return BigInt(Math.trunc(d));
}

/** `uint(double)`: truncates toward zero; negative values, NaN and values >= 2^64 fail. */
export function doubleToUint(d: number): CelUint {
  if (!(d >= 0 && d < TWO_64)) throw overflow(`cannot convert ${formatDouble(d)} to uint: out of range`);
  return new CelUint(BigInt(Math.trunc(d)));
}

// ------------------------------------------------------------------ doubles

const DECIMAL_FLOAT = /^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const HEX_FLOAT = /^([+-]?)0[xX](?:([0-9a-fA-F]+)(?:\.([0-9a-fA-F]*))?|\.([0-9a-fA-F]+))[pP]([+-]?[0-9]+)$/;
const INFINITY = /^([+-]?)(?:inf|infinity)$/i;

/**
 * `double(string)`: Go's strconv.ParseFloat(s, 64): decimal (`1e3`, `-.5`, `3.`), hex
 * (`0x1p-2`), `NaN`, `inf`/`infinity` with an optional sign, case-insensitively. A finite
 * literal too large for a double fails (Go's ErrRange); one too small becomes 0.
 */
export function parseDouble(s: string): number {
  if (DECIMAL_FLOAT.test(s)) {
    const v = Number(s);
    if (!Number.isFinite(v)) throw overflow(`cannot convert \`${s}\` to double: out of range`);
    return v;
  }
  const inf = INFINITY.exec(s);
  if (inf !== null) return inf[1] === '-' ? -Infinity : Infinity;
  if (s.length === 3 && s.toLowerCase() === 'nan') return NaN;
  const hex = HEX_FLOAT.exec(s);
  if (hex !== null) {
    const v = hexFloat(hex[2] ?? '', hex[3] ?? hex[4] ?? '', Number(hex[5]));
    if (!Number.isFinite(v)) throw overflow(`cannot convert \`${s}\` to double: out of range`);
    return hex[1] === '-' ? -v : v;
  }
  throw invalid(`cannot convert \`${s}\` to double: not a number`);
}

function hexFloat(intDigits: string, fracDigits: string, exp: number): number {
  let m = BigInt(`0x${intDigits + fracDigits || '0'}`);
  if (m === 0n) return 0;
  let e2 = exp - 4 * fracDigits.length;
  // Keep 64 significant bits plus a sticky bit, so Number() rounds exactly once.
  const bits = m.toString(2).length;
  if (bits > 64) {
    const shift = BigInt(bits - 64);
    const sticky = m & ((1n << shift) - 1n) ? 1n : 0n;
    m = (m >> shift) | sticky;
    e2 += bits - 64;
  }
  let v = Number(m);
  // Scale by 2^e2 in steps that cannot overflow or underflow early.
  while (e2 > 1000) {
    v *= 2 ** 1000;
    e2 -= 1000;
    if (!Number.isFinite(v)) return v;
  }
  while (e2 < -1000) {
    if (v === 0) return 0;
    v *= 2 ** -1000;
    e2 += 1000;
  }
  return v * 2 ** e2;
}

/**
 * `string(double)`: Go's `%g` (what cel-go uses): the shortest digits that round-trip,
 * exponent form when the decimal exponent is < -4 or >= 6: `1`, `1.5`, `123456`,
 * `1e+06`, `1.5e+20`, `0.0001`, `1e-05`, `-0`, `NaN`, `+Inf`, `-Inf`.
 */
export function formatDouble(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return '+Inf';
  if (d === -Infinity) return '-Inf';
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const neg = d < 0;
  // JS's shortest round-trip digits (the same digits Go's shortest formatting picks).
  const s = String(neg ? -d : d);
  const ei = s.indexOf('e');
  const mant = ei < 0 ? s : s.slice(0, ei);
  const exp10 = ei < 0 ? 0 : Number(s.slice(ei + 1));
  const dot = mant.indexOf('.');
  const intPart = dot < 0 ? mant : mant.slice(0, dot);
  let digits = intPart + (dot < 0 ? '' : mant.slice(dot + 1));
  let dp = intPart.length + exp10; // position of the decimal point within `digits`
  let lead = 0;
  while (lead < digits.length - 1 && digits.charCodeAt(lead) === 48) lead++;
  digits = digits.slice(lead);
  dp -= lead;
  digits = digits.replace(/0+$/, '');
  const nd = digits.length;
  const exp = dp - 1;
  let out: string;
  if (exp < -4 || exp >= 6) {
    const ax = Math.abs(exp);
    out = `${digits[0] + (nd > 1 ? `.${digits.slice(1)}` : '')}e${exp < 0 ? '-' : '+'}${ax < 10 ? '0' : ''}${ax}`;
  } else if (dp <= 0) {
    out = `0.${'0'.repeat(-dp)}${digits}`;
  } else if (dp >= nd) {
    out = digits + '0'.repeat(dp - nd);
  } else {
    out = `${digits.slice(0, dp)}.${digits.slice(dp)}`;
  }
  return neg ? `-${out}` : out;
}

// ------------------------------------------------------------------ text

const HIGH_SURROGATE = /[\ud800-\udbff]/;

/** Number of Unicode code points (a surrogate pair counts once). */
export function codePointLength(s: string): number {
  let n = s.length;
  if (!HIGH_SURROGATE.test(s)) return n; // a native scan; the common case
  for (let i = 0; i < s.length - 1; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

// WHATWG encoding classes exist in every target runtime (Node, browsers, Workers, Vercel
// Edge); the compiler's ES lib does not declare them, so they are declared here.
declare const TextEncoder: new () => { encode(input: string): Uint8Array };
declare const TextDecoder: new (label: string, options: { fatal: boolean; ignoreBOM: boolean }) => { decode(input: Uint8Array): string };

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** UTF-8 bytes of a string. */
export function encodeUtf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** The string of UTF-8 bytes; EvaluationError('invalid_argument') when they are not valid UTF-8. */
export function decodeUtf8(b: Uint8Array): string {
  try {
    return strictDecoder.decode(b);
  } catch {
    throw invalid('invalid UTF-8 in bytes, cannot convert to string');
  }
}

/** `bool(string)`: Go's strconv.ParseBool. */
export function parseBool(s: string): boolean {
  switch (s) {
    case '1':
    case 't':
    case 'T':
    case 'true':
    case 'TRUE':
    case 'True':
      return true;
    case '0':
    case 'f':
    case 'F':
    case 'false':
    case 'FALSE':
    case 'False':
      return false;
  }
  throw invalid(`cannot convert \`${s}\` to bool: expected true, false, t, f, 1 or 0`);
}
