// The standard library overloads, called directly (found by function name and overload id).

import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { stdLibrary } from '../../builtins/std/index.js';
import { formatDouble, parseDouble } from '../../builtins/std/numbers.js';
import {
  CelDuration,
  CelTimestamp,
  CelType,
  CelUint,
  INT64_MAX,
  INT64_MIN,
  MAX_TIMESTAMP_NS,
  MIN_TIMESTAMP_NS,
  UINT64_MAX,
} from '../../src/lang/values.js';
import { fails } from './agree.js';

// biome-ignore lint/suspicious/noExplicitAny: overloads of every signature, called with test values and their results read
type Fn = (...args: any[]) => any;

function ov(name: string, id: string): Fn {
  const d = stdLibrary.find((x) => x.name === name);
  if (!d) throw new Error(`no function ${name}`);
  const o = d.overloads.find((x) => x.id === id);
  if (!o) throw new Error(`no overload ${id} of ${name}`);
  return o.impl as Fn;
}

function specialized(name: string, id: string, constArgs: unknown[]): Fn {
  const d = stdLibrary.find((x) => x.name === name)!;
  const o = d.overloads.find((x) => x.id === id)!;
  const s = o.specialize!(constArgs);
  if (!s) throw new Error('not specialized');
  return s as Fn;
}

const S = 1_000_000_000n;
const ts = (iso: string) => ov('timestamp', 'string_to_timestamp')(iso) as CelTimestamp;
const dur = (s: string) => ov('duration', 'string_to_duration')(s) as CelDuration;

// ------------------------------------------------------------------ size

describe('size', () => {
  const sizeString = ov('size', 'size_string');
  test('strings count code points', () => {
    expect(sizeString('')).toBe(0n);
    expect(sizeString('A')).toBe(1n);
    expect(sizeString('ÿ')).toBe(1n);
    expect(sizeString('πέντε')).toBe(5n);
    expect(sizeString('🐱')).toBe(1n);
    expect(sizeString('a🐱b😀')).toBe(4n);
    expect(sizeString('e\u0301')).toBe(2n); // no normalization: e + combining acute
    expect(sizeString('\ud800')).toBe(1n); // a lone surrogate still counts once
    expect(sizeString('\ud800\ud800\udc00')).toBe(2n);
    expect(ov('size', 'string_size')('🐱😀😛')).toBe(3n);
  });
  test('bytes, lists and maps', () => {
    expect(ov('size', 'size_bytes')(new Uint8Array())).toBe(0n);
    expect(ov('size', 'bytes_size')(new Uint8Array([1, 2, 3]))).toBe(3n);
    expect(ov('size', 'size_list')([])).toBe(0n);
    expect(ov('size', 'list_size')([1n, 'a', null])).toBe(3n);
    expect(
      ov(
        'size',
        'size_map',
      )(
        new Map<unknown, unknown>([
          [1n, 'a'],
          ['b', 2n],
        ]),
      ),
    ).toBe(2n);
    expect(ov('size', 'map_size')({ a: 1, b: undefined, c: null })).toBe(2n);
    expect(ov('size', 'size_map')(Object.create(null))).toBe(0n);
  });
  test('property: code points of any string', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(sizeString(s)).toBe(BigInt([...s].length));
      }),
    );
  });
});

// ------------------------------------------------------------------ string tests

describe('contains, startsWith, endsWith', () => {
  const contains = ov('contains', 'contains_string');
  const startsWith = ov('startsWith', 'starts_with_string');
  const endsWith = ov('endsWith', 'ends_with_string');
  test('contains', () => {
    expect(contains('hello', 'he')).toBe(true);
    expect(contains('hello', '')).toBe(true);
    expect(contains('hello', 'ol')).toBe(false);
    expect(contains('abababc', 'ababc')).toBe(true);
    expect(contains('Straße', 'aß')).toBe(true);
    expect(contains('🐱😀😁', '😀')).toBe(true);
    expect(contains('', 'something')).toBe(false);
    expect(contains('', '')).toBe(true);
    expect(contains('Hello', 'hello')).toBe(false);
  });
  test('startsWith', () => {
    expect(startsWith('foobar', 'foo')).toBe(true);
    expect(startsWith('foobar', 'bar')).toBe(false);
    expect(startsWith('', 'foo')).toBe(false);
    expect(startsWith('foobar', '')).toBe(true);
    expect(startsWith('', '')).toBe(true);
    expect(startsWith('завтра', 'за')).toBe(true);
    expect(startsWith('🐱😀😛', '🐱')).toBe(true);
  });
  test('endsWith', () => {
    expect(endsWith('foobar', 'bar')).toBe(true);
    expect(endsWith('foobar', 'foo')).toBe(false);
    expect(endsWith('', 'foo')).toBe(false);
    expect(endsWith('foobar', '')).toBe(true);
    expect(endsWith('forté', 'té')).toBe(true);
    expect(endsWith('🐱😀😛', '😛')).toBe(true);
  });
});

