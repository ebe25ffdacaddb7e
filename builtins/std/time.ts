// Timestamps and durations: parsing, formatting, calendar fields and time zones, for the
// standard library declarations. Arithmetic (`timestamp + duration`, ...) and the
// range-checked constructors are the operators' (src/lang/operators.ts).
//
// Ranges (cel-spec, "Overflow"):
//   timestamp  0001-01-01T00:00:00Z .. 9999-12-31T23:59:59.999999999Z
//   duration   a single int64 of nanoseconds, roughly +-292 years
// Results outside them raise EvaluationError('overflow').

import { EvaluationError } from '../../src/lang/library.js';
import { CelDuration, CelTimestamp, INT64_MAX, NS_PER_SECOND } from '../../src/lang/library.js';

/** Smallest and largest duration CEL allows: the int64 range of nanoseconds. */
export { MIN_DURATION_NS as DURATION_MIN_NS, MAX_DURATION_NS as DURATION_MAX_NS } from '../../src/lang/library.js';

const MIN_TIMESTAMP_SECONDS = -62135596800;
const MAX_TIMESTAMP_SECONDS = 253402300799;

function overflow(what: string): EvaluationError {
  return new EvaluationError('overflow', `${what} out of range`);
}

function invalid(message: string): EvaluationError {
  return new EvaluationError('invalid_argument', message);
}

/** Range-checked constructors: one home, the operators'. */
export { durationOf as durationFromNanos } from '../../src/lang/library.js';

/** `timestamp(int)`: seconds since the Unix epoch. */
export function timestampFromSeconds(seconds: bigint): CelTimestamp {
  if (seconds < BigInt(MIN_TIMESTAMP_SECONDS) || seconds > BigInt(MAX_TIMESTAMP_SECONDS)) throw overflow('timestamp');
  return new CelTimestamp(seconds * NS_PER_SECOND);
}

// Arithmetic on timestamps and durations is the operators' (src/lang/operators.ts).

// ------------------------------------------------------------------ civil calendar

/** Days since 1970-01-01 of a proleptic Gregorian date (month 1-12). */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** The proleptic Gregorian date of a day count since 1970-01-01 (month 1-12). */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

export function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : MONTH_DAYS[month - 1]!;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Whole seconds since the epoch (floor) and the nanoseconds within that second. */
export function splitSeconds(ns: bigint): { seconds: number; nanos: number } {
  const s = floorDiv(ns, NS_PER_SECOND);
  return { seconds: Number(s), nanos: Number(ns - s * NS_PER_SECOND) };
}

// ------------------------------------------------------------------ RFC 3339

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * Parses an RFC 3339 timestamp (`2009-02-13T23:31:30Z`, `...30.123456789+01:00`):
 * nanosecond precision (digits past the ninth are dropped), offsets, range 0001..9999.
 * EvaluationError('invalid_argument') for a malformed string, 'overflow' outside the range.
 */
