// `<string>.format(<list>)`: cel-go's string formatting (ext/formatting_v2.go, strings
// library version 4). Clauses: %s, %d, %f, %e (with an optional .precision for %f and %e),
// %b, %x, %X, %o and %% for a literal percent sign. Numbers print the way cel-go prints
// them, digit for digit: %f and %e round the exact binary value half-to-even (Go's
// strconv), which JavaScript's toFixed/toExponential do not (they round half up and give up
// above 1e21), so the decimal expansion is computed exactly with BigInt here.
//
// A constant format string is parsed once at load; an unknown clause in it is a load error
// (cel-go reports it at compile time too).

import type { FunctionDecl } from '../../src/lang/library.js';
import { EvaluationError } from '../../src/lang/library.js';
import {
  type CelDuration,
  type CelTimestamp,
  type CelType,
  type CelUint,
  MAX_VALUE_DEPTH,
  compareStrings,
  kindOf,
  mapEntries,
  noOverload,
  typeNameOf,
} from '../../src/lang/library.js';
import { formatTimestamp } from '../std/time.js';
import { encodeUtf8 } from '../std/numbers.js';

/** Default precision of %f and %e. */
const DEFAULT_PRECISION = 6;
/** Largest precision a clause may ask for (bounds the output of one clause). */
export const MAX_PRECISION = 100;

type Verb = 's' | 'd' | 'f' | 'e' | 'b' | 'x' | 'X' | 'o';
interface Clause {
  verb: Verb;
  precision: number;
}
/** A parsed format string: literal text and clauses, in order. */
export type FormatProgram = (string | Clause)[];

function invalid(message: string): EvaluationError {
  return new EvaluationError('invalid_argument', message);
}

/** Parses a format string; a malformed clause throws (at load for a constant format string). */
export function parseFormat(f: string): FormatProgram {
  const out: FormatProgram = [];
  let text = '';
  let i = 0;
  while (i < f.length) {
    const pct = f.indexOf('%', i);
    if (pct < 0) {
      text += f.slice(i);
      break;
    }
    text += f.slice(i, pct);
    i = pct + 1;
    if (f[i] === '%') {
      text += '%';
      i++;
      continue;
    }
    if (i >= f.length) throw invalid('could not parse formatting clause: unexpected end of string after `%`');
    let precision = DEFAULT_PRECISION;
    if (f[i] === '.') {
      let j = i + 1;
      while (j < f.length && f.charCodeAt(j) >= 48 && f.charCodeAt(j) <= 57) j++;
      if (j >= f.length) throw invalid('could not parse formatting clause: could not find end of precision specifier');
      if (j === i + 1) throw invalid(`could not parse formatting clause: missing precision after \`%.\``);
      const digits = f.slice(i + 1, j);
      precision = digits.length > 4 ? Infinity : Number(digits);
      if (precision > MAX_PRECISION) {
        throw invalid(`could not parse formatting clause: precision \`${digits}\` exceeds the maximum of ${MAX_PRECISION}`);
      }
      i = j;
    }
    const c = String.fromCodePoint(f.codePointAt(i)!);
    if (!'sdfebxXo'.includes(c) || c.length !== 1) {
      throw invalid(`could not parse formatting clause: unrecognized formatting clause \`${c}\``);
    }
    i += 1;
    if (text) out.push(text);
    text = '';
    out.push({ verb: c as Verb, precision });
  }
  if (text) out.push(text);
  return out;
}

/** Runs a parsed format program over the argument list. */
export function runFormat(program: FormatProgram, args: unknown[]): string {
  let out = '';
  let next = 0;
  for (const part of program) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
    if (next >= args.length) {
      throw invalid(
        `format clause ${next + 1} (\`%${part.verb}\`) has no argument: the list has ${args.length} element${args.length === 1 ? '' : 's'}`,
      );
    }
    out += formatClause(part, args[next++]);
  }
  return out;
}

function formatClause(c: Clause, v: unknown): string {
  switch (c.verb) {
    case 's':
      return formatString(v, 0);
    case 'd':
      return formatDecimal(v);
    case 'f':
      return formatFloat(v, c.precision, fixed, 'fixed-point');
    case 'e':
      return formatFloat(v, c.precision, scientific, 'scientific');
    case 'b':
      return formatRadix(v, 2, 'only ints, uints, and bools can be formatted as binary', true);
    case 'o':
      return formatRadix(v, 8, 'octal clause can only be used on ints and uints', false);
    case 'x':
      return formatHex(v, false);
    case 'X':
      return formatHex(v, true);
  }
}

function formatError(what: string, v: unknown): EvaluationError {
  return invalid(`error during formatting: ${what}, was given ${typeNameOf(v)}`);
}

// ------------------------------------------------------------------ %s

declare const TextDecoder: new (label: string) => { decode(input: Uint8Array): string };
const lenientDecoder = new TextDecoder('utf-8');

