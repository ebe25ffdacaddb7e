// What generated code calls: the slow paths and error constructors, each with exactly the
// semantics of the closure compiler's (src/compile/compile.ts), which it reuses where it can.
// Generated code inlines only the fast paths (numbers, strings, plain-object reads) and
// calls these for everything else, so the two compilers cannot drift apart on a rare case.
//
// The names and what they do are the interface between the engine and a prebuilt module
// (`llm-policy build`): a change here is a change of CODEGEN_FORMAT.

import { EvaluationError, toEvaluationError } from '../../lang/errors.js';
import * as ops from '../../lang/operators.js';
import {
  CelDuration,
  CelOptional,
  CelTimestamp,
  CelType,
  CelUint,
  kindOf,
  mapEntries,
  mapKeys,
  noOverload,
  typeNameOf,
} from '../../lang/values.js';
import { Failed, UNSET, readField, readFieldChecked, readVar, type Frame } from '../frame.js';

/** Bumped whenever generated code or the runtime below changes meaning. */
export const CODEGEN_FORMAT = 2;

function readVarOwn(input: Record<string, unknown>, name: string, pos: number): unknown {
  const v = Object.prototype.hasOwnProperty.call(input, name) ? input[name] : undefined;
  if (v === undefined) throw new EvaluationError('unknown_variable', `unknown variable \`${name}\``, pos);
  return ops.fromHost(v);
}

/** `root.a.b` read field by field, as the closures read a path the fast path could not. */
function readPath(root: unknown, names: readonly string[], poss: readonly number[]): unknown {
  let o = root;
  for (let i = 0; i < names.length; i++) o = readField(o, names[i]!, poss[i]!);
  return o;
}

function readPathChecked(root: unknown, names: readonly string[], poss: readonly number[]): unknown {
  let o = root;
  for (let i = 0; i < names.length; i++) o = readFieldChecked(o, names[i]!, poss[i]!);
  return o;
}

/** A path from an input variable, read slowly (the variable may be missing, or a Date). */
function readVarPath(
  input: Record<string, unknown>,
  name: string,
  rootPos: number,
  names: readonly string[],
  poss: readonly number[],
): unknown {
  return readPath(readVar(input, name, rootPos), names, poss);
}

function now(f: Frame): CelTimestamp {
  return (f.now ??= CelTimestamp.fromMillis(f.clock()));
}

function limit(f: Frame, pos: number): EvaluationError {
  return new EvaluationError('limit_exceeded', `more than ${f.maxSteps} evaluation steps`, pos);
}

/** What a macro iterates: a list, or a map's keys. */
function items(coll: unknown, name: string, pos: number): unknown[] {
  if (Array.isArray(coll)) return coll;
  if (name === 'sortBy') throw new EvaluationError('no_matching_overload', '`sortBy` needs a list', pos);
  if (kindOf(coll) === 'map') return mapKeys(coll as object);
  throw new EvaluationError('no_matching_overload', `\`${name}\` needs a list or a map, not ${typeNameOf(coll)}`, pos);
}

/**
 * What a two-variable comprehension iterates: [keys, values] of a map, or [undefined, the
 * list] (the first variable is then the index).
 */
function entries2(coll: unknown, name: string, pos: number): [unknown[] | undefined, unknown[]] {
  if (Array.isArray(coll)) return [undefined, coll];
  if (kindOf(coll) !== 'map') throw new EvaluationError('no_matching_overload', `\`${name}\` needs a list or a map`, pos);
  const entries = mapEntries(coll as object);
  return [entries.map((x) => x[0]), entries.map((x) => x[1])];
}

/**
 * `t.or(alt)` / `t.orValue(alt)` once `t` is known not to be an optional with a value: the
 * registry's function on a non-optional (its error), else the alternative.
 */
function orElse(impl: (t: unknown, alt: unknown) => unknown, t: unknown, alt: unknown, isOr: boolean): unknown {
  if (!(t instanceof CelOptional)) return impl(t, alt);
  if (isOr && !(alt instanceof CelOptional)) throw noOverload('or', [t, alt]);
  return alt;
}

