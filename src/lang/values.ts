// Runtime values of the expression language.
//
// The representation is chosen so that input data is used as it is (no conversion on
// the hot path) while CEL's types stay distinguishable:
//
//   CEL type    JS value
//   null        null
//   bool        boolean
//   int         bigint          (64-bit range checked on every arithmetic result)
//   uint        CelUint         (wraps a bigint)
//   double      number          (so every JSON number in the input is a CEL double)
//   string      string
//   bytes       Uint8Array
//   list        Array
//   map         Map (built by expressions) or a plain object (input data, string keys)
//   timestamp   CelTimestamp    (nanoseconds since the epoch, bigint)
//   duration    CelDuration     (nanoseconds, bigint)
//   type        CelType
//   optional    CelOptional     (only ever made by the language: `optional.of`, `a.?b`, ...)
//
// Errors are thrown as EvaluationError and absorbed where CEL says so (&&, ||, ?:, macros).

import { EvaluationError } from './errors.js';

export class CelUint {
  constructor(readonly value: bigint) {}
  toString(): string {
    return `${this.value}u`;
  }
}

export const NS_PER_SECOND = 1_000_000_000n;
/** 0001-01-01T00:00:00Z and 9999-12-31T23:59:59.999999999Z, the range CEL allows. */
export const MIN_TIMESTAMP_NS = -62135596800n * NS_PER_SECOND;
export const MAX_TIMESTAMP_NS = 253402300799n * NS_PER_SECOND + 999_999_999n;
/**
 * A CEL duration is one int64 of nanoseconds, about +-292 years (cel-spec langdef, "Overflow"),
 * narrower than google.protobuf.Duration's +-10,000 years: the difference of two far-apart
 * timestamps is an error.
 */
export const MIN_DURATION_NS = -(2n ** 63n);
export const MAX_DURATION_NS = 2n ** 63n - 1n;

export class CelTimestamp {
  constructor(readonly ns: bigint) {}
  static fromMillis(ms: number): CelTimestamp {
    return new CelTimestamp(BigInt(Math.trunc(ms)) * 1_000_000n);
  }
  toMillis(): number {
    return Number(this.ns / 1_000_000n);
  }
}

export class CelDuration {
  constructor(readonly ns: bigint) {}
}

export class CelType {
  private static readonly byName = new Map<string, CelType>();
  private constructor(readonly name: string) {}
  static of(name: string): CelType {
    let t = CelType.byName.get(name);
    if (t === undefined) CelType.byName.set(name, (t = new CelType(name)));
    return t;
  }
  toString(): string {
    return this.name;
  }
}

/**
 * A CEL optional value (cel-go's optional types): `optional.of(v)` or `optional.none()`.
 * Only the language makes one (`optional.*`, `a.?b`, `l[?i]`): the constructor is private,
 * and `instanceof` tests the private field, so neither input data (JSON has no classes) nor
 * an object made from the prototype passes for one. `none` is a singleton.
 */
export class CelOptional {
  static readonly none: CelOptional = new CelOptional(undefined);
  static [Symbol.hasInstance](v: unknown): boolean {
    return typeof v === 'object' && v !== null && #inner in v;
  }
  readonly #inner: unknown;
  private constructor(inner: unknown) {
    this.#inner = inner;
  }
  static of(value: unknown): CelOptional {
    return new CelOptional(value);
  }
  hasValue(): boolean {
    return this !== CelOptional.none;
  }
  /** The value; an error for `optional.none()`. */
  value(): unknown {
    if (this === CelOptional.none)
      throw new EvaluationError('invalid_argument', '`optional.none()` has no value (use `orValue` for a default)');
    return this.#inner;
  }
  /** The value, or undefined for `optional.none()`. */
  get valueOrUndefined(): unknown {
    return this.#inner;
  }
}

export type Kind =
  | 'null'
  | 'bool'
  | 'int'
  | 'uint'
  | 'double'
  | 'string'
  | 'bytes'
  | 'list'
  | 'map'
  | 'timestamp'
  | 'duration'
  | 'type'
  | 'optional'
  | 'unknown';