describe('matches', () => {
  const global = ov('matches', 'matches');
  const receiver = ov('matches', 'matches_string');
  test('RE2 search semantics (a match anywhere)', () => {
    for (const m of [global, receiver]) {
      expect(m('hubba', 'ubb')).toBe(true);
      expect(m('', 'foo|bar')).toBe(false);
      expect(m('cows', '')).toBe(true);
      expect(m('', '')).toBe(true);
      expect(m('abcd', 'bc')).toBe(true);
      expect(m('grey', 'gr(a|e)y')).toBe(true);
      expect(m('banana', 'ba(na)*')).toBe(true);
      expect(m('mañana', 'a+ñ+a+')).toBe(true);
      expect(m('🐱😀😀', '(a|😀){2}')).toBe(true);
      expect(m('abc', '^b')).toBe(false);
      expect(m('abc', '^abc$')).toBe(true);
      expect(m('ABC', '(?i)abc')).toBe(true);
      expect(m('a\nb', '^b$')).toBe(false); // no multi-line mode by default
      expect(m('a\nb', '(?m)^b$')).toBe(true);
      expect(m('x12', '\\d+')).toBe(true);
      expect(m('α', '\\p{Greek}')).toBe(true);
      expect(m('😀', '^.$')).toBe(true); // '.' is one code point
    }
  });
  test('an invalid pattern is invalid_argument, with the reason', () => {
    fails(() => global('x', '('), 'invalid_argument', /^invalid regular expression `\(`: missing closing \)/);
    fails(() => receiver('x', 'a**'), 'invalid_argument', /invalid nested repetition operator/);
    fails(() => global('aa', '(a)\\1'), 'invalid_argument'); // no backreferences in RE2
    fails(() => global('a', '(?=a)'), 'invalid_argument'); // no lookahead
  });
  test('linear time on a pattern that makes backtracking engines explode', () => {
    // No timing bound: a backtracking engine takes ~2^5000 steps here and never reaches the
    // assertion before the test timeout.
    expect(global(`${'a'.repeat(5000)}!`, '^(a+)+$')).toBe(false);
  });
  test('a constant pattern is compiled once at load; an invalid one fails at load', () => {
    for (const id of ['matches', 'matches_string']) {
      const f = specialized('matches', id, [undefined, '^gpt-4']);
      expect(f('gpt-4o', '^gpt-4')).toBe(true);
      expect(f('claude', '^gpt-4')).toBe(false);
      fails(() => f(1n, '^gpt-4'), 'no_matching_overload');
      fails(() => specialized('matches', id, [undefined, '[a-']), 'invalid_argument', /invalid regular expression `\[a-`/);
    }
    const d = stdLibrary.find((x) => x.name === 'matches')!;
    expect(d.overloads[0]!.specialize!([undefined, undefined])).toBeUndefined();
    expect(d.overloads[0]!.specialize!(['abc', 42n])).toBeUndefined();
  });
});

// ------------------------------------------------------------------ int

describe('int', () => {
  test('identity and uint', () => {
    expect(ov('int', 'int64_to_int64')(-5n)).toBe(-5n);
    const fromUint = ov('int', 'uint64_to_int64');
    expect(fromUint(new CelUint(42n))).toBe(42n);
    expect(fromUint(new CelUint(0n))).toBe(0n);
    expect(fromUint(new CelUint(INT64_MAX))).toBe(INT64_MAX);
    fails(() => fromUint(new CelUint(INT64_MAX + 1n)), 'overflow');
    fails(() => fromUint(new CelUint(UINT64_MAX)), 'overflow');
  });
  test('double truncates toward zero, range is exclusive', () => {
    const f = ov('int', 'double_to_int64');
    expect(f(-123.456)).toBe(-123n);
    expect(f(1.9)).toBe(1n);
    expect(f(-7.9)).toBe(-7n);
    expect(f(11.5)).toBe(11n);
    expect(f(-3.5)).toBe(-3n);
    expect(f(-0.5)).toBe(0n);
    expect(f(-0)).toBe(0n);
    expect(f(36028797018963968)).toBe(36028797018963968n);
    expect(f(9223372036854774784)).toBe(9223372036854774784n); // largest double below 2^63
    expect(f(-9223372036854774784)).toBe(-9223372036854774784n);
    fails(() => f(9223372036854775807), 'overflow'); // rounds to 2^63
    fails(() => f(-9223372036854775808), 'overflow'); // exactly -2^63: excluded
    fails(() => f(1e99), 'overflow');
    fails(() => f(NaN), 'overflow');
    fails(() => f(Infinity), 'overflow');
    fails(() => f(-Infinity), 'overflow');
  });
  test('string is decimal with an optional sign', () => {
    const f = ov('int', 'string_to_int64');
    expect(f('987')).toBe(987n);
    expect(f('-0')).toBe(0n);
    expect(f('+5')).toBe(5n);
    expect(f('007')).toBe(7n);
    expect(f('9223372036854775807')).toBe(INT64_MAX);
    expect(f('-9223372036854775808')).toBe(INT64_MIN);
    fails(() => f('9223372036854775808'), 'overflow');
    fails(() => f('-9223372036854775809'), 'overflow');
    for (const bad of ['', ' 5', '5 ', '0x10', '1e3', '1.0', '1_000', '-', '+', '٣', 'abc']) {
      fails(() => f(bad), 'invalid_argument');
    }
  });
  test('timestamp gives Unix seconds (floor), duration nanoseconds', () => {
    const f = ov('int', 'timestamp_to_int64');
    expect(f(ts('2009-02-13T23:31:30Z'))).toBe(1234567890n);
    expect(f(ts('2004-09-16T23:59:59Z'))).toBe(1095379199n);
    expect(f(ts('1970-01-01T00:00:00Z'))).toBe(0n);
    expect(f(ts('1969-12-31T23:59:59.5Z'))).toBe(-1n);
    expect(f(ts('0001-01-01T00:00:00Z'))).toBe(-62135596800n);
    expect(ov('int', 'duration_to_int64')(dur('1.5s'))).toBe(1_500_000_000n);
    expect(ov('int', 'duration_to_int64')(dur('-1ns'))).toBe(-1n);
  });
});

