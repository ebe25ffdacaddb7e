// `time.format`: a small, safe subset of the date-fns / Unicode TR35 format tokens, compiled
// once per pattern (at load when the pattern is a constant) into a list of parts.
//
//   y yy yyy yyyy    year: as is, last two digits, padded to 3 or 4 digits
//   M MM MMM MMMM    month: 1, 01, Jan, January
//   d dd             day of the month: 5, 05
//   E EE EEE EEEE    day of the week: Mon, Mon, Mon, Monday
//   H HH             hour 0-23: 9, 09
//   h hh             hour 1-12: 9, 09
//   a                AM or PM
//   m mm             minute
//   s ss             second
//   S .. SSSSSSSSS   fraction of the second, 1 to 9 digits (truncated, not rounded)
//   X XX XXX         offset from UTC, `Z` for zero: +01, +0100, +01:00 (minutes shown when not zero)
//   x xx xxx         the same without `Z`: +00, +0000, +00:00
//   'text'           literal text; '' is a single quote
//
// Any other ASCII letter is an error (as in date-fns, letters must be quoted to be literal);
// every other character is copied. Output is English. A pattern is at most 256 characters.

import type { TimeZone } from '../std/time.js';
import { splitSeconds } from '../std/time.js';
import { civilFromDays } from '../std/time.js';
import type { CelTimestamp } from '../../src/lang/library.js';
import { invalid, isoWeekday, MONTH_NAMES, WEEKDAY_NAMES } from './calendar.js';

export const MAX_PATTERN_LENGTH = 256;

interface Fields {
  year: number;
  month: number;
  day: number;
  weekday: number;
  hours: number;
  minutes: number;
  seconds: number;
  nanos: number;
  offset: number;
}

type Part = string | ((f: Fields) => string);

export interface CompiledPattern {
  readonly source: string;
  readonly parts: readonly Part[];
}

function pad(n: number, width: number): string {
  const s = String(Math.abs(n)).padStart(width, '0');
  return n < 0 ? `-${s}` : s;
}

function offset(f: Fields, width: number, z: boolean): string {
  if (f.offset === 0 && z) return 'Z';
  const sign = f.offset < 0 ? '-' : '+';
  const abs = Math.abs(f.offset);
  const h = pad(Math.floor(abs / 3600), 2);
  const m = pad(Math.floor(abs / 60) % 60, 2);
  if (width === 3) return `${sign}${h}:${m}`;
  if (width === 2 || m !== '00') return `${sign}${h}${m}`;
  return `${sign}${h}`;
}

/** The formatter of a run of `width` copies of `letter`, or undefined when not supported. */
function token(letter: string, width: number): ((f: Fields) => string) | undefined {
  switch (letter) {
    case 'y':
      if (width === 2) return (f) => pad(f.year % 100, 2);
      return width <= 4 ? (f) => pad(f.year, width) : undefined;
    case 'M':
      if (width <= 2) return (f) => pad(f.month, width);
      if (width === 3) return (f) => MONTH_NAMES[f.month - 1]!.slice(0, 3);
      return width === 4 ? (f) => MONTH_NAMES[f.month - 1]! : undefined;
    case 'd':
      return width <= 2 ? (f) => pad(f.day, width) : undefined;
    case 'E':
      if (width <= 3) return (f) => WEEKDAY_NAMES[f.weekday]!.slice(0, 3);
      return width === 4 ? (f) => WEEKDAY_NAMES[f.weekday]! : undefined;
    case 'H':
      return width <= 2 ? (f) => pad(f.hours, width) : undefined;
    case 'h':
      return width <= 2 ? (f) => pad(f.hours % 12 === 0 ? 12 : f.hours % 12, width) : undefined;
    case 'a':
      return width === 1 ? (f) => (f.hours < 12 ? 'AM' : 'PM') : undefined;
    case 'm':
      return width <= 2 ? (f) => pad(f.minutes, width) : undefined;
    case 's':
      return width <= 2 ? (f) => pad(f.seconds, width) : undefined;
    case 'S':
      return width <= 9 ? (f) => pad(f.nanos, 9).slice(0, width) : undefined;
    case 'X':
      return width <= 3 ? (f) => offset(f, width, true) : undefined;
    case 'x':
      return width <= 3 ? (f) => offset(f, width, false) : undefined;
  }
  return undefined;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Compiles a pattern; EvaluationError('invalid_argument') naming the first bad token. */
export function compilePattern(pattern: string): CompiledPattern {
  if (pattern.length > MAX_PATTERN_LENGTH) {
    throw invalid(`format pattern is ${pattern.length} characters long, more than ${MAX_PATTERN_LENGTH}`);
  }
  const parts: Part[] = [];
  let lit = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern.charCodeAt(i);
    if (c === 39 /* ' */) {
      if (pattern.charCodeAt(i + 1) === 39) {
        lit += "'";
        i += 2;
        continue;
      }
      // A quoted run: '' inside it is a quote.
      let j = i + 1;
      for (;;) {
        if (j >= pattern.length) throw invalid(`invalid format pattern \`${pattern}\`: unterminated quote at ${i}`);
        if (pattern.charCodeAt(j) === 39) {
          if (pattern.charCodeAt(j + 1) === 39) {
            lit += "'";
            j += 2;
            continue;
          }
          break;
        }
        lit += pattern[j];
        j++;
      }
      i = j + 1;
      continue;
    }
    if (!isLetter(c)) {
      lit += pattern[i];
      i++;
      continue;
    }
    let j = i + 1;
    while (j < pattern.length && pattern.charCodeAt(j) === c) j++;
    const run = pattern.slice(i, j);
    const fmt = token(pattern[i]!, j - i);
    if (fmt === undefined) {
      throw invalid(`invalid format pattern \`${pattern}\`: unsupported token \`${run}\` at ${i} (quote literal letters: 'at')`);
    }
    if (lit !== '') parts.push(lit);
    lit = '';
    parts.push(fmt);
    i = j;
  }
  if (lit !== '') parts.push(lit);
  return { source: pattern, parts };
}

const CACHE_SIZE = 64;
const cache = new Map<string, CompiledPattern>();

/** compilePattern with a small cache, for patterns that arrive at run time. */
export function cachedPattern(pattern: string): CompiledPattern {
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit;
  const p = compilePattern(pattern);
  if (cache.size >= CACHE_SIZE) cache.clear();
  cache.set(pattern, p);
  return p;
}

export function formatWith(p: CompiledPattern, ts: CelTimestamp, zone: TimeZone): string {
  const { seconds: utc, nanos } = splitSeconds(ts.ns);
  const off = zone.offsetSeconds(utc);
  const local = utc + off;
  const days = Math.floor(local / 86400);
  const sod = local - days * 86400;
  const { year, month, day } = civilFromDays(days);
  const f: Fields = {
    year,
    month,
    day,
    weekday: isoWeekday(days),
    hours: Math.floor(sod / 3600),
    minutes: Math.floor(sod / 60) % 60,
    seconds: sod % 60,
    nanos,
    offset: off,
  };
  let out = '';
  for (const part of p.parts) out += typeof part === 'string' ? part : part(f);
  return out;
}