export function parseTimestamp(s: string): CelTimestamp {
  const m = RFC3339.exec(s);
  if (m === null) throw invalid(`invalid timestamp \`${s}\`: expected RFC 3339, like 2006-01-02T15:04:05Z`);
  const year = +m[1]!;
  const month = +m[2]!;
  const day = +m[3]!;
  const hour = +m[4]!;
  const minute = +m[5]!;
  const second = +m[6]!;
  if (month < 1 || month > 12) throw invalid(`invalid timestamp \`${s}\`: month out of range`);
  if (day < 1 || day > daysInMonth(year, month)) throw invalid(`invalid timestamp \`${s}\`: day out of range`);
  if (hour > 23 || minute > 59 || second > 59) throw invalid(`invalid timestamp \`${s}\`: time out of range`);
  let offset = 0;
  if (m[8] !== undefined) {
    const oh = +m[9]!;
    const om = +m[10]!;
    if (oh > 23 || om > 59) throw invalid(`invalid timestamp \`${s}\`: time zone offset out of range`);
    offset = (oh * 3600 + om * 60) * (m[8] === '-' ? -1 : 1);
  }
  const frac = m[7] === undefined ? 0 : +(m[7].length >= 9 ? m[7].slice(0, 9) : m[7].padEnd(9, '0'));
  const seconds = daysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
  if (seconds < MIN_TIMESTAMP_SECONDS || seconds > MAX_TIMESTAMP_SECONDS) throw overflow('timestamp');
  return new CelTimestamp(BigInt(seconds) * NS_PER_SECOND + BigInt(frac));
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * RFC 3339 in UTC with a `Z`, the fraction of a second with its trailing zeros removed
 * (Go's RFC3339Nano, which cel-go uses): `2009-02-13T23:31:30Z`, `...30.5Z`, `...30.000000001Z`.
 */
export function formatTimestamp(ts: CelTimestamp): string {
  const { seconds, nanos } = splitSeconds(ts.ns);
  const days = Math.floor(seconds / 86400);
  const sod = seconds - days * 86400;
  const { year, month, day } = civilFromDays(days);
  let out =
    `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T` +
    `${pad(Math.floor(sod / 3600), 2)}:${pad(Math.floor(sod / 60) % 60, 2)}:${pad(sod % 60, 2)}`;
  if (nanos !== 0) out += `.${pad(nanos, 9).replace(/0+$/, '')}`;
  return `${out}Z`;
}

// ------------------------------------------------------------------ Go durations

const UNIT_NS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  µs: 1_000n, // U+00B5 micro sign
  μs: 1_000n, // U+03BC Greek small letter mu
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

const TWO_63 = 1n << 63n;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/**
 * Parses Go's duration syntax, as `time.ParseDuration` does: a sign, then one or more
 * decimal numbers with a unit (`ns`, `us`/`µs`, `ms`, `s`, `m`, `h`): "1h30m", "-1.5s",
 * "300ms", "0". EvaluationError('invalid_argument') for bad syntax, 'overflow' outside
 * the int64 nanosecond range.
 */
export function parseDuration(input: string): CelDuration {
  const bad = () => invalid(`invalid duration \`${input}\`: expected a number and a unit (ns, us, ms, s, m, h), like 1h30m or 1.5s`);
  let s = input;
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return new CelDuration(0n);
  if (s === '') throw bad();
  let total = 0n;
  let i = 0;
  while (i < s.length) {
    const c0 = s.charCodeAt(i);
    if (!(c0 === 46 || isDigit(c0))) throw bad();
    // Integer part.
    const intStart = i;
    while (i < s.length && isDigit(s.charCodeAt(i))) i++;
    const pre = i > intStart;
    let v = pre ? BigInt(s.slice(intStart, i)) : 0n;
    if (v > TWO_63) throw overflow('duration');
    // Fraction: Go accumulates digits while they fit, and scales with a float64.
    let f = 0n;
    let scale = 1;
    let post = false;
    if (i < s.length && s.charCodeAt(i) === 46) {
      i++;
      const fracStart = i;
      let saturated = false;
      while (i < s.length && isDigit(s.charCodeAt(i))) {
        if (!saturated) {
          if (f > TWO_63 / 10n) saturated = true;
          else {
            const y = f * 10n + BigInt(s.charCodeAt(i) - 48);
            if (y > TWO_63) saturated = true;
            else {
              f = y;
              scale *= 10;
            }
          }
        }
        i++;
      }
      post = i > fracStart;
    }
    if (!pre && !post) throw bad();
    // Unit: everything up to the next digit or '.'.
    const unitStart = i;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 46 || isDigit(c)) break;
      i++;
    }
    if (i === unitStart) throw invalid(`invalid duration \`${input}\`: missing unit (ns, us, ms, s, m, h)`);
    const unit = UNIT_NS[s.slice(unitStart, i)];
    if (unit === undefined) throw invalid(`invalid duration \`${input}\`: unknown unit \`${s.slice(unitStart, i)}\``);
    if (v > TWO_63 / unit) throw overflow('duration');
    v *= unit;
    if (f > 0n) {
      v += BigInt(Math.trunc(Number(f) * (Number(unit) / scale)));
      if (v > TWO_63) throw overflow('duration');
    }
    total += v;
    if (total > TWO_63) throw overflow('duration');
  }
  if (neg) return new CelDuration(-total);
  if (total > INT64_MAX) throw overflow('duration');
  return new CelDuration(total);
}

/**
 * Seconds with the fraction a duration needs, and an `s`: "1.5s", "-0.000000001s",
 * "5400s", "0s". The digits are exact (no rounding through a double).
 */
export function formatDuration(d: CelDuration): string {
  const neg = d.ns < 0n;
  const abs = neg ? -d.ns : d.ns;
  const secs = abs / NS_PER_SECOND;
  const nanos = abs % NS_PER_SECOND;
  let out = (neg ? '-' : '') + secs.toString();
  if (nanos !== 0n) out += `.${nanos.toString().padStart(9, '0').replace(/0+$/, '')}`;
  return `${out}s`;
}

// ------------------------------------------------------------------ time zones

/** A time zone: the offset from UTC, in seconds east, in force at an instant. */
export interface TimeZone {
  readonly name: string;
  offsetSeconds(epochSeconds: number): number;
}