/** The CEL kind of a runtime value; 'unknown' for JS values CEL has no type for. */
export function kindOf(v: unknown): Kind {
  switch (typeof v) {
    case 'number':
      return 'double';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'bigint':
      return 'int';
    case 'object':
      if (v === null) return 'null';
      if (Array.isArray(v)) return 'list';
      if (v instanceof CelUint) return 'uint';
      if (v instanceof CelTimestamp) return 'timestamp';
      if (v instanceof CelDuration) return 'duration';
      if (v instanceof CelType) return 'type';
      if (v instanceof Uint8Array) return 'bytes';
      if (v instanceof Map) return 'map';
      if (v instanceof CelOptional) return 'optional';
      // Collections whose content is not in own properties would read as empty maps (a Set
      // of roles as no roles, so `exists` over it says false): they are values CEL has no
      // type for, and every operation on them is an error.
      if (opaque(v)) return 'unknown';
      // Any other object (a plain object, a host class instance) is a map of its own
      // enumerable properties; its prototype is never visible.
      return 'map';
    default:
      return 'unknown';
  }
}

function opaque(v: object): boolean {
  const p = Object.getPrototypeOf(v);
  if (p === Object.prototype || p === null) return false;
  return (
    v instanceof Set ||
    v instanceof WeakMap ||
    v instanceof WeakSet ||
    v instanceof Promise ||
    v instanceof ArrayBuffer ||
    ArrayBuffer.isView(v) ||
    typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] === 'function'
  );
}

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
export const UINT64_MAX = 2n ** 64n - 1n;

export function checkInt(v: bigint): bigint {
  if (v < INT64_MIN || v > INT64_MAX) throw new EvaluationError('overflow', 'integer overflow');
  return v;
}

export function checkUint(v: bigint): CelUint {
  if (v < 0n || v > UINT64_MAX) throw new EvaluationError('overflow', 'unsigned integer overflow');
  return new CelUint(v);
}

export function typeNameOf(v: unknown): string {
  const k = kindOf(v);
  switch (k) {
    case 'null':
      return 'null_type';
    case 'timestamp':
      return 'google.protobuf.Timestamp';
    case 'duration':
      return 'google.protobuf.Duration';
    case 'optional':
      return 'optional_type';
    case 'unknown':
      return typeof v === 'object' && v !== null ? `unsupported ${(v as object).constructor?.name ?? 'object'}` : typeof v;
    default:
      return k;
  }
}

/** Own enumerable field of a map value; undefined when absent. Never reads the prototype chain. */
export function mapGet(m: object, key: unknown): unknown {
  if (m instanceof Map) {
    const direct = m.get(key);
    if (direct !== undefined) return direct;
    const nk = numericKey(key);
    if (nk === undefined) return undefined;
    for (const [k, v] of m) if (numericKey(k) === nk) return v;
    return undefined;
  }
  if (typeof key !== 'string') return undefined;
  return Object.prototype.hasOwnProperty.call(m, key) ? (m as Record<string, unknown>)[key] : undefined;
}

export function mapHas(m: object, key: unknown): boolean {
  return mapGet(m, key) !== undefined;
}

export function mapKeys(m: object): unknown[] {
  if (m instanceof Map) return [...m.keys()];
  return Object.keys(m).filter((k) => (m as Record<string, unknown>)[k] !== undefined);
}

export function mapSize(m: object): number {
  return m instanceof Map ? m.size : mapKeys(m).length;
}

export function mapEntries(m: object): [unknown, unknown][] {
  if (m instanceof Map) return [...m.entries()];
  const out: [unknown, unknown][] = [];
  for (const k of Object.keys(m)) {
    const v = (m as Record<string, unknown>)[k];
    if (v !== undefined) out.push([k, v]);
  }
  return out;
}

/** Integral numbers of any CEL numeric type share one key, so {1: x}[1u] and [1.0] find x. */
function numericKey(k: unknown): bigint | undefined {
  if (typeof k === 'bigint') return k;
  if (k instanceof CelUint) return k.value;
  if (typeof k === 'number' && Number.isInteger(k)) return BigInt(k);
  return undefined;
}

// ------------------------------------------------------------------ equality and order

/** CEL equality (heterogeneous: numbers compare by value across int, uint and double). */
/** Nesting depth at which comparing two values gives up (a cyclic input is infinitely deep). */
export const MAX_VALUE_DEPTH = 100;

