// Byte encoders shared by the function library and the audit trail: base64 (RFC 4648, standard
// and URL-safe alphabets) and lowercase hex. Hand-written so the same code runs in Node and edge
// runtimes (no Buffer, no btoa, whose Latin-1 strings are a trap); one pass, linear time.

export const STD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
export const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function codes(alphabet: string): Uint8Array {
  const out = new Uint8Array(alphabet.length);
  for (let i = 0; i < alphabet.length; i++) out[i] = alphabet.charCodeAt(i);
  return out;
}

const STD_CODES = codes(STD);
const URL_CODES = codes(URL_SAFE);

/** Char codes to a string, in chunks (String.fromCharCode takes a bounded argument count). */
function fromCodes(buf: Uint8Array): string {
  let out = '';
  for (let i = 0; i < buf.length; i += 8192) {
    out += String.fromCharCode.apply(null, buf.subarray(i, i + 8192) as unknown as number[]);
  }
  return out;
}

function encode(b: Uint8Array, alpha: Uint8Array, pad: boolean): string {
  const full = Math.floor(b.length / 3) * 3;
  const rest = b.length - full;
  const len = (full / 3) * 4 + (rest === 0 ? 0 : pad ? 4 : rest + 1);
  const out = new Uint8Array(len);
  let o = 0;
  for (let i = 0; i < full; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    out[o++] = alpha[n >>> 18]!;
    out[o++] = alpha[(n >>> 12) & 63]!;
    out[o++] = alpha[(n >>> 6) & 63]!;
    out[o++] = alpha[n & 63]!;
  }
  if (rest === 1) {
    const n = b[full]!;
    out[o++] = alpha[n >>> 2]!;
    out[o++] = alpha[(n & 3) << 4]!;
    if (pad) {
      out[o++] = 61;
      out[o++] = 61;
    }
  } else if (rest === 2) {
    const n = (b[full]! << 8) | b[full + 1]!;
    out[o++] = alpha[n >>> 10]!;
    out[o++] = alpha[(n >>> 4) & 63]!;
    out[o++] = alpha[(n & 15) << 2]!;
    if (pad) out[o++] = 61;
  }
  return fromCodes(out);
}

/** Standard alphabet, padded: what CEL's base64.encode writes. */
export function base64Encode(b: Uint8Array): string {
  return encode(b, STD_CODES, true);
}

/** URL-safe alphabet (`-` and `_`), without padding (RFC 4648 section 5, as in JWTs). */
export function base64UrlEncode(b: Uint8Array): string {
  return encode(b, URL_CODES, false);
}

const HEX = '0123456789abcdef';
const HEX_PAIRS: string[] = Array.from({ length: 256 }, (_, i) => HEX[i >>> 4]! + HEX[i & 15]!);

/** Lowercase hex, two digits a byte. */
export function hexEncode(b: Uint8Array): string {
  const parts: string[] = new Array(b.length);
  for (let i = 0; i < b.length; i++) parts[i] = HEX_PAIRS[b[i]!]!;
  return parts.join('');
}

/** 32-bit FNV-1a of some bytes (of a string: ./fnv.ts). */
export function fnv1aBytes(data: Uint8Array, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < data.length; i++) {
    h ^= data[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
