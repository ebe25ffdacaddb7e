// The `time` library: calendar helpers for policies, all pure (the current time is passed in,
// usually as `now`, the engine's clock): time-of-day windows, weekends and business days,
// start and end of periods, ISO 8601 parsing, formatting with a small token set.
//
// Every function takes an optional time zone last: an IANA name ('Europe/Paris'), 'UTC',
// or a fixed offset ('+05:30'); UTC when absent (builtins/std/time.ts resolves them).
// Conventions, written here and in docs/builtins.md:
//   - weeks start on Monday (ISO 8601); the weekend is Saturday and Sunday;
//   - windows and periods are read on the zone's local wall clock, so they follow DST;
//     a wall-clock time skipped by DST moves forward by the gap, one repeated takes the
//     earlier instant (Temporal's 'compatible' rule);
//   - holidays are 'YYYY-MM-DD' local dates;
//   - a constant zone, window, unit, pattern or holiday list is validated once, at load,
//     and an invalid one is a load error at the call.
//
// Cost: every function is O(1) but for the holiday lists (O(n log n) in their length, once
// at load when constant) and time.format (linear in the pattern, at most 256 characters).

import { EvaluationError } from '../../src/lang/library.js';
import type { FunctionDecl, OverloadDecl, TypeName } from '../../src/lang/library.js';
import { kindMatches } from '../../src/lang/library.js';
import { type CelTimestamp, kindOf, noOverload } from '../../src/lang/library.js';
import { resolveTimeZone, UTC, type TimeZone } from '../std/time.js';
import {
  addBusinessDays,
  businessDaysBetween,
  inWindow,
  isBusinessDay,
  isoWeekday,
  localTime,
  localToUtc,
  NO_HOLIDAYS,
  parseClock,
  parseHolidays,
  parseIso,
  parseUnit,
  parseWindow,
  periodBounds,
  rangeChecked,
  timestampAt,
  WEEKDAY_NAMES,
  type Holidays,
  type Unit,
  type Window,
} from './calendar.js';
import { cachedPattern, formatWith, type CompiledPattern } from './format.js';

// ------------------------------------------------------------------ overload plumbing

/** A specialized implementation replaces the dispatcher, so it checks the argument kinds itself. */
function checkKinds(name: string, params: TypeName[], args: unknown[]): void {
  for (let i = 0; i < args.length; i++) if (!kindMatches(params[i]!, kindOf(args[i]))) throw noOverload(name, args);
}

/** Turns an argument into what the implementation uses (a zone, a compiled pattern); validates it. */
type Prep = (v: unknown) => unknown;

const zone: Prep = (v) => resolveTimeZone(v as string);
const holidays: Prep = (v) => parseHolidays(v);

/**
 * An overload whose arguments at the `preps` positions are prepared before `core` runs:
 * at load for constants (an invalid constant is a load error), per call otherwise.
 */
function overload(
  name: string,
  id: string,
  params: TypeName[],
  result: TypeName,
  preps: (Prep | undefined)[],
  // biome-ignore lint/suspicious/noExplicitAny: implementations declare their own parameter types; `unknown[]` would reject them (parameters are contravariant)
  core: (...args: any[]) => unknown,
): OverloadDecl {
  const prepare = (args: unknown[]) => args.map((a, i) => (preps[i] ? preps[i]!(a) : a));
  return {
    id,
    params,
    result,
    impl: preps.some((p) => p !== undefined) ? (...args: unknown[]) => core(...prepare(args)) : core,
    specialize: (constArgs) => {
      if (!preps.some((p, i) => p !== undefined && constArgs[i] !== undefined)) return undefined;
      const fixed = constArgs.map((c, i) => (preps[i] && c !== undefined ? { v: preps[i]!(c) } : undefined));
      return (...args: unknown[]) => {
        checkKinds(name, params, args);
        return core(...args.map((a, i) => (fixed[i] ? fixed[i]!.v : preps[i] ? preps[i]!(a) : a)));
      };
    },
  };
}

/** The overloads of a function taking `params`, then an optional zone and/or holidays. */
function variants(
  name: string,
  id: string,
  params: TypeName[],
  result: TypeName,
  preps: (Prep | undefined)[],
  core: (args: unknown[], zone: TimeZone, holidays: Holidays) => unknown,
  withHolidays = false,
): OverloadDecl[] {
  const n = params.length;
  const out = [
    overload(name, id, params, result, preps, (...a) => core(a, UTC, NO_HOLIDAYS)),
    overload(name, `${id}_tz`, [...params, 'string'], result, [...preps, zone], (...a) =>
      core(a.slice(0, n), a[n] as TimeZone, NO_HOLIDAYS),
    ),
  ];
  if (withHolidays) {
    out.push(
      overload(name, `${id}_holidays`, [...params, 'list(string)'], result, [...preps, holidays], (...a) =>
        core(a.slice(0, n), UTC, a[n] as Holidays),
      ),
      overload(name, `${id}_tz_holidays`, [...params, 'string', 'list(string)'], result, [...preps, zone, holidays], (...a) =>
        core(a.slice(0, n), a[n] as TimeZone, a[n + 1] as Holidays),
      ),
    );
  }
  return out;
}