/** Checks a key of a map literal before it is set (kind, duplicate). */
function mapKey(m: Map<unknown, unknown>, k: unknown, pos: number): void {
  const kk = kindOf(k);
  if (kk !== 'string' && kk !== 'int' && kk !== 'uint' && kk !== 'bool') {
    throw new EvaluationError('invalid_argument', `unsupported map key type ${kk}`, pos);
  }
  for (const x of m.keys()) if (ops.eq(x, k)) throw new EvaluationError('invalid_argument', `duplicate map key \`${String(k)}\``, pos);
}

/** `s in list` for a string and a list: each element is a step. */
function inStrs(f: Frame, v: string, c: unknown[], pos: number): boolean {
  if ((f.steps += c.length) > f.maxSteps) throw limit(f, pos);
  for (let i = 0; i < c.length; i++) if (c[i] === v) return true;
  // no identical string: only a non-string element could still be equal (never, in CEL)
  return false;
}

/** `v in c` in general. */
function inDyn(f: Frame, v: unknown, c: unknown, pos: number): boolean {
  if (typeof v === 'string' && Array.isArray(c)) return inStrs(f, v, c, pos);
  if (Array.isArray(c) && (f.steps += c.length) > f.maxSteps) throw limit(f, pos);
  try {
    return ops.inOp(v, c);
  } catch (err) {
    throw toEvaluationError(err, pos);
  }
}

const BINARY = { add: ops.add, sub: ops.sub, mul: ops.mul, div: ops.div, mod: ops.mod, lt: ops.lt, le: ops.le, gt: ops.gt, ge: ops.ge };
export type BinaryName = keyof typeof BINARY;

/** An operator outside its fast path, with the error positioned at the operator. */
function opAt(name: BinaryName, a: unknown, b: unknown, pos: number): unknown {
  try {
    return BINARY[name](a, b);
  } catch (err) {
    throw toEvaluationError(err, pos);
  }
}

function negAt(v: unknown, pos: number): unknown {
  try {
    return ops.neg(v);
  } catch (err) {
    throw toEvaluationError(err, pos);
  }
}

function notAt(v: unknown, pos: number): never {
  throw toEvaluationError(noOverload('!_', [v]), pos);
}

function indexAt(c: unknown, k: unknown, pos: number): unknown {
  try {
    return ops.index(c, k);
  } catch (err) {
    throw toEvaluationError(err, pos);
  }
}

/** The error of `&&`/`||` on an operand that is not a bool (unpositioned, as in the closures). */
function notBools(what: string, v: unknown): EvaluationError {
  return new EvaluationError('no_matching_overload', `the operands of ${what} must be bools, got ${kindOf(v)}`);
}

function notBool(v: unknown): EvaluationError {
  return new EvaluationError('no_matching_overload', `expected a bool, got ${kindOf(v)}`);
}

/** A plain object from entries (a constant folded from a builtin); `__proto__` stays a key. */
function obj(entries: [string, unknown][], nullProto: boolean): Record<string, unknown> {
  const o = Object.fromEntries(entries) as Record<string, unknown>;
  return nullProto ? Object.assign(Object.create(null) as Record<string, unknown>, o) : o;
}

/**
 * The runtime handed to generated code. Every key is bound to a local of the same name at the
 * top of a generated module, so generated code reads them as plain identifiers.
 */
export const RUNTIME = {
  EE: EvaluationError,
  at: toEvaluationError,
  UNSET,
  Failed,
  getProto: Object.getPrototypeOf,
  isArray: Array.isArray,
  OBJP: Object.prototype,
  readVar,
  readVarOwn,
  readField,
  readFieldChecked,
  readPath,
  readPathChecked,
  readVarPath,
  hasField: ops.hasField,
  fromHost: ops.fromHost,
  asBool: ops.asBool,
  eq: ops.eq,
  inOp: ops.inOp,
  kindOf,
  now,
  limit,
  items,
  mapKey,
  inStrs,
  inDyn,
  opAt,
  negAt,
  notAt,
  indexAt,
  notBools,
  notBool,
  obj,
  entries2,
  orElse,
  optSelect: ops.optSelect,
  optIndex: ops.optIndex,
  optionalEntry: ops.optionalEntry,
  mapInsertAll: ops.mapInsertAll,
  CelUint,
  CelTimestamp,
  CelDuration,
  CelType,
  CelOptional,
};
