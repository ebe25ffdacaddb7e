// Timestamp and duration accessors: getFullYear, getMonth, getDayOfYear, getDayOfMonth,
// getDate, getDayOfWeek, getHours, getMinutes, getSeconds, getMilliseconds.
//
// Timestamp accessors take an optional time zone: an IANA name ('America/Los_Angeles'),
// 'UTC', or a fixed offset ('+05:30', '-08:00'). UTC when absent.

import type { FunctionDecl, OverloadDecl } from '../../src/lang/library.js';
import { type CelDuration, CelTimestamp, noOverload } from '../../src/lang/library.js';
import { resolveTimeZone, timestampFields, type TimeFields } from './time.js';

type Field = (f: TimeFields) => number;

/** The two overloads of a timestamp accessor: without and with a time zone. */
function timestampOverloads(name: string, id: string, idTz: string, field: Field): OverloadDecl[] {
  const withZone = (t: CelTimestamp, tz: string): bigint => BigInt(field(timestampFields(t, resolveTimeZone(tz))));
  return [
    {
      id,
      receiver: 'timestamp',
      params: [],
      result: 'int',
      impl: (t: CelTimestamp) => BigInt(field(timestampFields(t))),
    },
    {
      id: idTz,
      receiver: 'timestamp',
      params: ['string'],
      result: 'int',
      impl: withZone,
      // A constant zone is resolved once, at load; an invalid one is a load error.
      specialize: (constArgs: unknown[]) => {
        const tz = constArgs[1];
        if (typeof tz !== 'string') return undefined;
        const zone = resolveTimeZone(tz);
        return (t: unknown, z: unknown): bigint => {
          if (!(t instanceof CelTimestamp) || typeof z !== 'string') throw noOverload(name, [t, z]);
          return BigInt(field(timestampFields(t, zone)));
        };
      },
    },
  ];
}

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;
const NS_PER_MIN = 60n * NS_PER_S;
const NS_PER_H = 60n * NS_PER_MIN;

const T = "timestamp('2009-02-13T23:31:30Z')";

export const getFullYear: FunctionDecl = {
  name: 'getFullYear',
  category: 'time',
  description: 'The year of a timestamp, in UTC or the given time zone',
  purity: 'pure',
  overloads: timestampOverloads('getFullYear', 'timestamp_to_year', 'timestamp_to_year_with_tz', (f) => f.year),
  examples: [
    { expr: `${T}.getFullYear()`, result: 2009n },
    { expr: "timestamp('2009-12-31T23:00:00Z').getFullYear('+02:00')", result: 2010n },
    { expr: "timestamp('2010-01-01T02:00:00Z').getFullYear('America/New_York')", result: 2009n },
  ],
};

export const getMonth: FunctionDecl = {
  name: 'getMonth',
  category: 'time',
  description: 'The month of a timestamp, 0-based (January is 0), in UTC or the given time zone',
  purity: 'pure',
  overloads: timestampOverloads('getMonth', 'timestamp_to_month', 'timestamp_to_month_with_tz', (f) => f.month - 1),
  examples: [
    { expr: `${T}.getMonth()`, result: 1n },
    { expr: "timestamp('2009-01-31T23:30:00Z').getMonth('Europe/Paris')", result: 1n },
  ],
};

export const getDayOfYear: FunctionDecl = {
  name: 'getDayOfYear',
  category: 'time',
  description: 'The day of the year of a timestamp, 0-based (January 1 is 0), in UTC or the given time zone',
  purity: 'pure',
  overloads: timestampOverloads('getDayOfYear', 'timestamp_to_day_of_year', 'timestamp_to_day_of_year_with_tz', (f) => f.dayOfYear),
  examples: [
    { expr: `${T}.getDayOfYear()`, result: 43n },
    { expr: "timestamp('2024-12-31T12:00:00Z').getDayOfYear()", result: 365n },
    { expr: `${T}.getDayOfYear('US/Central')`, result: 43n },
  ],
};

export const getDayOfMonth: FunctionDecl = {
  name: 'getDayOfMonth',
  category: 'time',
  description: 'The day of the month of a timestamp, 0-based (the first is 0), in UTC or the given time zone',
  purity: 'pure',
  overloads: timestampOverloads('getDayOfMonth', 'timestamp_to_day_of_month', 'timestamp_to_day_of_month_with_tz', (f) => f.day - 1),
  examples: [
    { expr: `${T}.getDayOfMonth()`, result: 12n },
    { expr: `${T}.getDayOfMonth('+11:00')`, result: 13n },
    { expr: "timestamp('2009-02-13T02:00:00Z').getDayOfMonth('-02:30')", result: 11n },
  ],
};

export const getDate: FunctionDecl = {
  name: 'getDate',
  category: 'time',
  description: 'The day of the month of a timestamp, 1-based (the first is 1), in UTC or the given time zone',
  purity: 'pure',
  overloads: timestampOverloads('getDate', 'timestamp_to_day_of_month_1_based', 'timestamp_to_day_of_month_1_based_with_tz', (f) => f.day),
  examples: [
    { expr: `${T}.getDate()`, result: 13n },
    { expr: `${T}.getDate('Australia/Sydney')`, result: 14n },
  ],
};

