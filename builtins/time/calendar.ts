// Calendar arithmetic in a time zone, for the `time.*` helpers: local wall-clock views of a
// timestamp, local wall clock back to an instant (DST gaps and folds resolved the way
// Temporal's 'compatible' disambiguation does), ISO weekdays, business days in O(1) (plus
// O(holidays)), time-of-day windows and ISO 8601 parsing.
//
// Everything is integer arithmetic on the proleptic Gregorian calendar of builtins/std/time.ts
// (daysFromCivil / civilFromDays) and the zone offsets of its resolveTimeZone. date-fns is not
// used at run time here: its functions read a JS Date's *host-local* fields, so their result
// would depend on the TZ of the machine running the engine. The tests use date-fns, in a UTC
// process, as the reference for the same calendar rules.

import { EvaluationError } from '../../src/lang/library.js';
import { CelTimestamp, MAX_TIMESTAMP_NS, MIN_TIMESTAMP_NS, NS_PER_SECOND } from '../../src/lang/library.js';
import { civilFromDays, daysFromCivil, daysInMonth, splitSeconds, type TimeZone } from '../std/time.js';

export function invalid(message: string): EvaluationError {
  return new EvaluationError('invalid_argument', message);
}

/** User input for a message: at most 64 characters of it. */
export function shown(s: string): string {
  return s.length > 64 ? `${s.slice(0, 64)}...` : s;
}

function overflow(): EvaluationError {
  return new EvaluationError('overflow', 'timestamp out of range');
}

const DAY = 86400;

// ------------------------------------------------------------------ local views

/** A timestamp on the local wall clock of a zone: whole local days since 1970-01-01, the second of that day, the nanoseconds. */
export interface LocalTime {
  days: number;
  /** 0..86399 */
  sod: number;
  nanos: number;
}

export function localTime(ts: CelTimestamp, zone: TimeZone): LocalTime {
  const { seconds, nanos } = splitSeconds(ts.ns);
  const local = seconds + zone.offsetSeconds(seconds);
  const days = Math.floor(local / DAY);
  return { days, sod: local - days * DAY, nanos };
}

/**
 * The instant (seconds since the epoch, UTC) at which the zone's wall clock shows `local`
 * (seconds since 1970-01-01 on that wall clock). A wall-clock time that happens twice (the
 * hour repeated when clocks go back) gives the earlier instant; one that never happens (the
 * hour skipped when clocks go forward) is moved forward by the length of the gap, so the start
 * of a day whose midnight is skipped is the first instant of that day. This is Temporal's
 * 'compatible' disambiguation (and java.time's, and date-fns-tz's).
 */
export function localToUtc(zone: TimeZone, local: number): number {
  const before = zone.offsetSeconds(local - DAY);
  const after = zone.offsetSeconds(local + DAY);
  const ua = local - before;
  const ub = local - after;
  const aOk = zone.offsetSeconds(ua) === before;
  if (before === after) {
    if (aOk) return ua;
    // Two transitions within two days (none known in tzdata): take the offset at the guess.
    return local - zone.offsetSeconds(ua);
  }
  const bOk = zone.offsetSeconds(ub) === after;
  if (aOk && bOk) return Math.min(ua, ub); // a fold: the earlier of the two
  if (aOk) return ua;
  if (bOk) return ub;
  return ua; // a gap: the offset before the transition, which lands after it
}

/** A timestamp from UTC seconds and nanoseconds, range-checked. */
export function timestampAt(seconds: number, nanos: number): CelTimestamp {
  const ns = BigInt(seconds) * NS_PER_SECOND + BigInt(nanos);
  if (ns < MIN_TIMESTAMP_NS || ns > MAX_TIMESTAMP_NS) throw overflow();
  return new CelTimestamp(ns);
}

export function rangeChecked(ns: bigint): CelTimestamp {
  if (ns < MIN_TIMESTAMP_NS || ns > MAX_TIMESTAMP_NS) throw overflow();
  return new CelTimestamp(ns);
}

/** ISO day of the week of a day count: 0 = Monday .. 6 = Sunday (1970-01-01 was a Thursday). */
export function isoWeekday(days: number): number {
  return (((days + 3) % 7) + 7) % 7;
}

export const WEEKDAY_NAMES = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

// ------------------------------------------------------------------ business days

/**
 * Holidays: the local dates (day counts) of the given holidays that fall on a weekday,
 * sorted, without duplicates. Weekend holidays change nothing and are left out.
 */
export type Holidays = readonly number[];