const ts = (a: unknown): CelTimestamp => a as CelTimestamp;
const DAY = 86400;

// The examples run with `now` at Monday 2026-01-05T10:00:00Z; 2026-03-29 is the
// spring-forward day in Europe.
const SAT = "timestamp('2026-01-10T12:00:00Z')";

// ------------------------------------------------------------------ windows and days

/** Windows that arrive at run time, parsed once per (start, end) pair. */
const windows = new Map<string, Window>();
function windowOf(start: string, end: string): Window {
  const key = `${start}\u0000${end}`;
  let w = windows.get(key);
  if (w === undefined) {
    w = parseWindow(start, end);
    if (windows.size >= 256) windows.clear();
    windows.set(key, w);
  }
  return w;
}

/** inWindow's overloads: constant bounds are parsed at load (each one checked on its own when the other is not constant). */
function windowOverload(id: string, params: TypeName[]): OverloadDecl {
  const withZone = params.length === 4;
  const run = (t: unknown, w: Window, z: TimeZone) => inWindow(localTime(ts(t), z).sod, w);
  return {
    id,
    params,
    result: 'bool',
    impl: (t: unknown, s: string, e: string, z?: string) => run(t, windowOf(s, e), withZone ? resolveTimeZone(z!) : UTC),
    specialize: (c) => {
      const [, s, e, z] = c;
      if (typeof s === 'string') parseClock(s, 'start');
      if (typeof e === 'string') parseClock(e, 'end');
      const w = typeof s === 'string' && typeof e === 'string' ? parseWindow(s, e) : undefined;
      const zone = withZone && typeof z === 'string' ? resolveTimeZone(z) : undefined;
      if (w === undefined && zone === undefined) return undefined;
      return (...args: unknown[]) => {
        checkKinds('time.inWindow', params, args);
        const tz = zone ?? (withZone ? resolveTimeZone(args[3] as string) : UTC);
        return run(args[0], w ?? windowOf(args[1] as string, args[2] as string), tz);
      };
    },
  };
}

export const inWindowFn: FunctionDecl = {
  name: 'time.inWindow',
  category: 'time',
  description:
    "Whether a timestamp's local wall-clock time of day (so DST is followed) is in the window [start, end), 'HH:MM' or 'HH:MM:SS' (end up to '24:00'); a window whose end is before its start crosses midnight; equal bounds are an error",
  purity: 'pure',
  overloads: [
    windowOverload('time_in_window', ['timestamp', 'string', 'string']),
    windowOverload('time_in_window_tz', ['timestamp', 'string', 'string', 'string']),
  ],
  examples: [
    { expr: "time.inWindow(now, '09:00', '17:00')", result: true },
    { expr: "time.inWindow(now, '09:00', '17:00', 'America/New_York')", result: false },
    { expr: "time.inWindow(timestamp('2026-01-05T23:30:00Z'), '22:00', '06:00')", result: true },
    { expr: "time.inWindow(timestamp('2026-03-29T07:30:00Z'), '09:00', '17:00', 'Europe/Paris')", result: true },
    { expr: "time.inWindow(now, '17:00', '09:00', 'Asia/Tokyo')", result: true },
    { expr: 'time.inWindow(now, w.start, w.end)', bindings: { w: { start: '9:00', end: '17:00' } }, result: { error: 'invalid_argument' } },
  ],
};

export const isWeekendFn: FunctionDecl = {
  name: 'time.isWeekend',
  category: 'time',
  description: 'Whether a timestamp falls on a Saturday or a Sunday, in UTC or the given time zone',
  purity: 'pure',
  overloads: variants(
    'time.isWeekend',
    'time_is_weekend',
    ['timestamp'],
    'bool',
    [undefined],
    ([t], z) => isoWeekday(localTime(ts(t), z).days) >= 5,
  ),
  examples: [
    { expr: 'time.isWeekend(now)', result: false },
    { expr: `time.isWeekend(${SAT})`, result: true },
    { expr: "time.isWeekend(timestamp('2026-01-09T23:30:00Z'), 'Europe/Paris')", result: true },
  ],
};