export const getDayOfWeek: FunctionDecl = {
  name: 'getDayOfWeek',
  category: 'time',
  description: 'The day of the week of a timestamp, 0 for Sunday to 6 for Saturday, in UTC or the given time zone',
  purity: 'pure',
  overloads: timestampOverloads('getDayOfWeek', 'timestamp_to_day_of_week', 'timestamp_to_day_of_week_with_tz', (f) => f.dayOfWeek),
  examples: [
    { expr: `${T}.getDayOfWeek()`, result: 5n },
    { expr: "timestamp('2009-02-15T12:00:00Z').getDayOfWeek()", result: 0n },
    { expr: `${T}.getDayOfWeek('Asia/Tokyo')`, result: 6n },
  ],
};

export const getHours: FunctionDecl = {
  name: 'getHours',
  category: 'time',
  description: 'The hour of a timestamp (0-23, in UTC or the given time zone), or the whole hours of a duration (truncated)',
  purity: 'pure',
  overloads: [
    ...timestampOverloads('getHours', 'timestamp_to_hours', 'timestamp_to_hours_with_tz', (f) => f.hours),
    { id: 'duration_to_hours', receiver: 'duration', params: [], result: 'int', impl: (d: CelDuration) => d.ns / NS_PER_H },
  ],
  examples: [
    { expr: `${T}.getHours()`, result: 23n },
    { expr: `${T}.getHours('02:00')`, result: 1n },
    { expr: "timestamp('2024-03-10T10:00:00Z').getHours('America/Los_Angeles')", result: 3n },
    { expr: "duration('10000s').getHours()", result: 2n },
  ],
};

export const getMinutes: FunctionDecl = {
  name: 'getMinutes',
  category: 'time',
  description: 'The minute of a timestamp (0-59, in UTC or the given time zone), or the whole minutes of a duration (truncated)',
  purity: 'pure',
  overloads: [
    ...timestampOverloads('getMinutes', 'timestamp_to_minutes', 'timestamp_to_minutes_with_tz', (f) => f.minutes),
    {
      id: 'duration_to_minutes',
      receiver: 'duration',
      params: [],
      result: 'int',
      impl: (d: CelDuration) => d.ns / NS_PER_MIN,
    },
  ],
  examples: [
    { expr: `${T}.getMinutes()`, result: 31n },
    { expr: `${T}.getMinutes('Asia/Kathmandu')`, result: 16n },
    { expr: "duration('3730s').getMinutes()", result: 62n },
  ],
};

export const getSeconds: FunctionDecl = {
  name: 'getSeconds',
  category: 'time',
  description: 'The second of a timestamp (0-59, in UTC or the given time zone), or the whole seconds of a duration (truncated)',
  purity: 'pure',
  overloads: [
    // `timestamp_to_seconds_tz` is cel-go's id (sic, without "with").
    ...timestampOverloads('getSeconds', 'timestamp_to_seconds', 'timestamp_to_seconds_tz', (f) => f.seconds),
    {
      id: 'duration_to_seconds',
      receiver: 'duration',
      params: [],
      result: 'int',
      impl: (d: CelDuration) => d.ns / NS_PER_S,
    },
  ],
  examples: [
    { expr: `${T}.getSeconds()`, result: 30n },
    { expr: `${T}.getSeconds('-00:00')`, result: 30n },
    { expr: "duration('3730s').getSeconds()", result: 3730n },
    { expr: "duration('-1.5s').getSeconds()", result: -1n },
  ],
};

export const getMilliseconds: FunctionDecl = {
  name: 'getMilliseconds',
  category: 'time',
  description: 'The milliseconds within the second of a timestamp (0-999), or of a duration (its seconds are left out, the sign kept)',
  purity: 'pure',
  overloads: [
    ...timestampOverloads('getMilliseconds', 'timestamp_to_milliseconds', 'timestamp_to_milliseconds_with_tz', (f) => f.milliseconds),
    {
      id: 'duration_to_milliseconds',
      receiver: 'duration',
      params: [],
      result: 'int',
      impl: (d: CelDuration) => (d.ns / NS_PER_MS) % 1000n,
    },
  ],
  examples: [
    { expr: "timestamp('2009-02-13T23:31:20.123456789Z').getMilliseconds()", result: 123n },
    { expr: "timestamp('2009-02-13T23:31:20.123456789Z').getMilliseconds('Asia/Kolkata')", result: 123n },
    { expr: "duration('123.321456789s').getMilliseconds()", result: 321n },
    { expr: "duration('-1.5s').getMilliseconds()", result: -500n },
  ],
};

export const timeFunctions: FunctionDecl[] = [
  getFullYear,
  getMonth,
  getDayOfYear,
  getDayOfMonth,
  getDate,
  getDayOfWeek,
  getHours,
  getMinutes,
  getSeconds,
  getMilliseconds,
];
