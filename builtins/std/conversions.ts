// Type conversions: int, uint, double, string, bytes, bool, dyn, type, timestamp, duration.

import type { FunctionDecl } from '../../src/lang/library.js';
import { EvaluationError } from '../../src/lang/library.js';
import { CelDuration, CelTimestamp, CelType, CelUint, INT64_MAX, NS_PER_SECOND, kindOf, typeNameOf } from '../../src/lang/library.js';
import {
  decodeUtf8,
  doubleToInt,
  doubleToUint,
  encodeUtf8,
  formatDouble,
  parseBool,
  parseDouble,
  parseInt64,
  parseUint64,
} from './numbers.js';
import {
  durationFromNanos,
  formatDuration,
  formatTimestamp,
  parseDuration,
  parseTimestamp,
  splitSeconds,
  timestampFromSeconds,
} from './time.js';

const identity = <T>(v: T): T => v;
const ts = (seconds: bigint, nanos = 0n) => new CelTimestamp(seconds * NS_PER_SECOND + nanos);
const dur = (seconds: bigint, nanos = 0n) => new CelDuration(seconds * NS_PER_SECOND + nanos);

function overflow(message: string): EvaluationError {
  return new EvaluationError('overflow', message);
}

export const int: FunctionDecl = {
  name: 'int',
  category: 'conversions',
  description:
    'Converts to int: doubles truncate toward zero, strings must be decimal, timestamps give Unix seconds; out of range is an error',
  purity: 'pure',
  overloads: [
    { id: 'int64_to_int64', params: ['int'], result: 'int', impl: identity },
    {
      id: 'uint64_to_int64',
      params: ['uint'],
      result: 'int',
      impl: (u: CelUint) => {
        if (u.value > INT64_MAX) throw overflow(`cannot convert ${u.value}u to int: out of range`);
        return u.value;
      },
    },
    { id: 'double_to_int64', params: ['double'], result: 'int', impl: doubleToInt },
    { id: 'string_to_int64', params: ['string'], result: 'int', impl: parseInt64 },
    {
      id: 'timestamp_to_int64',
      params: ['timestamp'],
      result: 'int',
      impl: (t: CelTimestamp) => BigInt(splitSeconds(t.ns).seconds),
    },
    { id: 'duration_to_int64', params: ['duration'], result: 'int', impl: (d: CelDuration) => d.ns },
  ],
  examples: [
    { expr: 'int(3.9)', result: 3n },
    { expr: 'int(-3.9)', result: -3n },
    { expr: "int('-42')", result: -42n },
    { expr: 'int(42u)', result: 42n },
    { expr: "int(timestamp('2009-02-13T23:31:30Z'))", result: 1234567890n },
    { expr: "int('4 2')", result: { error: 'invalid_argument' } },
    { expr: 'int(1e19)', result: { error: 'overflow' } },
  ],
};

export const uint: FunctionDecl = {
  name: 'uint',
  category: 'conversions',
  description: 'Converts to uint: doubles truncate toward zero, strings must be decimal; negative or out of range is an error',
  purity: 'pure',
  overloads: [
    { id: 'uint64_to_uint64', params: ['uint'], result: 'uint', impl: identity },
    {
      id: 'int64_to_uint64',
      params: ['int'],
      result: 'uint',
      impl: (i: bigint) => {
        if (i < 0n) throw overflow(`cannot convert ${i} to uint: out of range`);
        return new CelUint(i);
      },
    },
    { id: 'double_to_uint64', params: ['double'], result: 'uint', impl: doubleToUint },
    { id: 'string_to_uint64', params: ['string'], result: 'uint', impl: parseUint64 },
  ],
  examples: [
    { expr: 'uint(42)', result: new CelUint(42n) },
    { expr: 'uint(3.9)', result: new CelUint(3n) },
    { expr: "uint('18446744073709551615')", result: new CelUint(18446744073709551615n) },
    { expr: 'uint(-1)', result: { error: 'overflow' } },
  ],
};

