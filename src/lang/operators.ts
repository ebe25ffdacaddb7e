// Runtime semantics of CEL's operators, shared by the reference interpreter and the
// compiler (which adds fast paths in front of these for the common kinds).
//
// One documented deviation: arithmetic mixing a double with an int or uint yields a double
// (CEL reports no_matching_overload). Every JSON number in the input is a double, so
// `request.max_tokens * 2` would otherwise be an error in almost every policy.

import type { Expr } from './ast.js';
import { EvaluationError } from './errors.js';
import {
  CelDuration,
  CelOptional,
  CelTimestamp,
  CelUint,
  INT64_MIN,
  MAX_DURATION_NS,
  MAX_TIMESTAMP_NS,
  MIN_DURATION_NS,
  MIN_TIMESTAMP_NS,
  celCompare,
  celEquals,
  checkInt,
  checkUint,
  kindOf,
  mapEntries,
  mapGet,
  mapHas,
  noOverload,
} from './values.js';

function num(v: unknown): number {
  return v instanceof CelUint ? Number(v.value) : Number(v as bigint);
}

function mixedDouble(a: unknown, b: unknown): boolean {
  const ta = typeof a;
  const tb = typeof b;
  return (ta === 'number' && (tb === 'bigint' || b instanceof CelUint)) || (tb === 'number' && (ta === 'bigint' || a instanceof CelUint));
}

export function timestampOf(ns: bigint): CelTimestamp {
  if (ns < MIN_TIMESTAMP_NS || ns > MAX_TIMESTAMP_NS) throw new EvaluationError('overflow', 'timestamp out of range');
  return new CelTimestamp(ns);
}

export function durationOf(ns: bigint): CelDuration {
  if (ns < MIN_DURATION_NS || ns > MAX_DURATION_NS) throw new EvaluationError('overflow', 'duration out of range');
  return new CelDuration(ns);
}

export function add(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (typeof a === 'bigint' && typeof b === 'bigint') return checkInt(a + b);
  if (typeof a === 'string' && typeof b === 'string') return a + b;
  if (a instanceof CelUint && b instanceof CelUint) return checkUint(a.value + b.value);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === 0 ? b : b.length === 0 ? a : a.concat(b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    const out = new Uint8Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
  }
  if (a instanceof CelTimestamp && b instanceof CelDuration) return timestampOf(a.ns + b.ns);
  if (a instanceof CelDuration && b instanceof CelTimestamp) return timestampOf(a.ns + b.ns);
  if (a instanceof CelDuration && b instanceof CelDuration) return durationOf(a.ns + b.ns);
  if (mixedDouble(a, b)) return num(a) + num(b);
  throw noOverload('_+_', [a, b]);
}

export function sub(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'bigint' && typeof b === 'bigint') return checkInt(a - b);
  if (a instanceof CelUint && b instanceof CelUint) return checkUint(a.value - b.value);
  if (a instanceof CelTimestamp && b instanceof CelTimestamp) return durationOf(a.ns - b.ns);
  if (a instanceof CelTimestamp && b instanceof CelDuration) return timestampOf(a.ns - b.ns);
  if (a instanceof CelDuration && b instanceof CelDuration) return durationOf(a.ns - b.ns);
  if (mixedDouble(a, b)) return num(a) - num(b);
  throw noOverload('_-_', [a, b]);
}

export function mul(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a * b;
  if (typeof a === 'bigint' && typeof b === 'bigint') return checkInt(a * b);
  if (a instanceof CelUint && b instanceof CelUint) return checkUint(a.value * b.value);
  if (mixedDouble(a, b)) return num(a) * num(b);
  throw noOverload('_*_', [a, b]);
}

export function div(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') return a / b;
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    if (b === 0n) throw new EvaluationError('division_by_zero', 'division by zero');
    if (a === INT64_MIN && b === -1n) throw new EvaluationError('overflow', 'integer overflow');
    return a / b;
  }
  if (a instanceof CelUint && b instanceof CelUint) {
    if (b.value === 0n) throw new EvaluationError('division_by_zero', 'division by zero');
    return new CelUint(a.value / b.value);
  }
  if (mixedDouble(a, b)) return num(a) / num(b);
  throw noOverload('_/_', [a, b]);
}