/** cel-go's %s: the value's text, lists as [a, b], maps as {k: v} sorted by key text, strings unquoted. */
export function formatString(v: unknown, depth: number): string {
  if (depth > MAX_VALUE_DEPTH) {
    throw new EvaluationError('limit_exceeded', `values nest deeper than ${MAX_VALUE_DEPTH} levels`);
  }
  switch (kindOf(v)) {
    case 'null':
      return 'null';
    case 'bool':
      return v ? 'true' : 'false';
    case 'int':
      return (v as bigint).toString();
    case 'uint':
      return (v as CelUint).value.toString();
    case 'double':
      return formatPlainDouble(v as number);
    case 'string':
      return v as string;
    case 'bytes':
      return lenientDecoder.decode(v as Uint8Array);
    case 'timestamp':
      return formatTimestamp(v as CelTimestamp);
    case 'duration':
      return `${formatPlainDouble(durationSeconds(v as CelDuration))}s`;
    case 'type':
      return (v as CelType).name;
    case 'list':
      return `[${(v as unknown[]).map((x) => formatString(x, depth + 1)).join(', ')}]`;
    case 'map': {
      const entries = mapEntries(v as object).map(([k, x]) => [formatString(k, depth + 1), formatString(x, depth + 1)] as const);
      entries.sort((a, b) => compareStrings(a[0], b[0]));
      return `{${entries.map(([k, x]) => `${k}: ${x}`).join(', ')}}`;
    }
    default:
      throw formatError(
        'string clause can only be used on strings, bools, bytes, ints, doubles, maps, lists, types, durations, and timestamps',
        v,
      );
  }
}

/** Go's time.Duration.Seconds(): whole seconds plus the remaining nanoseconds / 1e9, as a double. */
function durationSeconds(d: CelDuration): number {
  const sec = d.ns / 1_000_000_000n;
  const nsec = d.ns % 1_000_000_000n;
  return Number(sec) + Number(nsec) / 1e9;
}

function special(d: number): string | undefined {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return 'Infinity';
  if (d === -Infinity) return '-Infinity';
  return undefined;
}

/**
 * Go's strconv.FormatFloat(d, 'f', -1, 64): the shortest digits that read back as `d`, in
 * plain decimal notation (never an exponent): `1e21` prints as `1000000000000000000000`.
 */
export function formatPlainDouble(d: number): string {
  const sp = special(d);
  if (sp !== undefined) return sp;
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  const neg = d < 0;
  const s = String(neg ? -d : d); // shortest round-trip digits, as Go's -1 precision
  const ei = s.indexOf('e');
  const mant = ei < 0 ? s : s.slice(0, ei);
  const exp = ei < 0 ? 0 : Number(s.slice(ei + 1));
  const dot = mant.indexOf('.');
  const intPart = dot < 0 ? mant : mant.slice(0, dot);
  let digits = intPart + (dot < 0 ? '' : mant.slice(dot + 1));
  let dp = intPart.length + exp;
  let lead = 0;
  while (lead < digits.length - 1 && digits.charCodeAt(lead) === 48) lead++;
  digits = digits.slice(lead);
  dp -= lead;
  let out: string;
  if (dp <= 0) out = `0.${'0'.repeat(-dp)}${digits}`;
  else if (dp >= digits.length) out = digits + '0'.repeat(dp - digits.length);
  else out = `${digits.slice(0, dp)}.${digits.slice(dp)}`;
  return neg ? `-${out}` : out;
}

// ------------------------------------------------------------------ %d %f %e

function formatDecimal(v: unknown): string {
  switch (kindOf(v)) {
    case 'int':
      return (v as bigint).toString();
    case 'uint':
      return (v as CelUint).value.toString();
    case 'double':
      return formatPlainDouble(v as number);
    default:
      throw formatError('decimal clause can only be used on ints, uints, and doubles', v);
  }
}

function formatFloat(v: unknown, precision: number, fmt: (x: number, p: number) => string, what: string): string {
  let x: number;
  switch (kindOf(v)) {
    case 'int':
      x = Number(v as bigint);
      break;
    case 'uint':
      x = Number((v as CelUint).value);
      break;
    case 'double':
      x = v as number;
      break;
    default:
      throw formatError(`${what} clause can only be used on ints, uints, and doubles`, v);
  }
  return special(x) ?? fmt(x, precision);
}

const F64 = new Float64Array(1);
const U64 = new BigUint64Array(F64.buffer);
const MANTISSA_MASK = (1n << 52n) - 1n;

/** The exact value of a finite positive double as n / 10^k (every double is a finite decimal). */
function exactDecimal(x: number): { n: bigint; k: number } {
  F64[0] = x;
  const bits = U64[0]!;
  const expField = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & MANTISSA_MASK;
  const m = expField === 0 ? frac : frac | (1n << 52n);
  const e = expField === 0 ? -1074 : expField - 1075;
  // x = m * 2^e; with e < 0, m / 2^-e = m * 5^-e / 10^-e.
  return e >= 0 ? { n: m << BigInt(e), k: 0 } : { n: m * 5n ** BigInt(-e), k: -e };
}