export const double: FunctionDecl = {
  name: 'double',
  category: 'conversions',
  description: "Converts to double; strings may be decimal or exponent notation, 'NaN', 'inf' or '-inf'",
  purity: 'pure',
  overloads: [
    { id: 'double_to_double', params: ['double'], result: 'double', impl: identity },
    { id: 'int64_to_double', params: ['int'], result: 'double', impl: (i: bigint) => Number(i) },
    { id: 'uint64_to_double', params: ['uint'], result: 'double', impl: (u: CelUint) => Number(u.value) },
    { id: 'string_to_double', params: ['string'], result: 'double', impl: parseDouble },
  ],
  examples: [
    { expr: 'double(2)', result: 2 },
    { expr: 'double(10u)', result: 10 },
    { expr: "double('1e3')", result: 1000 },
    { expr: "double('-2.5')", result: -2.5 },
    { expr: "double('-inf')", result: -Infinity },
    { expr: "double('one')", result: { error: 'invalid_argument' } },
  ],
};

export const string: FunctionDecl = {
  name: 'string',
  category: 'conversions',
  description:
    'Converts to string: numbers in decimal (doubles as Go %g), bytes as UTF-8 (invalid UTF-8 is an error), timestamps as RFC 3339, durations as seconds',
  purity: 'pure',
  overloads: [
    { id: 'string_to_string', params: ['string'], result: 'string', impl: identity },
    { id: 'bool_to_string', params: ['bool'], result: 'string', impl: (b: boolean) => (b ? 'true' : 'false') },
    { id: 'int64_to_string', params: ['int'], result: 'string', impl: (i: bigint) => i.toString() },
    { id: 'uint64_to_string', params: ['uint'], result: 'string', impl: (u: CelUint) => u.value.toString() },
    { id: 'double_to_string', params: ['double'], result: 'string', impl: formatDouble },
    { id: 'bytes_to_string', params: ['bytes'], result: 'string', impl: decodeUtf8 },
    { id: 'timestamp_to_string', params: ['timestamp'], result: 'string', impl: formatTimestamp },
    { id: 'duration_to_string', params: ['duration'], result: 'string', impl: formatDuration },
  ],
  examples: [
    { expr: 'string(42)', result: '42' },
    { expr: 'string(7u)', result: '7' },
    { expr: 'string(1.0)', result: '1' },
    { expr: 'string(-4.5e-3)', result: '-0.0045' },
    { expr: 'string(1.5e20)', result: '1.5e+20' },
    { expr: 'string(true)', result: 'true' },
    { expr: "string(b'\\303\\277')", result: 'ÿ' },
    { expr: "string(b'\\xff')", result: { error: 'invalid_argument' } },
    { expr: "string(timestamp('2009-02-13T23:31:30.5Z'))", result: '2009-02-13T23:31:30.5Z' },
    { expr: "string(duration('1h30m'))", result: '5400s' },
    { expr: "string(duration('-1.5s'))", result: '-1.5s' },
  ],
};

export const bytes: FunctionDecl = {
  name: 'bytes',
  category: 'conversions',
  description: 'Converts a string to its UTF-8 bytes',
  purity: 'pure',
  overloads: [
    { id: 'bytes_to_bytes', params: ['bytes'], result: 'bytes', impl: identity },
    { id: 'string_to_bytes', params: ['string'], result: 'bytes', impl: encodeUtf8 },
  ],
  examples: [
    { expr: "bytes('abc')", result: new Uint8Array([97, 98, 99]) },
    { expr: "bytes('ÿ')", result: new Uint8Array([0xc3, 0xbf]) },
    { expr: "bytes('')", result: new Uint8Array([]) },
  ],
};

export const bool: FunctionDecl = {
  name: 'bool',
  category: 'conversions',
  description: "Converts a string to bool: 'true', 'TRUE', 'True', 't', 'T', '1' and their false counterparts",
  purity: 'pure',
  overloads: [
    { id: 'bool_to_bool', params: ['bool'], result: 'bool', impl: identity },
    { id: 'string_to_bool', params: ['string'], result: 'bool', impl: parseBool },
  ],
  examples: [
    { expr: "bool('true')", result: true },
    { expr: "bool('0')", result: false },
    { expr: "bool('False')", result: false },
    { expr: "bool('yes')", result: { error: 'invalid_argument' } },
  ],
};