export const UTC: TimeZone = { name: 'UTC', offsetSeconds: () => 0 };

class FixedZone implements TimeZone {
  constructor(
    readonly name: string,
    private readonly offset: number,
  ) {}
  offsetSeconds(): number {
    return this.offset;
  }
}

const OFFSET_PART = /^(?:GMT|UTC)(?:([+\-\u2212])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?)?$/;
const ZONE_HOUR_CACHE = 64;

/** An IANA zone through Intl; offsets are cached per hour (no zone changes twice in an hour). */
class IanaZone implements TimeZone {
  private readonly byHour = new Map<number, number>();
  constructor(
    readonly name: string,
    private readonly fmt: Intl.DateTimeFormat,
  ) {}

  private probe(epochSeconds: number): number {
    const parts = this.fmt.formatToParts(epochSeconds * 1000);
    for (const p of parts) {
      if (p.type !== 'timeZoneName') continue;
      const m = OFFSET_PART.exec(p.value);
      if (m === null) break;
      if (m[1] === undefined) return 0;
      const secs = +m[2]! * 3600 + +(m[3] ?? 0) * 60 + +(m[4] ?? 0);
      return m[1] === '+' ? secs : -secs;
    }
    throw invalid(`cannot determine the offset of time zone \`${this.name}\``);
  }

  offsetSeconds(epochSeconds: number): number {
    const hour = Math.floor(epochSeconds / 3600);
    const cached = this.byHour.get(hour);
    if (cached !== undefined) return cached;
    const start = this.probe(hour * 3600);
    const end = this.probe(hour * 3600 + 3599);
    if (start !== end) return this.probe(epochSeconds); // a transition inside this hour
    if (this.byHour.size >= ZONE_HOUR_CACHE) this.byHour.clear();
    this.byHour.set(hour, start);
    return start;
  }
}

const FIXED_OFFSET = /^([+-]?)(\d{1,2}):(\d{2})$/;
const ZONE_CACHE_SIZE = 256;
const zones = new Map<string, TimeZone>();

/**
 * Resolves a CEL time zone argument: `UTC`, an IANA name (`America/Los_Angeles`,
 * `US/Central`), or a fixed offset `[+-]HH:MM` (the sign may be left out: `02:00`).
 * EvaluationError('invalid_argument') for anything else. Resolved zones are cached.
 */
export function resolveTimeZone(tz: string): TimeZone {
  const hit = zones.get(tz);
  if (hit !== undefined) return hit;
  const zone = makeZone(tz);
  if (zones.size >= ZONE_CACHE_SIZE) zones.clear();
  zones.set(tz, zone);
  return zone;
}

function makeZone(tz: string): TimeZone {
  if (tz === 'UTC' || tz === '') return UTC;
  if (tz.includes(':')) {
    const m = FIXED_OFFSET.exec(tz);
    if (m === null || +m[3]! > 59) throw invalid(`invalid time zone \`${tz}\`: expected an IANA name or an offset like +05:30`);
    const secs = +m[2]! * 3600 + +m[3]! * 60;
    return new FixedZone(tz, m[1] === '-' ? -secs : secs);
  }
  let fmt: Intl.DateTimeFormat;
  try {
    fmt = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' });
  } catch {
    throw invalid(`invalid time zone \`${tz}\``);
  }
  if (fmt.resolvedOptions().timeZone === 'UTC') return UTC;
  return new IanaZone(tz, fmt);
}

// ------------------------------------------------------------------ calendar fields

export interface TimeFields {
  year: number;
  /** 1-12 */
  month: number;
  /** 1-31 */
  day: number;
  /** 0-based day of the year */
  dayOfYear: number;
  /** 0 = Sunday */
  dayOfWeek: number;
  hours: number;
  minutes: number;
  seconds: number;
  milliseconds: number;
}

/** The local calendar fields of a timestamp in a zone (UTC by default). */
export function timestampFields(ts: CelTimestamp, zone: TimeZone = UTC): TimeFields {
  const { seconds: utc, nanos } = splitSeconds(ts.ns);
  const local = utc + zone.offsetSeconds(utc);
  const days = Math.floor(local / 86400);
  const sod = local - days * 86400;
  const { year, month, day } = civilFromDays(days);
  return {
    year,
    month,
    day,
    dayOfYear: days - daysFromCivil(year, 1, 1),
    dayOfWeek: (((days + 4) % 7) + 7) % 7,
    hours: Math.floor(sod / 3600),
    minutes: Math.floor(sod / 60) % 60,
    seconds: sod % 60,
    milliseconds: Math.floor(nanos / 1_000_000),
  };
}
