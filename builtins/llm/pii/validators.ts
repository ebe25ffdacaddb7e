// Checks that turn a pattern match into a finding or reject it: checksums (Luhn, IBAN
// mod-97), numbering rules (US SSN, NANP), issuer tables, calendar dates, JWT headers and
// the entropy of a secret's value. Each is linear in its (short) input.

import { base64UrlDecode } from '../../encoding/base64.js';
import { decodeUtf8 } from '../../std/numbers.js';

export function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** ASCII letter, digit or underscore: the characters that glue a match to a longer token. */
export function isWordCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

export function isAlnumCode(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

export function isLetterCode(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** The digits of a string, separators dropped. */
export function digitsOf(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) out += s[i];
  }
  return out;
}

function allSame(d: string): boolean {
  for (let i = 1; i < d.length; i++) if (d[i] !== d[0]) return false;
  return true;
}

// ------------------------------------------------------------------ payment cards

/** The Luhn (mod 10) checksum over a string of digits. */
export function luhn(d: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = d.length - 1; i >= 0; i--) {
    let v = d.charCodeAt(i) - 48;
    if (double) {
      v *= 2;
      if (v > 9) v -= 9;
    }
    sum += v;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * The card scheme of a primary account number from its prefix (IIN) and length, or
 * undefined when no scheme issues numbers that look like this.
 */
export function cardIssuer(d: string): string | undefined {
  const n = d.length;
  const p2 = +d.slice(0, 2);
  const p3 = +d.slice(0, 3);
  const p4 = +d.slice(0, 4);
  const p6 = +d.slice(0, 6);
  if (d[0] === '4') return n === 13 || n === 16 || n === 19 ? 'visa' : undefined;
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n === 16 ? 'mastercard' : undefined;
  if (p2 === 34 || p2 === 37) return n === 15 ? 'amex' : undefined;
  if (p4 === 6011 || (p3 >= 644 && p3 <= 649) || p2 === 65 || (p6 >= 622126 && p6 <= 622925)) {
    return n >= 16 && n <= 19 ? 'discover' : undefined;
  }
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19 ? 'jcb' : undefined;
  if ((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39) return n >= 14 && n <= 19 ? 'diners' : undefined;
  if (p2 === 62) return n >= 16 && n <= 19 ? 'unionpay' : undefined;
  return undefined;
}

/** A card number: 13-19 digits, Luhn-valid, a known issuer prefix for its length. */
export function validCard(d: string): string | undefined {
  if (d.length < 13 || d.length > 19 || allSame(d) || !luhn(d)) return undefined;
  return cardIssuer(d);
}

// ------------------------------------------------------------------ US SSN

const FAKE_SSNS = new Set(['123456789', '078051120', '219099999', '987654321']);

/**
 * A US Social Security number by the SSA's rules: area 001-899 except 666, group 01-99,
 * serial 0001-9999; the numbers used in advertising and examples (078-05-1120, 219-09-9999,
 * 123-45-6789) and repeated digits are not real ones.
 */
export function validSsn(d: string): boolean {
  if (d.length !== 9 || allSame(d) || FAKE_SSNS.has(d)) return false;
  const area = +d.slice(0, 3);
  const group = +d.slice(3, 5);
  const serial = +d.slice(5);
  return area !== 0 && area !== 666 && area < 900 && group !== 0 && serial !== 0;
}

// ------------------------------------------------------------------ phone numbers

/** A ten-digit North American number: area code and exchange start with 2-9, no N11 area. */
export function validNanp(d: string): boolean {
  if (d.length !== 10) return false;
  const a = d.charCodeAt(0) - 48;
  const e = d.charCodeAt(3) - 48;
  if (a < 2 || e < 2) return false;
  if (d[1] === '1' && d[2] === '1') return false; // N11: service codes, not area codes
  return !allSame(d);
}

// ------------------------------------------------------------------ IBAN

/** IBAN length per country (SWIFT IBAN registry). */
export const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24,
  AE: 23,
  AL: 28,
  AT: 20,
  AZ: 28,
  BA: 20,
  BE: 16,
  BG: 22,
  BH: 22,
  BI: 27,
  BR: 29,
  BY: 28,
  CH: 21,
  CR: 22,
  CY: 28,
  CZ: 24,
  DE: 22,
  DJ: 27,
  DK: 18,
  DO: 28,
  EE: 20,
  EG: 29,
  ES: 24,
  FI: 18,
  FK: 18,
  FO: 18,
  FR: 27,
  GB: 22,
  GE: 22,
  GI: 23,
  GL: 18,
  GR: 27,
  GT: 28,
  HR: 21,
  HU: 28,
  IE: 22,
  IL: 23,
  IQ: 23,
  IS: 26,
  IT: 27,
  JO: 30,
  KW: 30,
  KZ: 20,
  LB: 28,
  LC: 32,
  LI: 21,
  LT: 20,
  LU: 20,
  LV: 21,
  LY: 25,
  MC: 27,
  MD: 24,
  ME: 22,
  MK: 19,
  MN: 20,
  MR: 27,
  MT: 31,
  MU: 30,
  NI: 28,
  NL: 18,
  NO: 15,
  OM: 23,
  PK: 24,
  PL: 28,
  PS: 29,
  PT: 25,
  QA: 29,
  RO: 24,
  RS: 22,
  RU: 33,
  SA: 24,
  SC: 31,
  SD: 18,
  SE: 24,
  SI: 19,
  SK: 24,
  SM: 27,
  SO: 23,
  ST: 25,
  SV: 28,
  TL: 23,
  TN: 24,
  TR: 26,
  UA: 29,
  VA: 22,
  VG: 24,
  XK: 20,
  YE: 30,
};

/** An IBAN without separators, upper case: the country's length and ISO 13616 mod-97 = 1. */
export function validIban(s: string): boolean {
  const len = IBAN_LENGTHS[s.slice(0, 2)];
  if (len === undefined || s.length !== len) return false;
  // Move the first four characters to the end, letters become 10..35, then mod 97, folded
  // one character at a time so the number never grows.
  let r = 0;
  for (let k = 0; k < s.length; k++) {
    const c = s.charCodeAt((k + 4) % s.length);
    if (c >= 48 && c <= 57) r = (r * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) r = (r * 100 + (c - 55)) % 97;
    else return false;
  }
  return r === 1;
}

// ------------------------------------------------------------------ dates

const MONTHS: Readonly<Record<string, number>> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};