// ------------------------------------------------------------------ uint

describe('uint', () => {
  test('identity and int', () => {
    const u = new CelUint(7n);
    expect(ov('uint', 'uint64_to_uint64')(u)).toBe(u);
    const f = ov('uint', 'int64_to_uint64');
    expect(f(1729n)).toEqual(new CelUint(1729n));
    expect(f(INT64_MAX)).toEqual(new CelUint(INT64_MAX));
    expect(f(0n)).toEqual(new CelUint(0n));
    fails(() => f(-1n), 'overflow');
  });
  test('double truncates; negative and >= 2^64 fail', () => {
    const f = ov('uint', 'double_to_uint64');
    expect(f(Math.PI)).toEqual(new CelUint(3n));
    expect(f(25.5)).toEqual(new CelUint(25n));
    expect(f(-0)).toEqual(new CelUint(0n));
    expect(f(36028797018963968)).toEqual(new CelUint(36028797018963968n));
    expect(f(18446744073709549568)).toEqual(new CelUint(18446744073709549568n)); // largest below 2^64
    fails(() => f(18446744073709551615), 'overflow'); // rounds to 2^64
    fails(() => f(6.022e23), 'overflow');
    fails(() => f(-0.5), 'overflow');
    fails(() => f(-1), 'overflow');
    fails(() => f(NaN), 'overflow');
    fails(() => f(Infinity), 'overflow');
  });
  test('string is decimal without a sign', () => {
    const f = ov('uint', 'string_to_uint64');
    expect(f('300')).toEqual(new CelUint(300n));
    expect(f('0')).toEqual(new CelUint(0n));
    expect(f('18446744073709551615')).toEqual(new CelUint(UINT64_MAX));
    fails(() => f('18446744073709551616'), 'overflow');
    for (const bad of ['', '+1', '-1', '-0', '1u', ' 1', '1.5', '0x1']) fails(() => f(bad), 'invalid_argument');
  });
});

// ------------------------------------------------------------------ double

describe('double', () => {
  test('identity, int and uint (rounded to nearest)', () => {
    expect(ov('double', 'double_to_double')(5.5)).toBe(5.5);
    const fromInt = ov('double', 'int64_to_double');
    expect(fromInt(0n)).toBe(0);
    expect(fromInt(-1000000000000000n)).toBe(-1e15);
    expect(fromInt(9007199254740992n)).toBe(9007199254740992);
    expect(fromInt(INT64_MAX)).toBe(9223372036854775808);
    expect(fromInt(INT64_MIN)).toBe(-9223372036854775808);
    const fromUint = ov('double', 'uint64_to_double');
    expect(fromUint(new CelUint(123n))).toBe(123);
    expect(fromUint(new CelUint(UINT64_MAX))).toBe(18446744073709551616);
  });
  test('string: Go ParseFloat syntax', () => {
    const f = ov('double', 'string_to_double');
    const cases: [string, number][] = [
      ['0', 0],
      ['0.0', 0],
      ['123', 123],
      ['123.456', 123.456],
      ['-987.654', -987.654],
      ['6.02214e23', 6.02214e23],
      ['1.38e-23', 1.38e-23],
      ['-84.32e7', -843200000],
      ['-5.43e-21', -5.43e-21],
      ['1e3', 1000],
      ['1E3', 1000],
      ['+1.5', 1.5],
      ['.5', 0.5],
      ['5.', 5],
      ['007', 7],
      ['1e-400', 0],
      ['inf', Infinity],
      ['+Inf', Infinity],
      ['-inf', -Infinity],
      ['Infinity', Infinity],
      ['-INFINITY', -Infinity],
      ['0x1p-2', 0.25],
      ['0x1.8p1', 3],
      ['-0X10P0', -16],
      ['0x.8p1', 1],
      ['0x1p-1074', 5e-324],
      ['0x1.fffffffffffffp1023', Number.MAX_VALUE],
    ];
    for (const [s, v] of cases) expect(f(s), s).toBe(v);
    expect(Object.is(f('-0.0'), -0)).toBe(true);
    expect(f('NaN')).toBeNaN();
    expect(f('nan')).toBeNaN();
    fails(() => f('1e400'), 'overflow');
    fails(() => f('-1e400'), 'overflow');
    fails(() => f('0x1p1024'), 'overflow');
    for (const bad of ['', ' 1', '1 ', '1_0', '1e', 'e5', '.', '-', 'Infinit', 'infinityy', '-nan', '+NaN', '0x1', '0xp1', '1,5', '١']) {
      fails(() => f(bad), 'invalid_argument');
    }
  });
});

// ------------------------------------------------------------------ string