export const NO_HOLIDAYS: Holidays = Object.freeze([]);

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A 'YYYY-MM-DD' date as a day count since 1970-01-01. */
export function parseDate(s: string, what = 'date'): number {
  const m = DATE.exec(s);
  if (m === null) throw invalid(`invalid ${what} \`${shown(s)}\`: expected YYYY-MM-DD, like 2026-12-25`);
  const year = +m[1]!;
  const month = +m[2]!;
  const day = +m[3]!;
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) {
    throw invalid(`invalid ${what} \`${s}\`: no such date`);
  }
  return daysFromCivil(year, month, day);
}

/** Validates a list of 'YYYY-MM-DD' strings; O(n log n) in its length. */
export function parseHolidays(list: unknown): Holidays {
  if (!Array.isArray(list)) throw invalid('holidays must be a list of YYYY-MM-DD strings');
  if (list.length === 0) return NO_HOLIDAYS;
  const days: number[] = [];
  for (const h of list) {
    if (typeof h !== 'string') throw invalid('holidays must be a list of YYYY-MM-DD strings');
    const d = parseDate(h, 'holiday');
    if (isoWeekday(d) < 5) days.push(d);
  }
  days.sort((a, b) => a - b);
  const out: number[] = [];
  for (const d of days) if (out.length === 0 || out[out.length - 1] !== d) out.push(d);
  return out;
}

