// cel.expr.Value (in its protobuf JSON form, as @bufbuild/cel-spec ships it) to our runtime
// values, and a strict comparison for the conformance runner.
//
// The comparison is stricter than CEL's `==`: the expected value's type must match too, so
// `1` is not accepted where `1u` or `1.0` is expected. Doubles compare exactly, with NaN equal
// to NaN (the suite writes an expected NaN as `"NaN"`).

import { CelDuration, CelTimestamp, CelType, CelUint, kindOf, mapEntries } from '../../src/lang/values.js';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };
type Obj = { [k: string]: JsonValue };

/** Thrown for a value the runner cannot represent (a protobuf message, an enum): the test is skipped. */
export class Unrepresentable extends Error {}

/** Converts a cel.expr.Value in JSON form. */
export function fromValue(v: Obj): unknown {
  if ('nullValue' in v) return null;
  if ('boolValue' in v) return v.boolValue as boolean;
  if ('int64Value' in v) return BigInt(v.int64Value as string | number);
  if ('uint64Value' in v) return new CelUint(BigInt(v.uint64Value as string | number));
  if ('doubleValue' in v) return Number(v.doubleValue); // "NaN", "Infinity", "-Infinity" included
  if ('stringValue' in v) return v.stringValue as string;
  if ('bytesValue' in v) return base64(v.bytesValue as string);
  if ('listValue' in v) return (((v.listValue as Obj).values ?? []) as Obj[]).map(fromValue);
  if ('mapValue' in v) {
    const m = new Map<unknown, unknown>();
    for (const e of ((v.mapValue as Obj).entries ?? []) as Obj[]) m.set(fromValue(e.key as Obj), fromValue(e.value as Obj));
    return m;
  }
  if ('typeValue' in v) return CelType.of(v.typeValue as string);
  if ('objectValue' in v) return fromAny(v.objectValue as Obj);
  if ('enumValue' in v) throw new Unrepresentable('enum values need protobuf enum types');
  throw new Unrepresentable(`unknown cel.expr.Value form: ${JSON.stringify(v)}`);
}

const WELL_KNOWN = 'type.googleapis.com/google.protobuf.';

/** A google.protobuf.Any in JSON form: well-known types become CEL values, messages are unrepresentable. */
function fromAny(a: Obj): unknown {
  const url = a['@type'] as string;
  if (!url.startsWith(WELL_KNOWN)) throw new Unrepresentable(`protobuf message ${url}`);
  const name = url.slice(WELL_KNOWN.length);
  const value = a.value as JsonValue;
  switch (name) {
    case 'Timestamp':
      return new CelTimestamp(parseTimestamp(value as string));
    case 'Duration':
      return new CelDuration(parseDuration(value as string));
    case 'Int32Value':
    case 'Int64Value':
      return BigInt(value as string | number);
    case 'UInt32Value':
    case 'UInt64Value':
      return new CelUint(BigInt(value as string | number));
    case 'FloatValue':
    case 'DoubleValue':
      return Number(value);
    case 'BoolValue':
    case 'StringValue':
      return value;
    case 'BytesValue':
      return base64(value as string);
    case 'Value':
    case 'Struct':
    case 'ListValue':
      return fromJson(value);
  }
  throw new Unrepresentable(`protobuf message google.protobuf.${name}`);
}

/** google.protobuf.Value: numbers are doubles, objects are maps with string keys. */
function fromJson(v: JsonValue): unknown {
  if (Array.isArray(v)) return v.map(fromJson);
  if (v !== null && typeof v === 'object') return new Map(Object.entries(v).map(([k, x]) => [k, fromJson(x)]));
  return v;
}

function base64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'));
}

/** RFC 3339 (as protobuf JSON writes a Timestamp) to nanoseconds since the epoch. */
export function parseTimestamp(s: string): bigint {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m) throw new Unrepresentable(`bad timestamp ${s}`);
  const [, y, mo, d, h, mi, se, frac, off] = m;
  const date = new Date(0);
  date.setUTCFullYear(Number(y), Number(mo) - 1, Number(d));
  date.setUTCHours(Number(h), Number(mi), Number(se), 0);
  let secs = BigInt(date.getTime() / 1000);
  if (off !== 'Z') {
    const sign = off![0] === '-' ? -1n : 1n;
    secs -= sign * (BigInt(off!.slice(1, 3)) * 3600n + BigInt(off!.slice(4, 6)) * 60n);
  }
  return secs * 1_000_000_000n + BigInt((frac ?? '').padEnd(9, '0'));
}

/** Protobuf JSON Duration (`"-1.5s"`) to nanoseconds. */
export function parseDuration(s: string): bigint {
  const m = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(s);
  if (!m) throw new Unrepresentable(`bad duration ${s}`);
  const ns = BigInt(m[2]!) * 1_000_000_000n + BigInt((m[3] ?? '').padEnd(9, '0'));
  return m[1] ? -ns : ns;
}

/** Same CEL type and same value; maps compare as unordered sets of entries. */
export function sameValue(expected: unknown, actual: unknown): boolean {
  const k = kindOf(expected);
  if (k !== kindOf(actual)) return false;
  switch (k) {
    case 'null':
      return true;
    case 'bool':
    case 'string':
    case 'int':
      return expected === actual;
    case 'double':
      return Object.is(expected, actual); // exact: NaN matches NaN, -0 does not match 0
    case 'uint':
      return (expected as CelUint).value === (actual as CelUint).value;
    case 'bytes': {
      const a = expected as Uint8Array;
      const b = actual as Uint8Array;
      return a.length === b.length && a.every((x, i) => x === b[i]);
    }
    case 'list': {
      const a = expected as unknown[];
      const b = actual as unknown[];
      return a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
    }
    case 'map': {
      const a = mapEntries(expected as object);
      const b = mapEntries(actual as object);
      return a.length === b.length && a.every(([ka, va]) => b.some(([kb, vb]) => sameValue(ka, kb) && sameValue(va, vb)));
    }
    case 'timestamp':
    case 'duration':
      return (expected as CelTimestamp).ns === (actual as CelTimestamp).ns;
    case 'type':
      return (expected as CelType).name === (actual as CelType).name;
    default:
      return false;
  }
}

/** A readable rendering of a runtime value, with its type, for failure messages. */
export function show(v: unknown): string {
  switch (kindOf(v)) {
    case 'null':
      return 'null';
    case 'bool':
      return String(v);
    case 'int':
      return `${String(v)} (int)`;
    case 'uint':
      return `${(v as CelUint).value}u`;
    case 'double':
      return `${Object.is(v, -0) ? '-0' : String(v)} (double)`;
    case 'string':
      return JSON.stringify(v);
    case 'bytes':
      return `b[${[...(v as Uint8Array)].join(',')}]`;
    case 'list':
      return `[${(v as unknown[]).map(show).join(', ')}]`;
    case 'map':
      return `{${mapEntries(v as object)
        .map(([a, b]) => `${show(a)}: ${show(b)}`)
        .join(', ')}}`;
    case 'timestamp':
      return `timestamp(${(v as CelTimestamp).ns}ns)`;
    case 'duration':
      return `duration(${(v as CelDuration).ns}ns)`;
    case 'type':
      return `type(${(v as CelType).name})`;
    default:
      return `<${typeof v}: ${String(v)}>`;
  }
}