describe('string', () => {
  test('identity, bool, int, uint', () => {
    expect(ov('string', 'string_to_string')('hello')).toBe('hello');
    expect(ov('string', 'bool_to_string')(true)).toBe('true');
    expect(ov('string', 'bool_to_string')(false)).toBe('false');
    expect(ov('string', 'int64_to_string')(123n)).toBe('123');
    expect(ov('string', 'int64_to_string')(-456n)).toBe('-456');
    expect(ov('string', 'int64_to_string')(INT64_MIN)).toBe('-9223372036854775808');
    expect(ov('string', 'uint64_to_string')(new CelUint(9876n))).toBe('9876');
    expect(ov('string', 'uint64_to_string')(new CelUint(UINT64_MAX))).toBe('18446744073709551615');
  });
  test("double: Go's %g", () => {
    const f = ov('string', 'double_to_string');
    const cases: [number, string][] = [
      [123.456, '123.456'],
      [-4.5e-3, '-0.0045'],
      [1, '1'],
      [-1, '-1'],
      [1.5, '1.5'],
      [100, '100'],
      [123456, '123456'],
      [999999.5, '999999.5'],
      [1e6, '1e+06'],
      [1234567, '1.234567e+06'],
      [1.5e20, '1.5e+20'],
      [1e21, '1e+21'],
      [1e100, '1e+100'],
      [0.0001, '0.0001'],
      [0.00012, '0.00012'],
      [0.00001, '1e-05'],
      [1.25e-7, '1.25e-07'],
      [0.1 + 0.2, '0.30000000000000004'],
      [5e-324, '5e-324'],
      [Number.MAX_VALUE, '1.7976931348623157e+308'],
      [2 ** 53, '9.007199254740992e+15'],
      [0, '0'],
      [-0, '-0'],
      [NaN, 'NaN'],
      [Infinity, '+Inf'],
      [-Infinity, '-Inf'],
    ];
    for (const [d, s] of cases) expect(f(d), String(d)).toBe(s);
  });
  test('property: doubles round-trip through string and double', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (d) => {
        const back = parseDouble(formatDouble(d).replace(/^\+Inf$/, 'inf'));
        expect(Object.is(back, d)).toBe(true);
      }),
    );
  });
  test('bytes must be valid UTF-8', () => {
    const f = ov('string', 'bytes_to_string');
    expect(f(new Uint8Array([97, 98, 99]))).toBe('abc');
    expect(f(new Uint8Array([0xc3, 0xbf]))).toBe('ÿ');
    expect(f(new Uint8Array([0xf0, 0x9f, 0x90, 0xb1]))).toBe('🐱');
    expect(f(new Uint8Array([]))).toBe('');
    expect(f(new Uint8Array([0xef, 0xbb, 0xbf, 0x61]))).toBe('\ufeffa'); // a BOM is kept
    expect(f(new Uint8Array([0]))).toBe('\0');
    fails(() => f(new Uint8Array([0x00, 0xff])), 'invalid_argument', /UTF-8/);
    fails(() => f(new Uint8Array([0xc0, 0x80])), 'invalid_argument'); // overlong
    fails(() => f(new Uint8Array([0xed, 0xa0, 0x80])), 'invalid_argument'); // a surrogate
    fails(() => f(new Uint8Array([0xe2, 0x82])), 'invalid_argument'); // truncated
  });
  test('timestamp: RFC 3339 in UTC, fraction without trailing zeros', () => {
    const f = ov('string', 'timestamp_to_string');
    expect(f(ts('2009-02-13T23:31:30Z'))).toBe('2009-02-13T23:31:30Z');
    expect(f(ts('9999-12-31T23:59:59.999999999Z'))).toBe('9999-12-31T23:59:59.999999999Z');
    expect(f(ts('0001-01-01T00:00:00Z'))).toBe('0001-01-01T00:00:00Z');
    expect(f(ts('2009-02-13T23:31:30.500Z'))).toBe('2009-02-13T23:31:30.5Z');
    expect(f(ts('2009-02-13T23:31:30.120000Z'))).toBe('2009-02-13T23:31:30.12Z');
    expect(f(ts('1970-01-01T00:00:00.000000001Z'))).toBe('1970-01-01T00:00:00.000000001Z');
    expect(f(ts('1969-12-31T23:59:59.5Z'))).toBe('1969-12-31T23:59:59.5Z');
    expect(f(ts('2009-02-14T01:01:30+01:30'))).toBe('2009-02-13T23:31:30Z');
  });
  test('duration: seconds with an exact fraction', () => {
    const f = ov('string', 'duration_to_string');
    expect(f(dur('1000000s'))).toBe('1000000s');
    expect(f(dur('1.5s'))).toBe('1.5s');
    expect(f(dur('-1.5s'))).toBe('-1.5s');
    expect(f(dur('-0.5s'))).toBe('-0.5s');
    expect(f(dur('1ns'))).toBe('0.000000001s');
    expect(f(dur('0'))).toBe('0s');
    expect(f(dur('1h30m'))).toBe('5400s');
    expect(f(new CelDuration(INT64_MIN))).toBe('-9223372036.854775808s');
    expect(f(new CelDuration(123456789123456789n))).toBe('123456789.123456789s');
  });
});

// ------------------------------------------------------------------ bytes, bool, dyn, type

describe('bytes', () => {
  test('UTF-8 of a string; identity', () => {
    const f = ov('bytes', 'string_to_bytes');
    expect(f('')).toEqual(new Uint8Array([]));
    expect(f('abc')).toEqual(new Uint8Array([97, 98, 99]));
    expect(f('ÿ')).toEqual(new Uint8Array([0xc3, 0xbf]));
    expect(f('🐱')).toEqual(new Uint8Array([0xf0, 0x9f, 0x90, 0xb1]));
    const b = new Uint8Array([255]);
    expect(ov('bytes', 'bytes_to_bytes')(b)).toBe(b);
  });
  test('property: bytes(s) then string() gives s back', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), (s) => {
        expect(ov('string', 'bytes_to_string')(ov('bytes', 'string_to_bytes')(s))).toBe(s);
      }),
    );
  });
});

