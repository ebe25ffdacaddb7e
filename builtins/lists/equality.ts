// CEL equality over many values at once, for `distinct()` and the `sets.*` functions, in
// linear time for the values that can be hashed.
//
// CEL equality is heterogeneous (`1 == 1u == 1.0`) and NaN equals nothing, so a value's hash key
// must be the same for every value it equals. The keys below are exact for null, bools, strings,
// bytes, timestamps, durations, types and for numbers of magnitude below 2^53: an int or uint
// there converts to a double exactly, and two such numbers are equal exactly when their doubles
// are. Numbers of magnitude 2^53 or more are not hashed: an int there compares with a double
// after rounding (`9007199254740993 == 9007199254740992.0`), which is not transitive, so no key
// can stand for it. They, lists and maps take the slow path: a comparison with each of the
// other unhashed values, through celEquals.
//
// The slow path is O(n*m) in the number of unhashed values. A builtin cannot charge the
// decision's step budget (it never sees the frame), so each call carries its own budget of
// MAX_PAIRWISE comparisons and fails with limit_exceeded beyond it: a policy cannot make one
// call do unbounded quadratic work on a large input of lists or maps.

import { EvaluationError } from '../../src/lang/library.js';
import { fromHost } from '../../src/lang/library.js';
import { CelDuration, CelTimestamp, CelType, CelUint, celEquals } from '../../src/lang/library.js';

/** Comparisons of unhashable values allowed in one call (the default maxSteps of a decision). */
export const MAX_PAIRWISE = 1_000_000;

/** The key of a value that equals nothing (NaN). */
export const NEVER: unique symbol = Symbol('never-equal');

const EXACT = 2 ** 53;
const EXACT_N = 2n ** 53n;

function bytesKey(b: Uint8Array): string {
  let s = 'y';
  // chunks keep String.fromCharCode's argument count small
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

/**
 * The hash key of a value under CEL equality: equal values have equal keys and values with
 * equal keys are equal. NEVER for NaN; undefined when the value must be compared one by one.
 */
export function hashKey(value: unknown): string | typeof NEVER | undefined {
  const v = fromHost(value);
  switch (typeof v) {
    case 'string':
      return `s${v}`;
    case 'boolean':
      return v ? 'b1' : 'b0';
    case 'number':
      if (Number.isNaN(v)) return NEVER;
      // String(-0) is '0': -0.0 == 0.0 in CEL as well
      return v > -EXACT && v < EXACT ? `n${v}` : Number.isFinite(v) ? undefined : `n${v}`;
    case 'bigint':
      return v > -EXACT_N && v < EXACT_N ? `n${v}` : undefined;
    case 'object':
      if (v === null) return 'z';
      if (v instanceof CelUint) return v.value < EXACT_N ? `n${v.value}` : undefined;
      if (v instanceof Uint8Array) return bytesKey(v);
      if (v instanceof CelTimestamp) return `t${v.ns}`;
      if (v instanceof CelDuration) return `d${v.ns}`;
      if (v instanceof CelType) return `T${v.name}`;
      return undefined; // lists and maps
    default:
      return undefined;
  }
}

/** Counts the comparisons of the slow path of one call. */
export class PairwiseBudget {
  private used = 0;
  constructor(
    private readonly fn: string,
    private readonly max = MAX_PAIRWISE,
  ) {}
  equals(a: unknown, b: unknown): boolean {
    if (++this.used > this.max) {
      throw new EvaluationError(
        'limit_exceeded',
        `\`${this.fn}\` compared more than ${this.max} pairs of lists or maps; hashable elements (numbers, strings, ...) have no such limit`,
      );
    }
    return celEquals(a, b);
  }
}

/** The values of a list as a set under CEL equality, for membership tests. */
export class ValueSet {
  private readonly keys = new Set<string>();
  /** Values without a hash key, compared one by one. */
  private readonly others: unknown[] = [];
  private readonly budget: PairwiseBudget;

  /** `values` are indexed without removing repeats (which would compare them pairwise). */
  constructor(fn: string, values: readonly unknown[] = [], budget?: PairwiseBudget) {
    this.budget = budget ?? new PairwiseBudget(fn);
    for (const v of values) {
      const k = hashKey(v);
      if (typeof k === 'string') this.keys.add(k);
      else if (k === undefined) this.others.push(v);
    }
  }

  /** Adds a value; false when an equal value was already there. NaN is always added. */
  add(value: unknown): boolean {
    const k = hashKey(value);
    if (k === NEVER) return true;
    if (k !== undefined) {
      if (this.keys.has(k)) return false;
      this.keys.add(k);
      return true;
    }
    if (this.hasOther(value)) return false;
    this.others.push(value);
    return true;
  }

  has(value: unknown): boolean {
    const k = hashKey(value);
    if (k === NEVER) return false;
    if (k !== undefined) return this.keys.has(k);
    return this.hasOther(value);
  }

  private hasOther(value: unknown): boolean {
    for (const o of this.others) if (this.budget.equals(value, o)) return true;
    return false;
  }
}