export function monthNumber(name: string): number | undefined {
  return MONTHS[name.slice(0, 3).toLowerCase()];
}

export function validDay(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [31, (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
  return d <= days;
}

/** A year a living person was born in: 1900-2099, or two digits. */
export function plausibleBirthYear(text: string): number | undefined {
  const y = +text;
  if (text.length === 2) return 1900 + y; // the century does not matter for validity
  return y >= 1900 && y <= 2099 ? y : undefined;
}

// ------------------------------------------------------------------ JWT

/** Whether a base64url segment decodes to a JSON object; the object, or undefined. */
function jsonSegment(seg: string): Record<string, unknown> | undefined {
  if (seg.length < 4 || seg.length > 4096) return undefined;
  try {
    const v: unknown = JSON.parse(decodeUtf8(base64UrlDecode(seg)));
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** A JSON Web Token (JWS compact form): a header object with a string `alg`, a JSON payload. */
export function validJwt(token: string): boolean {
  const a = token.indexOf('.');
  const b = token.indexOf('.', a + 1);
  if (a < 0 || b < 0 || token.indexOf('.', b + 1) >= 0) return false;
  const header = jsonSegment(token.slice(0, a));
  if (header === undefined || typeof header.alg !== 'string') return false;
  return jsonSegment(token.slice(a + 1, b)) !== undefined;
}

// ------------------------------------------------------------------ secrets

/** Shannon entropy of a string's characters, in bits per character. */
const ASCII_COUNTS = new Int32Array(128);

export function entropy(s: string): number {
  if (s.length === 0) return 0;
  let other: Map<number, number> | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128) ASCII_COUNTS[c]!++;
    else (other ??= new Map()).set(c, (other.get(c) ?? 0) + 1);
  }
  let h = 0;
  const add = (k: number) => {
    const p = k / s.length;
    h -= p * Math.log2(p);
  };
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128 && ASCII_COUNTS[c]! > 0) {
      add(ASCII_COUNTS[c]!);
      ASCII_COUNTS[c] = 0;
    }
  }
  if (other !== undefined) for (const k of other.values()) add(k);
  return h;
}

/** How many of lower case, upper case and digits a string uses (other characters do not count). */
export function alnumClasses(s: string): number {
  let lower = 0,
    upper = 0,
    digit = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = 1;
    else if (c >= 65 && c <= 90) upper = 1;
    else if (c >= 48 && c <= 57) digit = 1;
  }
  return lower + upper + digit;
}