export function mod(a: unknown, b: unknown): unknown {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    if (b === 0n) throw new EvaluationError('modulus_by_zero', 'modulus by zero');
    if (a === INT64_MIN && b === -1n) throw new EvaluationError('overflow', 'integer overflow');
    return a % b;
  }
  if (a instanceof CelUint && b instanceof CelUint) {
    if (b.value === 0n) throw new EvaluationError('modulus_by_zero', 'modulus by zero');
    return new CelUint(a.value % b.value);
  }
  throw noOverload('_%_', [a, b]);
}

export function neg(a: unknown): unknown {
  if (typeof a === 'number') return -a;
  if (typeof a === 'bigint') return checkInt(-a);
  if (a instanceof CelDuration) return durationOf(-a.ns);
  throw noOverload('-_', [a]);
}

export function not(a: unknown): boolean {
  if (typeof a === 'boolean') return !a;
  throw noOverload('!_', [a]);
}

export function eq(a: unknown, b: unknown): boolean {
  return celEquals(a, b);
}

export function lt(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a < b;
  const c = celCompare(a, b);
  return c !== undefined && c < 0;
}
export function le(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a <= b;
  const c = celCompare(a, b);
  return c !== undefined && c <= 0;
}
export function gt(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a > b;
  const c = celCompare(a, b);
  return c !== undefined && c > 0;
}
export function ge(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a >= b;
  const c = celCompare(a, b);
  return c !== undefined && c >= 0;
}

export function inOp(a: unknown, coll: unknown): boolean {
  if (Array.isArray(coll)) {
    for (let i = 0; i < coll.length; i++) if (celEquals(a, coll[i])) return true;
    return false;
  }
  if (typeof coll === 'object' && coll !== null && kindOf(coll) === 'map') return mapHas(coll, a);
  throw noOverload('@in', [a, coll]);
}

export function index(coll: unknown, key: unknown): unknown {
  if (coll instanceof CelOptional) return optIndex(coll, key);
  if (Array.isArray(coll)) {
    let i: number;
    if (typeof key === 'bigint') i = Number(key);
    else if (key instanceof CelUint) i = Number(key.value);
    else if (typeof key === 'number' && Number.isInteger(key)) i = key;
    else throw noOverload('_[_]', [coll, key]);
    if (i < 0 || i >= coll.length) {
      throw new EvaluationError('index_out_of_bounds', `index ${String(key)} out of range for a list of ${coll.length}`);
    }
    return fromHost(coll[i]);
  }
  if (typeof coll === 'object' && coll !== null && kindOf(coll) === 'map') {
    const k = kindOf(key);
    if (k !== 'string' && k !== 'int' && k !== 'uint' && k !== 'bool' && k !== 'double') throw noOverload('_[_]', [coll, key]);
    const v = mapGet(coll, key);
    if (v === undefined) throw new EvaluationError('no_such_key', `no such key: \`${String(key)}\``);
    return fromHost(v);
  }
  throw noOverload('_[_]', [coll, key]);
}

/** `a.b`: field of a map (or of an input object). */
export function select(target: unknown, field: string): unknown {
  if (typeof target === 'object' && target !== null) {
    if (target instanceof CelOptional) return target.hasValue() ? optSelect(target.valueOrUndefined, field) : target;
    if (target instanceof Map) {
      const v = target.get(field);
      if (v !== undefined) return fromHost(v);
    } else if (kindOf(target) === 'map') {
      if (Object.prototype.hasOwnProperty.call(target, field)) {
        const v = (target as Record<string, unknown>)[field];
        if (v !== undefined) return fromHost(v);
      }
    } else {
      throw noOverload(`.${field}`, [target]);
    }
    throw new EvaluationError('no_such_field', `no such field: \`${field}\``);
  }
  throw new EvaluationError(
    'no_such_field',
    `no such field: \`${field}\` (on ${kindOf(target) === 'unknown' ? typeof target : kindOf(target)})`,
  );
}

