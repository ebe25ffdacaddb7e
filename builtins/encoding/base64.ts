// Base64 (RFC 4648, standard and URL-safe alphabets) and hex, hand-written: the same code runs
// in Node and edge runtimes (no Buffer, no atob/btoa, whose Latin-1 strings are a trap).
// Linear time, one pass, no intermediate strings per byte.
//
// Decoding is strict: only the alphabet's characters, no whitespace or line breaks, padding
// optional (CEL's base64.decode takes 'aGVsbG8' and 'aGVsbG8=') but, when present, exactly
// right and only at the end, and the unused low bits of the last character must be zero, so
// every byte string has exactly one accepted encoding per alphabet (no malleability).

import { EvaluationError } from '../../src/lang/library.js';

import { base64Encode, base64UrlEncode, hexEncode, STD, URL_SAFE } from '../../src/lang/library.js';

export { base64Encode, base64UrlEncode, hexEncode };

function table(alphabet: string): Int16Array {
  const t = new Int16Array(128).fill(-1);
  for (let i = 0; i < alphabet.length; i++) t[alphabet.charCodeAt(i)] = i;
  return t;
}

const STD_TABLE = table(STD);
const URL_TABLE = table(URL_SAFE);

function bad(s: string, why: string): EvaluationError {
  const shown = s.length > 32 ? `${s.slice(0, 32)}...` : s;
  return new EvaluationError('invalid_argument', `invalid base64 \`${shown}\`: ${why}`);
}

function decode(s: string, t: Int16Array, name: string): Uint8Array {
  let end = s.length;
  if (end > 0 && s.charCodeAt(end - 1) === 61) end--;
  if (end > 0 && s.charCodeAt(end - 1) === 61) end--;
  const padded = end !== s.length;
  // Characters first, so that the error names the first bad one.
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || t[c]! < 0) throw bad(s, c === 61 ? `padding inside the data at ${i}` : `character not in the ${name} alphabet at ${i}`);
  }
  const rest = end % 4;
  if (rest === 1) throw bad(s, 'wrong length');
  if (padded && s.length % 4 !== 0) throw bad(s, 'wrong padding');
  const out = new Uint8Array(Math.floor(end / 4) * 3 + (rest === 0 ? 0 : rest - 1));
  const at = (i: number): number => t[s.charCodeAt(i)]!;
  let o = 0;
  const full = end - rest;
  for (let i = 0; i < full; i += 4) {
    const n = (at(i) << 18) | (at(i + 1) << 12) | (at(i + 2) << 6) | at(i + 3);
    out[o++] = n >>> 16;
    out[o++] = (n >>> 8) & 255;
    out[o++] = n & 255;
  }
  if (rest === 2) {
    const a = at(full);
    const b = at(full + 1);
    if ((b & 15) !== 0) throw bad(s, 'non-zero trailing bits');
    out[o++] = (a << 2) | (b >>> 4);
  } else if (rest === 3) {
    const a = at(full);
    const b = at(full + 1);
    const c = at(full + 2);
    if ((c & 3) !== 0) throw bad(s, 'non-zero trailing bits');
    const n = (a << 10) | (b << 4) | (c >>> 2);
    out[o++] = n >>> 8;
    out[o++] = n & 255;
  }
  return out;
}

/** Standard alphabet, padding optional. */
export function base64Decode(s: string): Uint8Array {
  return decode(s, STD_TABLE, 'standard');
}

/** URL-safe alphabet, padding optional. */
export function base64UrlDecode(s: string): Uint8Array {
  return decode(s, URL_TABLE, 'URL-safe');
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** Hex digits, either case, an even number of them. */
export function hexDecode(s: string): Uint8Array {
  const shown = s.length > 32 ? `${s.slice(0, 32)}...` : s;
  if (s.length % 2 !== 0) throw new EvaluationError('invalid_argument', `invalid hex \`${shown}\`: odd length`);
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexDigit(s.charCodeAt(2 * i));
    const lo = hexDigit(s.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) {
      throw new EvaluationError('invalid_argument', `invalid hex \`${shown}\`: not a hex digit at ${hi < 0 ? 2 * i : 2 * i + 1}`);
    }
    out[i] = (hi << 4) | lo;
  }
  return out;
}