describe('bool', () => {
  test("Go's ParseBool", () => {
    const f = ov('bool', 'string_to_bool');
    for (const s of ['1', 't', 'T', 'true', 'TRUE', 'True']) expect(f(s), s).toBe(true);
    for (const s of ['0', 'f', 'F', 'false', 'FALSE', 'False']) expect(f(s), s).toBe(false);
    for (const s of ['TrUe', 'FaLsE', '', 'yes', 'no', ' true', 'true ', '2']) fails(() => f(s), 'invalid_argument');
    expect(ov('bool', 'bool_to_bool')(false)).toBe(false);
  });
});

describe('dyn and type', () => {
  test('dyn is the identity', () => {
    const f = ov('dyn', 'to_dyn');
    const l = [1n, 'one'];
    expect(f(l)).toBe(l);
    expect(f(null)).toBe(null);
    expect(f(1.5)).toBe(1.5);
  });
  test('type of every kind of value', () => {
    const f = ov('type', 'type');
    const cases: [unknown, string][] = [
      [1n, 'int'],
      [new CelUint(1n), 'uint'],
      [1.5, 'double'],
      [NaN, 'double'],
      [true, 'bool'],
      ['a', 'string'],
      [new Uint8Array([1]), 'bytes'],
      [[1n], 'list'],
      [new Map(), 'map'],
      [{ a: 1 }, 'map'],
      [null, 'null_type'],
      [CelType.of('int'), 'type'],
      [ts('2009-02-13T23:31:30Z'), 'google.protobuf.Timestamp'],
      [dur('1s'), 'google.protobuf.Duration'],
    ];
    for (const [v, name] of cases) expect(f(v)).toBe(CelType.of(name));
    expect(f(f(7n))).toBe(CelType.of('type'));
    expect(f(f(new CelUint(7n)))).toBe(f(f(7n)));
    expect(f(0.0)).toBe(f(-0.0));
    expect(f(0.0)).not.toBe(f(0n));
    fails(() => f(undefined), 'unsupported_value');
    fails(() => f(() => 1), 'unsupported_value');
  });
});

// ------------------------------------------------------------------ timestamp, duration

describe('timestamp', () => {
  const f = ov('timestamp', 'string_to_timestamp');
  test('RFC 3339 with Z or an offset, nanosecond precision', () => {
    expect(f('2009-02-13T23:31:30Z')).toEqual(new CelTimestamp(1234567890n * S));
    expect(f('1970-01-01T00:00:00Z')).toEqual(new CelTimestamp(0n));
    expect(f('2009-02-14T00:31:30+01:00')).toEqual(new CelTimestamp(1234567890n * S));
    expect(f('2009-02-13T20:01:30-03:30')).toEqual(new CelTimestamp(1234567890n * S));
    expect(f('2009-02-13T23:31:30+00:00')).toEqual(new CelTimestamp(1234567890n * S));
    expect(f('2009-02-13T23:31:30-00:00')).toEqual(new CelTimestamp(1234567890n * S));
    expect(f('2009-02-13T23:31:30.1Z').ns).toBe(1234567890n * S + 100_000_000n);
    expect(f('2009-02-13T23:31:30.123456789Z').ns).toBe(1234567890n * S + 123456789n);
    expect(f('2009-02-13T23:31:30.1234567891Z').ns).toBe(1234567890n * S + 123456789n); // extra digits dropped
    expect(f('1969-12-31T23:59:59.999999999Z').ns).toBe(-1n);
  });
  test('calendar validation, leap years included', () => {
    expect(f('2024-02-29T00:00:00Z').ns).toBe(1709164800n * S);
    expect(f('2000-02-29T00:00:00Z').ns).toBe(951782400n * S);
    for (const bad of [
      '2023-02-29T00:00:00Z',
      '1900-02-29T00:00:00Z',
      '2009-04-31T00:00:00Z',
      '2009-13-01T00:00:00Z',
      '2009-00-01T00:00:00Z',
      '2009-01-00T00:00:00Z',
      '2009-01-01T24:00:00Z',
      '2009-01-01T23:60:00Z',
      '2009-01-01T23:59:60Z',
      '2009-01-01T00:00:00+24:00',
      '2009-01-01T00:00:00+01:60',
    ]) {
      fails(() => f(bad), 'invalid_argument');
    }
  });
  test('syntax errors', () => {
    for (const bad of [
      '',
      '2009-02-13',
      '2009-02-13T23:31:30',
      '2009-02-13 23:31:30Z',
      '2009-02-13t23:31:30Z',
      '2009-02-13T23:31:30z',
      '2009-02-13T23:31Z',
      '2009-2-13T23:31:30Z',
      '2009-02-13T23:31:30.Z',
      '2009-02-13T23:31:30+0100',
      '2009-02-13T23:31:30+01',
      '10000-01-01T00:00:00Z',
      '+2009-02-13T23:31:30Z',
      ' 2009-02-13T23:31:30Z',
    ]) {
      fails(() => f(bad), 'invalid_argument');
    }
  });
  test('range is 0001-01-01 to 9999-12-31', () => {
    expect(f('0001-01-01T00:00:00Z').ns).toBe(MIN_TIMESTAMP_NS);
    expect(f('9999-12-31T23:59:59.999999999Z').ns).toBe(MAX_TIMESTAMP_NS);
    expect(f('0001-01-01T01:00:00+01:00').ns).toBe(MIN_TIMESTAMP_NS);
    fails(() => f('0000-01-01T00:00:00Z'), 'overflow');
    fails(() => f('0001-01-01T00:30:00+01:00'), 'overflow');
    fails(() => f('9999-12-31T23:30:00-01:00'), 'overflow');
  });
  test('from Unix seconds; identity', () => {
    const g = ov('timestamp', 'int64_to_timestamp');
    expect(g(1000000000n)).toEqual(new CelTimestamp(1000000000n * S));
    expect(g(-1n)).toEqual(new CelTimestamp(-S));
    expect(g(-62135596800n).ns).toBe(MIN_TIMESTAMP_NS);
    expect(g(253402300799n).ns).toBe(MAX_TIMESTAMP_NS - 999_999_999n);
    fails(() => g(-62135596801n), 'overflow');
    fails(() => g(253402300800n), 'overflow');
    fails(() => g(INT64_MAX), 'overflow');
    const t = ts('2009-02-13T23:31:30Z');
    expect(ov('timestamp', 'timestamp_to_timestamp')(t)).toBe(t);
  });
});

