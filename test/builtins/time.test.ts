// Time: the operators' range-checked arithmetic, parsing and formatting round trips,
// the civil calendar.

import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import {
  DURATION_MAX_NS,
  DURATION_MIN_NS,
  civilFromDays,
  daysFromCivil,
  formatDuration,
  formatTimestamp,
  parseDuration,
  parseTimestamp,
  resolveTimeZone,
  timestampFields,
} from '../../builtins/std/time.js';
import { EvaluationError } from '../../src/lang/errors.js';
import { add, neg, sub } from '../../src/lang/operators.js';
import { CelDuration, CelTimestamp, INT64_MAX, INT64_MIN, MAX_TIMESTAMP_NS, MIN_TIMESTAMP_NS } from '../../src/lang/values.js';

const ts = parseTimestamp;
const dur = parseDuration;
const addDuration = add;
const subDuration = sub;
const subTimestamps = sub;
const addDurations = add;
const subDurations = sub;
const negDuration = neg;

function overflows(f: () => unknown): void {
  let thrown: unknown;
  try {
    f();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(EvaluationError);
  expect((thrown as EvaluationError).code).toBe('overflow');
}

describe('arithmetic', () => {
  test('timestamp + duration, timestamp - duration', () => {
    expect(addDuration(ts('2009-02-13T23:00:00Z'), dur('240s'))).toEqual(ts('2009-02-13T23:04:00Z'));
    expect(subDuration(ts('2009-02-13T23:10:00Z'), dur('600s'))).toEqual(ts('2009-02-13T23:00:00Z'));
    expect(addDuration(ts('0001-01-01T00:00:01.000000001Z'), dur('-999999999ns'))).toEqual(ts('0001-01-01T00:00:00.000000002Z'));
    expect(addDuration(ts('0001-01-01T00:00:01.999999999Z'), dur('999999999ns'))).toEqual(ts('0001-01-01T00:00:02.999999998Z'));
    overflows(() => addDuration(ts('0001-01-01T00:00:00Z'), dur('-1s')));
    overflows(() => addDuration(ts('9999-12-31T23:59:59Z'), dur('1s')));
    overflows(() => addDuration(ts('9999-12-31T23:59:59.999999999Z'), dur('1ns')));
    overflows(() => addDuration(ts('0001-01-01T00:00:00Z'), dur('-1ns')));
    overflows(() => subDuration(ts('0001-01-01T00:00:00Z'), dur('1ns')));
    expect((addDuration(new CelTimestamp(MAX_TIMESTAMP_NS), dur('0')) as CelTimestamp).ns).toBe(MAX_TIMESTAMP_NS);
  });
  test('timestamp - timestamp is a duration within the int64 nanosecond range', () => {
    expect(subTimestamps(ts('2009-02-13T23:31:00Z'), ts('2009-02-13T23:29:00Z'))).toEqual(dur('120s'));
    expect(subTimestamps(ts('2009-02-13T23:29:00Z'), ts('2009-02-13T23:31:00Z'))).toEqual(dur('-120s'));
    expect((subTimestamps(ts('2262-04-11T23:47:16.854775807Z'), ts('1970-01-01T00:00:00Z')) as CelDuration).ns).toBe(INT64_MAX);
    overflows(() => subTimestamps(ts('2262-04-11T23:47:16.854775808Z'), ts('1970-01-01T00:00:00Z')));
    overflows(() => subTimestamps(ts('9999-12-31T23:59:59Z'), ts('0001-01-01T00:00:00Z')));
    overflows(() => subTimestamps(ts('0001-01-01T00:00:00Z'), ts('9999-12-31T23:59:59Z')));
  });
  test('duration + duration, duration - duration, -duration', () => {
    expect(addDurations(dur('600s'), dur('50s'))).toEqual(dur('650s'));
    expect(subDurations(dur('900s'), dur('42s'))).toEqual(dur('858s'));
    expect(negDuration(dur('1.5s'))).toEqual(dur('-1.5s'));
    expect((negDuration(new CelDuration(INT64_MAX)) as CelDuration).ns).toBe(-INT64_MAX);
    overflows(() => negDuration(new CelDuration(INT64_MIN)));
    overflows(() => addDurations(new CelDuration(DURATION_MAX_NS), dur('1ns')));
    overflows(() => subDurations(new CelDuration(DURATION_MIN_NS), dur('1ns')));
    overflows(() => addDurations(dur('-2562047h'), dur('-2562047h')));
    overflows(() => subDurations(dur('2562047h'), dur('-2562047h')));
  });
});

describe('parse and format', () => {
  const anyTimestamp = fc.bigInt({ min: MIN_TIMESTAMP_NS, max: MAX_TIMESTAMP_NS }).map((ns) => new CelTimestamp(ns));
  const anyDuration = fc.bigInt({ min: INT64_MIN, max: INT64_MAX }).map((ns) => new CelDuration(ns));
  test('property: every timestamp round-trips through RFC 3339', () => {
    fc.assert(
      fc.property(anyTimestamp, (t) => {
        const s = formatTimestamp(t);
        expect(s).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?Z$/);
        expect(parseTimestamp(s).ns).toBe(t.ns);
      }),
    );
  });
  test('property: formatting agrees with Date.toISOString at millisecond precision', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62135596800000, max: 253402300799999 }), (ms) => {
        const iso = new Date(ms).toISOString(); // 2009-02-13T23:31:30.000Z
        expect(formatTimestamp(new CelTimestamp(BigInt(ms) * 1_000_000n))).toBe(iso.replace(/\.?0*Z$/, 'Z'));
      }),
    );
  });
  test('property: every duration round-trips through its string', () => {
    fc.assert(
      fc.property(anyDuration, (d) => {
        expect(parseDuration(formatDuration(d)).ns).toBe(d.ns);
      }),
    );
  });
  test('property: Go-style durations with several units add up', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(59), fc.nat(59), fc.nat(999), (h, m, s, ms) => {
        const want = ((BigInt(h) * 60n + BigInt(m)) * 60n + BigInt(s)) * 1_000_000_000n + BigInt(ms) * 1_000_000n;
        expect(parseDuration(`${h}h${m}m${s}s${ms}ms`).ns).toBe(want);
        expect(parseDuration(`-${h}h${m}m${s}s${ms}ms`).ns).toBe(-want);
      }),
    );
  });
});