/**
 * `a.?b`: `optional.of(a.b)` when the map `a` has the field `b`, else `optional.none()`. On an
 * optional, the same for its value (`none` stays `none`), so `x.?a.b` is `x.?a.?b` (cel-go).
 */
export function optSelect(target: unknown, field: string): CelOptional {
  if (target instanceof CelOptional) return target.hasValue() ? optSelect(target.valueOrUndefined, field) : target;
  if (typeof target === 'object' && target !== null && kindOf(target) === 'map') {
    const v = mapGet(target, field);
    return v === undefined ? CelOptional.none : CelOptional.of(fromHost(v));
  }
  return CelOptional.of(select(target, field)); // the error select gives
}

/**
 * `a[?i]`: `optional.of(a[i])` when the list has the index or the map the key, else
 * `optional.none()`; on an optional, the same for its value.
 */
export function optIndex(coll: unknown, key: unknown): CelOptional {
  if (coll instanceof CelOptional) return coll.hasValue() ? optIndex(coll.valueOrUndefined, key) : coll;
  try {
    return CelOptional.of(index(coll, key));
  } catch (err) {
    if (err instanceof EvaluationError && (err.code === 'index_out_of_bounds' || err.code === 'no_such_key')) return CelOptional.none;
    throw err;
  }
}

/** `has(a.b)`. */
export function hasField(target: unknown, field: string): boolean {
  if (typeof target === 'object' && target !== null) {
    if (target instanceof CelOptional) return target.hasValue() && hasField(target.valueOrUndefined, field);
    if (target instanceof Map) return target.get(field) !== undefined;
    if (kindOf(target) === 'map') {
      return Object.prototype.hasOwnProperty.call(target, field) && (target as Record<string, unknown>)[field] !== undefined;
    }
  }
  throw noOverload('has', [target]);
}

/** Host values CEL has a type for: a JS Date becomes a timestamp. */
export function fromHost(v: unknown): unknown {
  if (typeof v === 'object' && v !== null && v instanceof Date) {
    const ms = v.getTime();
    if (Number.isNaN(ms)) throw new EvaluationError('unsupported_value', 'invalid Date in input');
    return CelTimestamp.fromMillis(ms);
  }
  return v;
}

/** Truthiness is strict in CEL: only booleans are conditions. */
export function asBool(v: unknown, what: string): boolean {
  if (typeof v === 'boolean') return v;
  throw new EvaluationError('no_matching_overload', `${what} must be a bool, got ${kindOf(v)}`);
}

/** The field name of `a.?f` (the parser writes it as a string literal). */
export function fieldName(e: Expr): string {
  if (e.k === 'lit' && typeof e.value === 'string') return e.value;
  throw new EvaluationError('internal', 'the field of `.?` must be a name', e.pos);
}

/** `[?x]` and `{?k: x}`: whether `x`, which must be an optional, has a value to add. */
export function optionalEntry(v: unknown, pos: number): boolean {
  if (v instanceof CelOptional) return v.hasValue();
  throw new EvaluationError('no_matching_overload', `an optional element (marked \`?\`) needs an optional value, got ${kindOf(v)}`, pos);
}

/**
 * `transformMapEntry`: adds the entries of `entry`, a map, to `out`; a key already there (by
 * CEL equality, so `1` and `1u` collide) is an error, as in cel-go.
 */
export function mapInsertAll(out: Map<unknown, unknown>, entry: unknown, pos: number): void {
  if (typeof entry !== 'object' || entry === null || kindOf(entry) !== 'map') {
    throw new EvaluationError('no_matching_overload', `the result of \`transformMapEntry\` must be a map, got ${kindOf(entry)}`, pos);
  }
  for (const [k, v] of mapEntries(entry)) {
    if (mapGet(out, k) !== undefined) throw new EvaluationError('invalid_argument', `duplicate map key \`${String(k)}\``, pos);
    out.set(k, fromHost(v));
  }
}