/** n / 10^drop rounded half to even. */
function roundHalfEven(n: bigint, drop: number): bigint {
  if (drop <= 0) return n * 10n ** BigInt(-drop);
  const p = 10n ** BigInt(drop);
  let q = n / p;
  const twice = (n % p) * 2n;
  if (twice > p || (twice === p && (q & 1n) === 1n)) q++;
  return q;
}

/** Go's %.<p>f. */
export function fixed(x: number, p: number): string {
  const neg = x < 0 || Object.is(x, -0);
  let digits: string;
  if (x === 0) digits = '0'.repeat(p + 1);
  else {
    const { n, k } = exactDecimal(Math.abs(x));
    digits = roundHalfEven(n, k - p)
      .toString()
      .padStart(p + 1, '0');
  }
  const out = p === 0 ? digits : `${digits.slice(0, digits.length - p)}.${digits.slice(digits.length - p)}`;
  return neg ? `-${out}` : out;
}

/** Go's %1.<p>e: d.ddd…e±XX with at least two exponent digits. */
export function scientific(x: number, p: number): string {
  const neg = x < 0 || Object.is(x, -0);
  let digits: string;
  let exp: number;
  if (x === 0) {
    digits = '0'.repeat(p + 1);
    exp = 0;
  } else {
    const { n, k } = exactDecimal(Math.abs(x));
    const all = n.toString();
    exp = all.length - 1 - k;
    if (all.length > p + 1) {
      let r = roundHalfEven(n, all.length - p - 1);
      if (r.toString().length > p + 1) {
        r /= 10n; // rounding carried into a new digit: 9.99… became 10.0…
        exp++;
      }
      digits = r.toString();
    } else {
      digits = all + '0'.repeat(p + 1 - all.length);
    }
  }
  const ax = Math.abs(exp);
  const out = `${digits[0] + (p > 0 ? `.${digits.slice(1)}` : '')}e${exp < 0 ? '-' : '+'}${ax < 10 ? '0' : ''}${ax}`;
  return neg ? `-${out}` : out;
}

// ------------------------------------------------------------------ %b %o %x %X

function formatRadix(v: unknown, radix: number, what: string, bools: boolean): string {
  switch (kindOf(v)) {
    case 'int':
      return (v as bigint).toString(radix);
    case 'uint':
      return (v as CelUint).value.toString(radix);
    case 'bool':
      if (bools) return v ? '1' : '0';
  }
  throw formatError(what, v);
}

const HEX = '0123456789abcdef';

function hexBytes(b: Uint8Array): string {
  let out = '';
  for (let i = 0; i < b.length; i++) out += HEX[b[i]! >> 4]! + HEX[b[i]! & 15]!;
  return out;
}

function formatHex(v: unknown, upper: boolean): string {
  let out: string;
  switch (kindOf(v)) {
    case 'int':
      out = (v as bigint).toString(16);
      break;
    case 'uint':
      out = (v as CelUint).value.toString(16);
      break;
    case 'string':
      out = hexBytes(encodeUtf8(v as string));
      break;
    case 'bytes':
      out = hexBytes(v as Uint8Array);
      break;
    default:
      throw formatError('only ints, uints, bytes, and strings can be formatted as hex', v);
  }
  return upper ? out.toUpperCase() : out;
}

// ------------------------------------------------------------------ declaration

function formatImpl(f: string, args: unknown[]): string {
  return runFormat(parseFormat(f), args);
}

export const formatDecl: FunctionDecl = {
  name: 'format',
  category: 'strings',
  description:
    'printf-style formatting (cel-go): %s any value, %d integers, %f and %e doubles (precision %.2f, default 6, half-to-even), %b binary, %x/%X hex of integers, strings and bytes, %o octal, %% a percent sign',
  purity: 'pure',
  overloads: [
    {
      id: 'string_format',
      receiver: 'string',
      params: ['list(dyn)'],
      result: 'string',
      impl: formatImpl,
      specialize: (constArgs) => {
        const f = constArgs[0];
        if (typeof f !== 'string') return undefined;
        const program = parseFormat(f); // a malformed constant format string is a load error
        return (s: unknown, args: unknown) => {
          if (typeof s !== 'string' || !Array.isArray(args)) throw noOverload('format', [s, args]);
          return runFormat(program, args);
        };
      },
    },
  ],
  examples: [
    { expr: "'%s is %d years old'.format(['Ada', 36])", result: 'Ada is 36 years old' },
    { expr: "'%.2f%%'.format([99.125])", result: '99.12%' },
    { expr: "'%e'.format([1052.032911275])", result: '1.052033e+03' },
    { expr: "'%x %X %o %b'.format([255, 255, 8, 5])", result: 'ff FF 10 101' },
    { expr: "'%s'.format([[1, 'a', {'k': 2.5}]])", result: '[1, a, {k: 2.5}]' },
    { expr: "'%s'.format([duration('90s')])", result: '90s' },
    { expr: "'%d %d'.format([1])", result: { error: 'invalid_argument' } },
  ],
};