describe('duration', () => {
  const f = ov('duration', 'string_to_duration');
  const ns = (s: string) => (f(s) as CelDuration).ns;
  test('Go duration syntax', () => {
    expect(ns('1h30m')).toBe(5400n * S);
    expect(ns('-1.5s')).toBe(-1_500_000_000n);
    expect(ns('+1.5s')).toBe(1_500_000_000n);
    expect(ns('300ms')).toBe(300_000_000n);
    expect(ns('1us')).toBe(1000n);
    expect(ns('1µs')).toBe(1000n); // U+00B5
    expect(ns('1μs')).toBe(1000n); // U+03BC
    expect(ns('1ns')).toBe(1n);
    expect(ns('0')).toBe(0n);
    expect(ns('-0')).toBe(0n);
    expect(ns('+0')).toBe(0n);
    expect(ns('0s')).toBe(0n);
    expect(ns('1.5h')).toBe(5400n * S);
    expect(ns('.5s')).toBe(500_000_000n);
    expect(ns('5.s')).toBe(5n * S);
    expect(ns('1h1m1s1ms1us1ns')).toBe(3661_001_001_001n);
    expect(ns('2h45m')).toBe(9900n * S);
    expect(ns('1000000s')).toBe(1000000n * S);
    expect(ns('-999999999ns')).toBe(-999999999n);
    expect(ns('0.1ns')).toBe(0n);
    expect(ns('1.000000001s')).toBe(1_000_000_001n);
    expect(ns('123.321456789s')).toBe(123_321_456_789n);
    expect(ns('1s1s')).toBe(2n * S);
  });
  test('syntax errors', () => {
    for (const bad of [
      '',
      '-',
      '+',
      '1',
      '10',
      's',
      '.s',
      '.',
      '1d',
      '1 s',
      ' 1s',
      '1s ',
      '1S',
      '1.5.5s',
      '1h-30m',
      '--1s',
      '1e3s',
      'abc',
      '1sec',
    ]) {
      fails(() => f(bad), 'invalid_argument');
    }
  });
  test('range is the int64 nanosecond range', () => {
    expect(ns('9223372036.854775807s')).toBe(INT64_MAX);
    expect(ns('-9223372036.854775808s')).toBe(INT64_MIN);
    expect(ns('2562047h')).toBe(2562047n * 3600n * S);
    fails(() => f('9223372036.854775808s'), 'overflow');
    fails(() => f('2562048h'), 'overflow');
    fails(() => f('320000000000s'), 'overflow');
    fails(() => f('-320000000000s'), 'overflow');
    fails(() => f('99999999999999999999ns'), 'overflow');
  });
  test('from nanoseconds; identity', () => {
    const g = ov('duration', 'int64_to_duration');
    expect(g(1500n)).toEqual(new CelDuration(1500n));
    expect(g(INT64_MIN)).toEqual(new CelDuration(INT64_MIN));
    const d = dur('1s');
    expect(ov('duration', 'duration_to_duration')(d)).toBe(d);
  });
});

// ------------------------------------------------------------------ accessors