export const isBusinessDayFn: FunctionDecl = {
  name: 'time.isBusinessDay',
  category: 'time',
  description:
    "Whether a timestamp falls on a Monday to Friday that is not one of the given holidays ('YYYY-MM-DD' local dates), in UTC or the given time zone",
  purity: 'pure',
  overloads: variants(
    'time.isBusinessDay',
    'time_is_business_day',
    ['timestamp'],
    'bool',
    [undefined],
    ([t], z, h) => isBusinessDay(localTime(ts(t), z).days, h),
    true,
  ),
  examples: [
    { expr: 'time.isBusinessDay(now)', result: true },
    { expr: `time.isBusinessDay(${SAT})`, result: false },
    { expr: "time.isBusinessDay(now, ['2026-01-01', '2026-01-05'])", result: false },
    { expr: "time.isBusinessDay(timestamp('2026-01-04T23:30:00Z'), 'Europe/Paris', ['2026-01-01'])", result: true },
    { expr: 'time.isBusinessDay(now, days)', bindings: { days: ['2026-1-5'] }, result: { error: 'invalid_argument' } },
  ],
};

const MAX_BUSINESS_DAYS = 3_000_000n; // more than the 0001..9999 range holds

export const addBusinessDaysFn: FunctionDecl = {
  name: 'time.addBusinessDays',
  category: 'time',
  description:
    'The timestamp n business days (Monday to Friday, less holidays) later, or earlier for a negative n, at the same local time of day; counting starts from the day after (before), so a Saturday + 1 is the Monday',
  purity: 'pure',
  overloads: variants(
    'time.addBusinessDays',
    'time_add_business_days',
    ['timestamp', 'int'],
    'timestamp',
    [undefined, undefined],
    ([t, n], z, h) => {
      const count = n as bigint;
      if (count > MAX_BUSINESS_DAYS || count < -MAX_BUSINESS_DAYS) throw rangeErr();
      const lt = localTime(ts(t), z);
      const days = addBusinessDays(lt.days, Number(count), h);
      return timestampAt(localToUtc(z, days * DAY + lt.sod), lt.nanos);
    },
    true,
  ),
  examples: [
    { expr: 'string(time.addBusinessDays(now, 5))', result: '2026-01-12T10:00:00Z' },
    { expr: `string(time.addBusinessDays(${SAT}, 1))`, result: '2026-01-12T12:00:00Z' },
    { expr: 'string(time.addBusinessDays(now, -1))', result: '2026-01-02T10:00:00Z' },
    {
      expr: "string(time.addBusinessDays(timestamp('2025-12-24T09:00:00Z'), 2, 'Europe/Paris', ['2025-12-25', '2026-01-01']))",
      result: '2025-12-29T09:00:00Z',
    },
  ],
};

function rangeErr(): EvaluationError {
  return new EvaluationError('overflow', 'timestamp out of range');
}

export const businessDaysBetweenFn: FunctionDecl = {
  name: 'time.businessDaysBetween',
  category: 'time',
  description:
    'The business days (Monday to Friday, less holidays) from the local date of a up to, not including, the local date of b; negative when b is before a',
  purity: 'pure',
  overloads: variants(
    'time.businessDaysBetween',
    'time_business_days_between',
    ['timestamp', 'timestamp'],
    'int',
    [undefined, undefined],
    ([a, b], z, h) => BigInt(businessDaysBetween(localTime(ts(a), z).days, localTime(ts(b), z).days, h)),
    true,
  ),
  examples: [
    { expr: "time.businessDaysBetween(now, timestamp('2026-01-12T00:00:00Z'))", result: 5n },
    { expr: "time.businessDaysBetween(timestamp('2026-01-12T00:00:00Z'), now)", result: -5n },
    { expr: "time.businessDaysBetween(now, timestamp('2026-12-31T00:00:00Z'), ['2026-12-25'])", result: 257n },
    { expr: `time.businessDaysBetween(${SAT}, timestamp('2026-01-11T20:00:00Z'))`, result: 0n },
  ],
};

// ------------------------------------------------------------------ periods

const unit: Prep = (v) => parseUnit(v as string);

function boundary(which: 'start' | 'end') {
  return ([t, u]: unknown[], z: TimeZone) => {
    const [start, next] = periodBounds(ts(t), u as Unit, z);
    return rangeChecked(which === 'start' ? start : next - 1n);
  };
}

export const startOfFn: FunctionDecl = {
  name: 'time.startOf',
  category: 'time',
  description:
    "The first instant of the 'minute', 'hour', 'day', 'week' (ISO: weeks start on Monday), 'month', 'quarter' or 'year' holding a timestamp, on the local calendar of UTC or the given time zone",
  purity: 'pure',
  overloads: variants('time.startOf', 'time_start_of', ['timestamp', 'string'], 'timestamp', [undefined, unit], boundary('start')),
  examples: [
    { expr: "string(time.startOf(now, 'day'))", result: '2026-01-05T00:00:00Z' },
    { expr: "string(time.startOf(timestamp('2026-01-08T10:00:00Z'), 'week'))", result: '2026-01-05T00:00:00Z' },
    { expr: "string(time.startOf(now, 'month', 'Europe/Paris'))", result: '2025-12-31T23:00:00Z' },
    { expr: 'time.startOf(now, unit)', bindings: { unit: 'fortnight' }, result: { error: 'invalid_argument' } },
  ],
};