export const dyn: FunctionDecl = {
  name: 'dyn',
  category: 'conversions',
  description: 'Returns its argument unchanged, typed as dyn for the type checker',
  purity: 'pure',
  overloads: [{ id: 'to_dyn', params: ['A'], result: 'dyn', impl: identity }],
  examples: [
    { expr: 'dyn(1)', result: 1n },
    { expr: "dyn([1, 'one'])", result: [1n, 'one'] },
  ],
};

function typeOf(v: unknown): CelType {
  if (kindOf(v) === 'unknown') {
    throw new EvaluationError('unsupported_value', `value of JavaScript type ${typeof v} has no CEL type`);
  }
  return CelType.of(typeNameOf(v));
}

export const type: FunctionDecl = {
  name: 'type',
  category: 'conversions',
  description:
    'The type of a value, itself a value: int, uint, double, bool, string, bytes, list, map, null_type, type, google.protobuf.Timestamp or google.protobuf.Duration',
  purity: 'pure',
  overloads: [{ id: 'type', params: ['A'], result: 'type', impl: typeOf }],
  examples: [
    { expr: 'type(1)', result: CelType.of('int') },
    { expr: "type('a')", result: CelType.of('string') },
    { expr: 'type(1) == type(2)', result: true },
    { expr: 'type(1) == type(1u)', result: false },
    { expr: "type(duration('1s'))", result: CelType.of('google.protobuf.Duration') },
  ],
};

export const timestamp: FunctionDecl = {
  name: 'timestamp',
  category: 'conversions',
  description: 'A timestamp from an RFC 3339 string (nanosecond precision, with Z or an offset) or from Unix seconds; years 0001 to 9999',
  purity: 'pure',
  overloads: [
    { id: 'timestamp_to_timestamp', params: ['timestamp'], result: 'timestamp', impl: identity },
    { id: 'string_to_timestamp', params: ['string'], result: 'timestamp', impl: parseTimestamp },
    { id: 'int64_to_timestamp', params: ['int'], result: 'timestamp', impl: timestampFromSeconds },
  ],
  examples: [
    { expr: "timestamp('2009-02-13T23:31:30Z')", result: ts(1234567890n) },
    { expr: "timestamp('2009-02-14T00:31:30.25+01:00')", result: ts(1234567890n, 250_000_000n) },
    { expr: 'timestamp(1234567890)', result: ts(1234567890n) },
    { expr: "timestamp('2009-02-30T00:00:00Z')", result: { error: 'invalid_argument' } },
    { expr: "timestamp('0000-01-01T00:00:00Z')", result: { error: 'overflow' } },
  ],
};

export const duration: FunctionDecl = {
  name: 'duration',
  category: 'conversions',
  description:
    'A duration from Go duration syntax: a signed sequence of numbers with units h, m, s, ms, us, ns ("1h30m", "-1.5s"); about +-292 years',
  purity: 'pure',
  overloads: [
    { id: 'duration_to_duration', params: ['duration'], result: 'duration', impl: identity },
    { id: 'string_to_duration', params: ['string'], result: 'duration', impl: parseDuration },
    { id: 'int64_to_duration', params: ['int'], result: 'duration', impl: (ns: bigint) => durationFromNanos(ns) },
  ],
  examples: [
    { expr: "duration('1h30m')", result: dur(5400n) },
    { expr: "duration('-1.5s')", result: dur(-1n, -500_000_000n) },
    { expr: "duration('300ms')", result: dur(0n, 300_000_000n) },
    { expr: "duration('1d')", result: { error: 'invalid_argument' } },
    { expr: "duration('320000000000s')", result: { error: 'overflow' } },
  ],
};

export const conversionFunctions: FunctionDecl[] = [int, uint, double, string, bytes, bool, dyn, type, timestamp, duration];