describe('timestamp accessors', () => {
  const t = ts('2009-02-13T23:31:30Z');
  const get = (name: string, id: string, ...args: unknown[]) => ov(name, id)(...args) as bigint;
  test('UTC', () => {
    expect(get('getFullYear', 'timestamp_to_year', t)).toBe(2009n);
    expect(get('getMonth', 'timestamp_to_month', t)).toBe(1n);
    expect(get('getDayOfYear', 'timestamp_to_day_of_year', t)).toBe(43n);
    expect(get('getDayOfMonth', 'timestamp_to_day_of_month', t)).toBe(12n);
    expect(get('getDate', 'timestamp_to_day_of_month_1_based', t)).toBe(13n);
    expect(get('getDayOfWeek', 'timestamp_to_day_of_week', t)).toBe(5n);
    expect(get('getHours', 'timestamp_to_hours', t)).toBe(23n);
    expect(get('getMinutes', 'timestamp_to_minutes', t)).toBe(31n);
    expect(get('getSeconds', 'timestamp_to_seconds', t)).toBe(30n);
    expect(get('getMilliseconds', 'timestamp_to_milliseconds', ts('2009-02-13T23:31:20.123456789Z'))).toBe(123n);
  });
  test('with a time zone: IANA names and fixed offsets', () => {
    expect(get('getDate', 'timestamp_to_day_of_month_1_based_with_tz', t, 'Australia/Sydney')).toBe(14n);
    expect(get('getDayOfMonth', 'timestamp_to_day_of_month_with_tz', t, 'US/Central')).toBe(12n);
    expect(get('getDayOfMonth', 'timestamp_to_day_of_month_with_tz', t, '+11:00')).toBe(13n);
    const t2 = ts('2009-02-13T02:00:00Z');
    expect(get('getDayOfMonth', 'timestamp_to_day_of_month_with_tz', t2, '-02:30')).toBe(11n);
    expect(get('getDayOfMonth', 'timestamp_to_day_of_month_with_tz', t2, 'America/St_Johns')).toBe(11n);
    expect(get('getDayOfWeek', 'timestamp_to_day_of_week_with_tz', t, 'UTC')).toBe(5n);
    expect(get('getDayOfYear', 'timestamp_to_day_of_year_with_tz', t, 'US/Central')).toBe(43n);
    expect(get('getFullYear', 'timestamp_to_year_with_tz', t, '-09:30')).toBe(2009n);
    expect(get('getHours', 'timestamp_to_hours_with_tz', t, '02:00')).toBe(1n);
    expect(get('getHours', 'timestamp_to_hours_with_tz', t, '+02:00')).toBe(1n);
    expect(get('getHours', 'timestamp_to_hours_with_tz', t, '-02:00')).toBe(21n);
    expect(get('getMinutes', 'timestamp_to_minutes_with_tz', t, 'Asia/Kathmandu')).toBe(16n);
    expect(get('getMonth', 'timestamp_to_month_with_tz', t, 'UTC')).toBe(1n);
    expect(get('getSeconds', 'timestamp_to_seconds_tz', t, '-00:00')).toBe(30n);
    expect(get('getMilliseconds', 'timestamp_to_milliseconds_with_tz', ts('2009-02-13T23:31:20.5Z'), 'Asia/Kolkata')).toBe(500n);
    expect(get('getHours', 'timestamp_to_hours_with_tz', t, '')).toBe(23n); // Go: "" is UTC
  });
  test('daylight saving time', () => {
    const h = (iso: string, tz: string) => get('getHours', 'timestamp_to_hours_with_tz', ts(iso), tz);
    // Spring forward in Los Angeles: 02:00 PST becomes 03:00 PDT at 10:00Z.
    expect(h('2024-03-10T09:59:59Z', 'America/Los_Angeles')).toBe(1n);
    expect(h('2024-03-10T10:00:00Z', 'America/Los_Angeles')).toBe(3n);
    // Fall back: 01:30 happens twice.
    expect(h('2024-11-03T08:30:00Z', 'America/Los_Angeles')).toBe(1n);
    expect(h('2024-11-03T09:30:00Z', 'America/Los_Angeles')).toBe(1n);
    expect(h('2024-11-03T10:30:00Z', 'America/Los_Angeles')).toBe(2n);
    // Southern hemisphere: Sydney is +11 in February, +10 in July.
    expect(h('2024-02-01T00:00:00Z', 'Australia/Sydney')).toBe(11n);
    expect(h('2024-07-01T00:00:00Z', 'Australia/Sydney')).toBe(10n);
    // Europe switches at 01:00Z.
    expect(h('2024-03-31T00:59:59Z', 'Europe/Berlin')).toBe(1n);
    expect(h('2024-03-31T01:00:00Z', 'Europe/Berlin')).toBe(3n);
  });
  test('a zone change in the middle of a UTC hour (Kathmandu, 1986: +05:30 to +05:45)', () => {
    const m = (iso: string) => get('getMinutes', 'timestamp_to_minutes_with_tz', ts(iso), 'Asia/Kathmandu');
    const y = (iso: string) => get('getFullYear', 'timestamp_to_year_with_tz', ts(iso), 'Asia/Kathmandu');
    expect(m('1985-12-31T18:29:59Z')).toBe(59n);
    expect(y('1985-12-31T18:29:59Z')).toBe(1985n);
    expect(m('1985-12-31T18:30:00Z')).toBe(15n);
    expect(y('1985-12-31T18:30:00Z')).toBe(1986n);
    expect(m('1985-12-31T18:00:00Z')).toBe(30n);
    expect(m('1985-12-31T18:59:00Z')).toBe(44n);
  });
  test('leap years and year boundaries', () => {
    const doy = (iso: string) => get('getDayOfYear', 'timestamp_to_day_of_year', ts(iso));
    expect(doy('2024-01-01T00:00:00Z')).toBe(0n);
    expect(doy('2024-02-29T12:00:00Z')).toBe(59n);
    expect(doy('2024-03-01T00:00:00Z')).toBe(60n);
    expect(doy('2023-03-01T00:00:00Z')).toBe(59n);
    expect(doy('2024-12-31T23:59:59Z')).toBe(365n);
    expect(doy('2023-12-31T23:59:59Z')).toBe(364n);
    expect(get('getDayOfYear', 'timestamp_to_day_of_year_with_tz', ts('2024-12-31T23:00:00Z'), '+01:00')).toBe(0n);
    expect(get('getFullYear', 'timestamp_to_year_with_tz', ts('0001-01-01T00:00:00Z'), '-01:00')).toBe(0n);
    expect(get('getFullYear', 'timestamp_to_year_with_tz', ts('9999-12-31T23:59:59Z'), '+01:00')).toBe(10000n);
    expect(get('getDayOfWeek', 'timestamp_to_day_of_week', ts('0001-01-01T00:00:00Z'))).toBe(1n); // a Monday
    expect(get('getDayOfWeek', 'timestamp_to_day_of_week', ts('1969-12-31T23:59:59Z'))).toBe(3n);
    expect(get('getMilliseconds', 'timestamp_to_milliseconds', ts('1969-12-31T23:59:59.999Z'))).toBe(999n);
  });
  test('property: UTC fields agree with the JavaScript Date', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62135596800000, max: 253402300799999 }), (ms) => {
        const d = new Date(ms);
        const t = new CelTimestamp(BigInt(ms) * 1_000_000n);
        expect(get('getFullYear', 'timestamp_to_year', t)).toBe(BigInt(d.getUTCFullYear()));
        expect(get('getMonth', 'timestamp_to_month', t)).toBe(BigInt(d.getUTCMonth()));
        expect(get('getDate', 'timestamp_to_day_of_month_1_based', t)).toBe(BigInt(d.getUTCDate()));
        expect(get('getDayOfWeek', 'timestamp_to_day_of_week', t)).toBe(BigInt(d.getUTCDay()));
        expect(get('getHours', 'timestamp_to_hours', t)).toBe(BigInt(d.getUTCHours()));
        expect(get('getMinutes', 'timestamp_to_minutes', t)).toBe(BigInt(d.getUTCMinutes()));
        expect(get('getSeconds', 'timestamp_to_seconds', t)).toBe(BigInt(d.getUTCSeconds()));
        expect(get('getMilliseconds', 'timestamp_to_milliseconds', t)).toBe(BigInt(d.getUTCMilliseconds()));
      }),
    );
  });
  test('property: zone fields agree with Intl', () => {
    const zones = ['America/New_York', 'Europe/London', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham'];
    const fmts = zones.map(
      (z) =>
        new Intl.DateTimeFormat('en-US', {
          timeZone: z,
          hourCycle: 'h23',
          year: 'numeric',
          month: 'numeric',
          day: 'numeric',
          hour: 'numeric',
          minute: 'numeric',
          second: 'numeric',
        }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: zones.length - 1 }), fc.integer({ min: 0, max: 4102444800 }), (zi, secs) => {
        const parts = Object.fromEntries(fmts[zi]!.formatToParts(secs * 1000).map((p) => [p.type, p.value]));
        const t = new CelTimestamp(BigInt(secs) * S);
        const z = zones[zi]!;
        expect(get('getFullYear', 'timestamp_to_year_with_tz', t, z)).toBe(BigInt(parts.year!));
        expect(get('getMonth', 'timestamp_to_month_with_tz', t, z)).toBe(BigInt(+parts.month! - 1));
        expect(get('getDate', 'timestamp_to_day_of_month_1_based_with_tz', t, z)).toBe(BigInt(parts.day!));
        expect(get('getHours', 'timestamp_to_hours_with_tz', t, z)).toBe(BigInt(parts.hour!));
        expect(get('getMinutes', 'timestamp_to_minutes_with_tz', t, z)).toBe(BigInt(parts.minute!));
        expect(get('getSeconds', 'timestamp_to_seconds_tz', t, z)).toBe(BigInt(parts.second!));
      }),
      { numRuns: 300 },
    );
  });
  test('an invalid time zone is invalid_argument', () => {
    const f = ov('getHours', 'timestamp_to_hours_with_tz');
    for (const bad of ['Mars/Olympus', 'Local', 'America/Nowhere', '+5:3', '05:60', '+05:30:00', 'abc:def', '+', '1']) {
      fails(() => f(t, bad), 'invalid_argument', /time zone/);
    }
  });
  test('a constant time zone is resolved at load; an invalid one fails at load', () => {
    const f = specialized('getHours', 'timestamp_to_hours_with_tz', [undefined, 'America/Los_Angeles']);
    expect(f(ts('2024-03-10T10:00:00Z'), 'America/Los_Angeles')).toBe(3n);
    fails(() => f('2024', 'America/Los_Angeles'), 'no_matching_overload');
    fails(() => specialized('getHours', 'timestamp_to_hours_with_tz', [undefined, 'Nowhere/Land']), 'invalid_argument');
    const g = specialized('getDate', 'timestamp_to_day_of_month_1_based_with_tz', [undefined, '+14:00']);
    expect(g(t, '+14:00')).toBe(14n);
    const d = stdLibrary.find((x) => x.name === 'getHours')!;
    expect(d.overloads.find((o) => o.id === 'timestamp_to_hours_with_tz')!.specialize!([t, undefined])).toBeUndefined();
  });
});