describe('civil calendar', () => {
  test('known days', () => {
    expect(daysFromCivil(1970, 1, 1)).toBe(0);
    expect(daysFromCivil(2000, 3, 1)).toBe(11017);
    expect(daysFromCivil(1, 1, 1)).toBe(-719162);
    expect(civilFromDays(-719162)).toEqual({ year: 1, month: 1, day: 1 });
    expect(civilFromDays(-719163)).toEqual({ year: 0, month: 12, day: 31 });
    expect(civilFromDays(19782)).toEqual({ year: 2024, month: 2, day: 29 });
  });
  test('property: days and dates convert both ways', () => {
    fc.assert(
      fc.property(fc.integer({ min: -800000, max: 3000000 }), (days) => {
        const { year, month, day } = civilFromDays(days);
        expect(daysFromCivil(year, month, day)).toBe(days);
        const d = new Date(days * 86400000);
        if (!Number.isNaN(d.getTime())) {
          expect([year, month, day]).toEqual([d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()]);
        }
      }),
    );
  });
});

describe('time zones', () => {
  test('zones are cached and fixed offsets parsed', () => {
    expect(resolveTimeZone('America/Los_Angeles')).toBe(resolveTimeZone('America/Los_Angeles'));
    expect(resolveTimeZone('+05:30').offsetSeconds(0)).toBe(19800);
    expect(resolveTimeZone('-08:00').offsetSeconds(0)).toBe(-28800);
    expect(resolveTimeZone('08:00').offsetSeconds(0)).toBe(28800);
    expect(resolveTimeZone('-00:30').offsetSeconds(0)).toBe(-1800);
    expect(resolveTimeZone('UTC').offsetSeconds(1e9)).toBe(0);
    expect(resolveTimeZone('Etc/GMT+5').offsetSeconds(0)).toBe(-18000);
  });
  test('historical offsets with seconds (local mean time) are kept', () => {
    // Los Angeles used LMT -7:52:58 until 1883.
    const t = ts('1850-06-01T12:00:00Z');
    const f = timestampFields(t, resolveTimeZone('America/Los_Angeles'));
    expect([f.hours, f.minutes, f.seconds]).toEqual([4, 7, 2]);
  });
  test('the hour cache is correct across many lookups', () => {
    const z = resolveTimeZone('Europe/Berlin');
    const at = (iso: string) => timestampFields(ts(iso), z).hours;
    for (let i = 0; i < 3; i++) {
      expect(at('2024-10-27T00:59:59Z')).toBe(2);
      expect(at('2024-10-27T01:00:00Z')).toBe(2);
      expect(at('2024-10-27T00:30:00Z')).toBe(2);
      expect(at('2024-10-27T01:30:00Z')).toBe(2);
      expect(at('2024-10-27T02:00:00Z')).toBe(3);
    }
  });
});