export const endOfFn: FunctionDecl = {
  name: 'time.endOf',
  category: 'time',
  description:
    "The last instant (to the nanosecond) of the 'minute', 'hour', 'day', 'week' (Monday to Sunday), 'month', 'quarter' or 'year' holding a timestamp, on the local calendar of UTC or the given time zone",
  purity: 'pure',
  overloads: variants('time.endOf', 'time_end_of', ['timestamp', 'string'], 'timestamp', [undefined, unit], boundary('end')),
  examples: [
    { expr: "string(time.endOf(now, 'day'))", result: '2026-01-05T23:59:59.999999999Z' },
    { expr: "string(time.endOf(now, 'week'))", result: '2026-01-11T23:59:59.999999999Z' },
    {
      expr: "string(time.endOf(timestamp('2026-03-10T12:00:00Z'), 'month', 'America/New_York'))",
      result: '2026-04-01T03:59:59.999999999Z',
    },
  ],
};

// ------------------------------------------------------------------ parsing and formatting

export const parseFn: FunctionDecl = {
  name: 'time.parse',
  category: 'time',
  description:
    "An ISO 8601 date or date-time ('2026-01-05', '2026-01-05T10:00', '2026-01-05T10:00:00.5+01:00'); without an offset it is read in UTC or the given time zone, a date alone as its midnight (a time skipped by DST moves forward by the gap, a repeated one is the earlier instant)",
  purity: 'pure',
  overloads: variants('time.parse', 'time_parse', ['string'], 'timestamp', [undefined], ([s], z) => parseIso(s as string, z)),
  examples: [
    { expr: "string(time.parse('2026-01-05'))", result: '2026-01-05T00:00:00Z' },
    { expr: "time.parse('2026-01-05T10:00') == now", result: true },
    { expr: "time.parse('2026-01-05T11:00:00+01:00') == now", result: true },
    { expr: "string(time.parse('2026-07-01', 'Europe/Paris'))", result: '2026-06-30T22:00:00Z' },
    { expr: "time.parse('2026-02-30')", result: { error: 'invalid_argument' } },
  ],
};

const pattern: Prep = (v) => cachedPattern(v as string);

export const formatFn: FunctionDecl = {
  name: 'time.format',
  category: 'time',
  description:
    "A timestamp formatted with date-fns tokens (yyyy yy M MM MMM MMMM d dd E EEE EEEE H HH h hh a m mm s ss S..SSSSSSSSS X XX XXX x xx xxx, 'quoted text'), in UTC or the given time zone",
  purity: 'pure',
  overloads: variants('time.format', 'time_format', ['timestamp', 'string'], 'string', [undefined, pattern], ([t, p], z) =>
    formatWith(p as CompiledPattern, ts(t), z),
  ),
  examples: [
    { expr: "time.format(now, 'yyyy-MM-dd HH:mm')", result: '2026-01-05 10:00' },
    { expr: "time.format(now, 'EEEE d MMMM yyyy, h:mm a', 'America/Los_Angeles')", result: 'Monday 5 January 2026, 2:00 AM' },
    { expr: "time.format(now, \"yyyy-MM-dd'T'HH:mm:ssXXX\", 'Asia/Kolkata')", result: '2026-01-05T15:30:00+05:30' },
    { expr: 'time.format(now, p)', bindings: { p: 'YYYY' }, result: { error: 'invalid_argument' } },
  ],
};

export const dayOfWeekNameFn: FunctionDecl = {
  name: 'time.dayOfWeekName',
  category: 'time',
  description: "The English name of a timestamp's day of the week ('Monday' to 'Sunday'), in UTC or the given time zone",
  purity: 'pure',
  overloads: variants(
    'time.dayOfWeekName',
    'time_day_of_week_name',
    ['timestamp'],
    'string',
    [undefined],
    ([t], z) => WEEKDAY_NAMES[isoWeekday(localTime(ts(t), z).days)]!,
  ),
  examples: [
    { expr: 'time.dayOfWeekName(now)', result: 'Monday' },
    { expr: "time.dayOfWeekName(now, 'Pacific/Kiritimati')", result: 'Tuesday' },
    { expr: "time.dayOfWeekName(now, '-11:00')", result: 'Sunday' },
  ],
};

export const timeLibrary: FunctionDecl[] = [
  inWindowFn,
  isWeekendFn,
  isBusinessDayFn,
  addBusinessDaysFn,
  businessDaysBetweenFn,
  startOfFn,
  endOfFn,
  parseFn,
  formatFn,
  dayOfWeekNameFn,
];