/** How many holidays fall strictly before day `d` (binary search). */
function holidaysBefore(h: Holidays, d: number): number {
  let lo = 0;
  let hi = h.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (h[mid]! < d) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function isHoliday(h: Holidays, d: number): boolean {
  if (h.length === 0) return false;
  const i = holidaysBefore(h, d);
  return i < h.length && h[i] === d;
}

/** Weekdays (Monday to Friday) from Monday 1969-12-29 up to, not including, day `d`; negative before it. */
function weekdaysBefore(d: number): number {
  const m = d + 3;
  const w = Math.floor(m / 7);
  return w * 5 + Math.min(m - w * 7, 5);
}

/** The weekday with the given index in weekdaysBefore's numbering. */
function weekdayAt(i: number): number {
  const w = Math.floor(i / 5);
  return w * 7 + (i - w * 5) - 3;
}

/** The n-th weekday after day d (n > 0) or before it (n < 0); d itself for n = 0. */
function addWeekdays(d: number, n: number): number {
  if (n === 0) return d;
  return n > 0 ? weekdayAt(weekdaysBefore(d + 1) + n - 1) : weekdayAt(weekdaysBefore(d) + n);
}

export function isBusinessDay(d: number, h: Holidays): boolean {
  return isoWeekday(d) < 5 && !isHoliday(h, d);
}

/**
 * The n-th business day after day d (n > 0) or before it (n < 0), counting from d whether
 * or not d is itself a business day (a Saturday + 1 is the Monday); d for n = 0. O(1) without
 * holidays; each holiday is stepped over at most once.
 */
export function addBusinessDays(d: number, n: number, h: Holidays): number {
  let t = addWeekdays(d, n);
  if (h.length === 0 || n === 0) return t;
  if (n > 0) {
    // Every holiday in (d, t] pushes t one weekday further; t may reach more holidays.
    for (let p = holidaysBefore(h, d + 1); p < h.length && h[p]! <= t; p++) t = addWeekdays(t, 1);
  } else {
    for (let p = holidaysBefore(h, d) - 1; p >= 0 && h[p]! >= t; p--) t = addWeekdays(t, -1);
  }
  return t;
}

/**
 * Business days in [a, b) when a <= b, minus those in [b, a) when b < a: the difference of a
 * running count, so between(a, b) = -between(b, a) and between(a, c) = between(a, b) + between(b, c).
 */
export function businessDaysBetween(a: number, b: number, h: Holidays): number {
  const count = (d: number) => weekdaysBefore(d) - holidaysBefore(h, d);
  return count(b) - count(a);
}

// ------------------------------------------------------------------ windows

const CLOCK = /^(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** 'HH:MM' or 'HH:MM:SS' (00:00 to 24:00) as seconds since midnight. */
export function parseClock(s: string, role: 'start' | 'end'): number {
  const m = CLOCK.exec(s);
  const bad = (why: string) => invalid(`invalid window ${role} \`${shown(s)}\`: ${why}`);
  if (m === null) throw bad('expected HH:MM or HH:MM:SS, like 09:00');
  const h = +m[1]!;
  const min = +m[2]!;
  const sec = m[3] === undefined ? 0 : +m[3];
  if (min > 59 || sec > 59 || h > 24 || (h === 24 && (min !== 0 || sec !== 0))) throw bad('time out of range');
  if (h === 24 && role === 'start') throw bad('a window cannot start at 24:00');
  return h * 3600 + min * 60 + sec;
}

export interface Window {
  start: number;
  end: number;
}

export function parseWindow(start: string, end: string): Window {
  const w = { start: parseClock(start, 'start'), end: parseClock(end, 'end') };
  if (w.start === w.end) throw invalid(`empty window \`${shown(start)}\` to \`${shown(end)}\`: use '00:00' to '24:00' for the whole day`);
  return w;
}

/** Whether a second of the day is in [start, end), or, when end < start, in [start, 24:00) or [00:00, end). */
export function inWindow(sod: number, w: Window): boolean {
  return w.start < w.end ? sod >= w.start && sod < w.end : sod >= w.start || sod < w.end;
}

// ------------------------------------------------------------------ periods

export type Unit = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year';
const UNITS: readonly Unit[] = ['minute', 'hour', 'day', 'week', 'month', 'quarter', 'year'];

export function parseUnit(s: string): Unit {
  if ((UNITS as readonly string[]).includes(s)) return s as Unit;
  throw invalid(`invalid unit \`${shown(s)}\`: expected one of ${UNITS.map((u) => `'${u}'`).join(', ')}`);
}

/** Local day counts of the first day of the period holding `days`, and of the next period. */
function periodDays(days: number, unit: 'day' | 'week' | 'month' | 'quarter' | 'year'): [number, number] {
  switch (unit) {
    case 'day':
      return [days, days + 1];
    case 'week': {
      const start = days - isoWeekday(days);
      return [start, start + 7];
    }
    default: {
      const { year, month } = civilFromDays(days);
      const span = unit === 'month' ? 1 : unit === 'quarter' ? 3 : 12;
      const first = unit === 'month' ? month : unit === 'quarter' ? month - ((month - 1) % 3) : 1;
      const next = first + span;
      return [daysFromCivil(year, first, 1), next > 12 ? daysFromCivil(year + 1, next - 12, 1) : daysFromCivil(year, next, 1)];
    }
  }
}

/**
 * The first instant of the period holding `ts` on the zone's wall clock, and the first
 * instant of the next one (as nanoseconds since the epoch; the next may be out of range).
 * Minutes and hours are cut on the wall clock as it reads at `ts`; days and longer start at
 * local midnight (or at the first instant of the day when midnight is skipped).
 */
export function periodBounds(ts: CelTimestamp, unit: Unit, zone: TimeZone): [bigint, bigint] {
  const lt = localTime(ts, zone);
  if (unit === 'minute' || unit === 'hour') {
    const size = unit === 'minute' ? 60 : 3600;
    const into = BigInt(lt.sod % size) * NS_PER_SECOND + BigInt(lt.nanos);
    const start = ts.ns - into;
    return [start, start + BigInt(size) * NS_PER_SECOND];
  }
  const [a, b] = periodDays(lt.days, unit);
  return [BigInt(localToUtc(zone, a * DAY)) * NS_PER_SECOND, BigInt(localToUtc(zone, b * DAY)) * NS_PER_SECOND];
}

// ------------------------------------------------------------------ ISO 8601

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?([Zz]|[+-]\d{2}(?::?\d{2})?)?)?$/;

/**
 * ISO 8601 / RFC 3339 dates and date-times, extended format: `2026-01-05`,
 * `2026-01-05T10:00`, `2026-01-05T10:00:30.25`, each time optionally followed by `Z` or an
 * offset (`+01:00`, `+0100`, `+01`). A space may stand for the `T`. Without an offset the
 * wall-clock time (midnight for a bare date) is read in `zone`.
 */
export function parseIso(s: string, zone: TimeZone): CelTimestamp {
  const bad = (why: string) => invalid(`invalid date-time \`${shown(s)}\`: ${why}`);
  const m = s.length <= 64 ? ISO.exec(s) : null;
  if (m === null) throw bad('expected an ISO 8601 date or date-time, like 2026-01-05 or 2026-01-05T10:00:00Z');
  const year = +m[1]!;
  const month = +m[2]!;
  const day = +m[3]!;
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) throw bad('no such date');
  const hour = m[4] === undefined ? 0 : +m[4];
  const minute = m[5] === undefined ? 0 : +m[5];
  const second = m[6] === undefined ? 0 : +m[6];
  if (hour > 23 || minute > 59 || second > 59) throw bad('time out of range');
  const nanos = m[7] === undefined ? 0 : +m[7].padEnd(9, '0');
  const local = daysFromCivil(year, month, day) * DAY + hour * 3600 + minute * 60 + second;
  const off = m[8];
  let utc: number;
  if (off === undefined) utc = localToUtc(zone, local);
  else if (off === 'Z' || off === 'z') utc = local;
  else {
    const oh = +off.slice(1, 3);
    const om = off.length > 3 ? +off.slice(-2) : 0;
    if (oh > 23 || om > 59) throw bad('offset out of range');
    utc = local - (off[0] === '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  return timestampAt(utc, nanos);
}