export function celEquals(a: unknown, b: unknown, depth = 0): boolean {
  if (a === b) return typeof a !== 'number' || !Number.isNaN(a);
  const ta = typeof a;
  const tb = typeof b;
  if (ta === 'number' || ta === 'bigint' || a instanceof CelUint) {
    if (tb === 'number' || tb === 'bigint' || b instanceof CelUint) return compareNumbers(a, b) === 0;
    return false;
  }
  if (ta !== 'object' || tb !== 'object' || a === null || b === null) return false;
  if (depth > MAX_VALUE_DEPTH) throw new EvaluationError('limit_exceeded', `values nest deeper than ${MAX_VALUE_DEPTH} levels`);
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!celEquals(a[i], b[i], depth + 1)) return false;
    return true;
  }
  if (a instanceof CelTimestamp) return b instanceof CelTimestamp && a.ns === b.ns;
  if (a instanceof CelDuration) return b instanceof CelDuration && a.ns === b.ns;
  if (a instanceof CelType) return false; // interned: identity handled above
  if (a instanceof CelOptional) {
    if (!(b instanceof CelOptional) || a.hasValue() !== b.hasValue()) return false;
    return !a.hasValue() || celEquals(a.valueOrUndefined, b.valueOrUndefined, depth + 1);
  }
  if (a instanceof Uint8Array) {
    if (!(b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (kindOf(a) === 'map' && kindOf(b) === 'map') {
    const x = a as object;
    const y = b as object;
    if (mapSize(x) !== mapSize(y)) return false;
    for (const [k, v] of mapEntries(x)) {
      const w = mapGet(y, k);
      if (w === undefined || !celEquals(v, w, depth + 1)) return false;
    }
    return true;
  }
  return false;
}

/**
 * Compares two CEL numbers of any numeric type; NaN compares as undefined. int and uint
 * compare exactly; an int or uint against a double compares as doubles, the way cel-spec
 * wants it (`9223372036854775807 < 9223372036854775808.0` is false: the int rounds to the
 * double), so that `<`, `==` and `>` stay consistent with each other.
 */
export function compareNumbers(a: unknown, b: unknown): number | undefined {
  let x = a instanceof CelUint ? a.value : (a as number | bigint);
  let y = b instanceof CelUint ? b.value : (b as number | bigint);
  if (typeof x !== typeof y) {
    x = Number(x);
    y = Number(y);
  }
  return x < y ? -1 : x > y ? 1 : x === y ? 0 : undefined;
}

/** CEL ordering for <, <=, >, >=; throws no_matching_overload for unordered kinds. */
export function celCompare(a: unknown, b: unknown): number | undefined {
  const ka = kindOf(a);
  const kb = kindOf(b);
  const na = ka === 'int' || ka === 'uint' || ka === 'double';
  const nb = kb === 'int' || kb === 'uint' || kb === 'double';
  if (na && nb) return compareNumbers(a, b);
  if (ka === kb) {
    switch (ka) {
      case 'string':
        return compareStrings(a as string, b as string);
      case 'bool':
        return a === b ? 0 : a ? 1 : -1;
      case 'timestamp':
      case 'duration': {
        const x = (a as CelTimestamp).ns;
        const y = (b as CelTimestamp).ns;
        return x < y ? -1 : x > y ? 1 : 0;
      }
      case 'bytes': {
        const x = a as Uint8Array;
        const y = b as Uint8Array;
        const n = Math.min(x.length, y.length);
        for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
        return x.length - y.length < 0 ? -1 : x.length > y.length ? 1 : 0;
      }
    }
  }
  throw noOverload('_<_', [a, b]);
}

/** Strings order by code point (CEL), not by UTF-16 unit (JS). */
export function compareStrings(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs === ys) return x < y ? -1 : 1;
    return xs ? 1 : -1; // a surrogate encodes a code point above every BMP unit
  }
  return a.length < b.length ? -1 : 1;
}

export function noOverload(fn: string, args: unknown[]): EvaluationError {
  return new EvaluationError('no_matching_overload', `no such overload: \`${fn}\` does not take (${args.map(typeNameOf).join(', ')})`);
}

// ------------------------------------------------------------------ input sanitation
