// Text primitives shared by the string functions: code-point indexing over JavaScript's
// UTF-16 strings, Go's definition of white space, case folding. Every function here is one
// pass over its input (or a native call that is), so no builtin built on them is
// super-linear.
//
// CEL indexes strings by Unicode code point; JavaScript by UTF-16 unit. A string without
// surrogates has the same indexes in both, which one native scan (`hasSurrogates`) detects;
// only strings with astral characters (emoji, ...) pay for the conversion. A lone surrogate
// (possible in JSON input, never in a CEL literal) counts as one code point, as
// `codePointLength` does.

import { EvaluationError } from '../../src/lang/library.js';

const SURROGATE = /[\ud800-\udfff]/;

/** Whether the string has any surrogate unit (so code-point and UTF-16 indexes may differ). */
export function hasSurrogates(s: string): boolean {
  return SURROGATE.test(s);
}

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}

function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

/** Whether a surrogate pair starts at UTF-16 index `i`. */
function pairAt(s: string, i: number): boolean {
  return isHigh(s.charCodeAt(i)) && i + 1 < s.length && isLow(s.charCodeAt(i + 1));
}

/** Number of code points of `s`. */
export function cpLength(s: string): number {
  if (!hasSurrogates(s)) return s.length;
  let n = 0;
  for (let i = 0; i < s.length; i++, n++) if (pairAt(s, i)) i++;
  return n;
}

/**
 * UTF-16 index of code point `cp` (0 <= cp); `s.length` for cp equal to the code-point
 * length; -1 beyond it. `from`/`fromCp` resume a scan from a known position.
 */
export function unitIndex(s: string, cp: number, from = 0, fromCp = 0): number {
  let i = from;
  let n = fromCp;
  while (n < cp) {
    if (i >= s.length) return -1;
    i += pairAt(s, i) ? 2 : 1;
    n++;
  }
  return i > s.length ? -1 : i;
}

/** Number of code points between UTF-16 indexes `from` and `unit` (the code-point index of `unit` when from is 0). */
export function cpIndex(s: string, unit: number, from = 0): number {
  let n = 0;
  for (let i = from; i < unit; i++, n++) if (pairAt(s, i)) i++;
  return n;
}

/** The character (one code point, one or two UTF-16 units) starting at UTF-16 index `u`. */
export function charAtUnit(s: string, u: number): string {
  return pairAt(s, u) ? s.slice(u, u + 2) : s.charAt(u);
}

/** Whether UTF-16 index `i` is the low half of a surrogate pair (a match there splits a character). */
export function splitsPair(s: string, i: number): boolean {
  return i > 0 && i < s.length && isLow(s.charCodeAt(i)) && isHigh(s.charCodeAt(i - 1));
}

/** First UTF-16 index >= from where `sub` (non-empty) starts on a character boundary, or -1. */
export function findUnit(s: string, sub: string, from: number): number {
  let i = s.indexOf(sub, from);
  // A needle that starts with a lone low surrogate could match inside a pair: skip those.
  while (i > 0 && splitsPair(s, i)) i = s.indexOf(sub, i + 1);
  return i;
}

/** The code points of `s`, each as a string (a lone surrogate is one element). */
export function codePoints(s: string): string[] {
  return Array.from(s);
}

/**
 * A CEL int index as a JS number; index_out_of_bounds outside [0, max]. `size` (the string's
 * code-point length, default max) is for the message.
 */
export function checkIndex(i: bigint, max: number, size = max, what = 'index'): number {
  if (i < 0n || i > BigInt(max)) {
    throw new EvaluationError(
      'index_out_of_bounds',
      `${what} ${i} out of range for a string of ${size} code point${size === 1 ? '' : 's'}`,
    );
  }
  return Number(i);
}

// ------------------------------------------------------------------ white space

/**
 * Go's `unicode.IsSpace`, which cel-go's `trim` uses: ASCII \t \n \v \f \r and space, U+0085,
 * U+00A0, and the other Unicode White_Space characters (U+1680, U+2000-U+200A, U+2028, U+2029,
 * U+202F, U+205F, U+3000). Not the zero-width characters (U+200B, U+FEFF, U+180E), which
 * JavaScript's `trim` and `\s` treat differently (`\s` includes U+FEFF).
 */
export function isSpace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0x85) return false;
  if (c === 0x85 || c === 0xa0) return true;
  if (c < 0x1680) return false;
  return c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000;
}

/** The same set as `isSpace`, as a regex class body. */
export const SPACE_CLASS = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';

/** Go's strings.TrimSpace: one pass from each end (a `\s+$` regex would be quadratic). */
export function trimSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isSpace(s.charCodeAt(a))) a++;
  while (b > a && isSpace(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

const SPACE_RUN = new RegExp(`[${SPACE_CLASS}]+`, 'g');

/** Runs of white space (as `isSpace`) become one ASCII space; leading and trailing runs go. */
export function normalizeWhitespace(s: string): string {
  // `[class]+` with the global flag consumes each run once: linear.
  return trimSpace(s.replace(SPACE_RUN, ' '));
}

// ------------------------------------------------------------------ case

export function lowerAscii(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
}

export function upperAscii(s: string): string {
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

/**
 * Unicode case folding for comparisons: NFKC normalization, then the string to lower case,
 * upper case and lower case again, then final sigma (ς) to σ, then NFC. So `ß`, `ẞ` and `SS` all
 * fold to `ss`, `ﬁ` to `fi`, `Σ`/`ς`/`σ` to `σ`, full-width `Ａ` to `a`. This is the
 * locale-independent mapping of JavaScript's toUpperCase/toLowerCase (Unicode SpecialCasing
 * without Turkic rules): it agrees with Unicode's full case folding (CaseFolding.txt, status
 * C+F) except for a handful of characters, e.g. Cherokee lower-case letters, which fold to
 * lower case here rather than upper case (the comparison result is the same).
 */
export function caseFold(s: string): string {
  // ASCII-only strings take the cheap path (NFKC and the round trip are no-ops on them).
  // biome-ignore lint/suspicious/noControlCharactersInRegex: all of ASCII, control characters included
  if (/^[\x00-\x7f]*$/.test(s)) return s.toLowerCase();
  return s.normalize('NFKC').toLowerCase().toUpperCase().toLowerCase().replace(/ς/g, 'σ').normalize('NFC');
}