/** How many of lower case, upper case, digits and other characters a string uses. */
export function charClasses(s: string): number {
  let lower = 0,
    upper = 0,
    digit = 0,
    other = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = 1;
    else if (c >= 65 && c <= 90) upper = 1;
    else if (c >= 48 && c <= 57) digit = 1;
    else other = 1;
  }
  return lower + upper + digit + other;
}

const PLACEHOLDERS = new Set([
  'str',
  'bytes',
  'int',
  'number',
  'boolean',
  'bool',
  'any',
  'unknown',
  'buffer',
  'uint8array',
  'object',
  'optional[str]',
  'null',
  'none',
  'nil',
  'undefined',
  'empty',
  'true',
  'false',
  'required',
  'optional',
  'redacted',
  'hidden',
  'secret',
  'password',
  'passwd',
  'pass',
  'pwd',
  'your_password',
  'yourpassword',
  'your-password',
  'mypassword',
  'example',
  'placeholder',
  'changeit',
  'xxxxxx',
  'string',
  'value',
  'token',
  'your_token',
  'your_api_key',
  'apikey',
  'api_key',
  'incorrect',
  'invalid',
  'wrong',
  'missing',
  'expired',
  'reset',
  'forgotten',
]);

/**
 * Whether an assigned value is a stand-in, not a secret: a template or variable reference
 * (`${DB_PASSWORD}`, `{{ pw }}`, `<password>`, `%PASS%`, `process.env.X`), a mask (`*****`,
 * `xxxx`), a word people write where the value would go, or a value that says it is one
 * (`YOUR_API_KEY_HERE`, `change-me-in-production`, `example-token`).
 */
const PLACEHOLDER_PARTS = [
  'your_',
  'your-',
  'yourapi',
  'yoursecret',
  'here',
  'example',
  'placeholder',
  'xxxx',
  'dummy',
  'sample',
  'replace',
  'insert',
  'change-me',
  'changeme',
  'change_me',
  'redacted',
];

export function isPlaceholder(v: string): boolean {
  const low = v.toLowerCase();
  if (PLACEHOLDERS.has(low)) return true;
  for (const p of PLACEHOLDER_PARTS) if (low.includes(p)) return true;
  const c0 = v.charCodeAt(0);
  if (c0 === 36 /* $ */ || c0 === 60 /* < */ || c0 === 123 /* { */ || c0 === 37 /* % */ || c0 === 91 /* [ */) return true;
  if (low.startsWith('process.env') || low.startsWith('os.environ') || low.startsWith('env.') || low.startsWith('env[')) return true;
  // One character repeated (****, xxxx, ....) or only mask characters.
  let masked = true;
  for (let i = 0; i < v.length; i++) {
    const ch = v[i]!;
    if (ch !== '*' && ch !== 'x' && ch !== 'X' && ch !== '.' && ch !== '•' && ch !== '#' && ch !== '-' && ch !== '_') {
      masked = false;
      break;
    }
  }
  return masked || allSame(v);
}

/** A file path: `/Users/me`, `~/x`, `./x`, `../x`, `C:\\x`. */
export function isFilePath(v: string): boolean {
  const c0 = v.charCodeAt(0);
  return c0 === 47 || c0 === 126 || v.startsWith('./') || v.startsWith('../') || /^[A-Za-z]:\\/.test(v);
}

/** A property path: identifiers joined by '.' or '?.' (`env2.networkPolicy.domainSecrets`). */
const PROPERTY_PATH = /^[A-Za-z_$][\w$]*(?:\??\.[A-Za-z_$][\w$]*)+$/;

/**
 * Whether an unquoted assigned value reads as code, not a literal: a name or a property
 * path (`hashedPassword`, `req.body.password`, `opts?.workSecret`), an index (`auth[1]`,
 * `env['PW']`), a call (`bcrypt.hash(pw)`, `require(`), or a file path (`/Users/me`,
 * `./secrets/db`). Passwords written in code are quoted.
 */
export function isCodeReference(v: string): boolean {
  if (PROPERTY_PATH.test(v) || isFilePath(v)) return true;
  let letters = true;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 36)) {
      letters = false;
      break;
    }
  }
  if (letters) return true;
  const open = v.search(/[([]/);
  return open > 0 && isWordCode(v.charCodeAt(open - 1));
}