describe('duration accessors', () => {
  test('whole hours, minutes, seconds (truncated toward zero)', () => {
    expect(ov('getHours', 'duration_to_hours')(dur('10000s'))).toBe(2n);
    expect(ov('getMinutes', 'duration_to_minutes')(dur('3730s'))).toBe(62n);
    expect(ov('getSeconds', 'duration_to_seconds')(dur('3730s'))).toBe(3730n);
    expect(ov('getHours', 'duration_to_hours')(dur('-90m'))).toBe(-1n);
    expect(ov('getMinutes', 'duration_to_minutes')(dur('-90m'))).toBe(-90n);
    expect(ov('getSeconds', 'duration_to_seconds')(dur('-1.5s'))).toBe(-1n);
    expect(ov('getHours', 'duration_to_hours')(dur('59m'))).toBe(0n);
    expect(ov('getSeconds', 'duration_to_seconds')(new CelDuration(INT64_MAX))).toBe(9223372036n);
  });
  test('milliseconds within the second', () => {
    const f = ov('getMilliseconds', 'duration_to_milliseconds');
    expect(f(dur('123.321456789s'))).toBe(321n);
    expect(f(dur('1.5s'))).toBe(500n);
    expect(f(dur('-1.5s'))).toBe(-500n);
    expect(f(dur('999us'))).toBe(0n);
    expect(f(dur('0'))).toBe(0n);
  });
});
