// Aggregates over lists of numbers, for policies (ours, not in cel-go): math.sum, math.avg,
// math.min, math.max, math.percentile. Each is linear in the list, except percentile, which
// sorts (n log n).
//
// Money: amounts are doubles (every JSON number is one). Sums of doubles use compensated
// (Neumaier) summation, so adding many small amounts does not drift the way a plain loop does
// (`math.sum([0.1, 0.2, 0.3]) == 0.6`, where `0.1 + 0.2 + 0.3` is 0.6000000000000001), but a
// double still cannot hold most decimal fractions exactly: compare totals with a margin, or
// keep amounts in integer cents (ints are exact up to 2^63 - 1 and overflow is an error).

import { EvaluationError } from '../../src/lang/library.js';
import { fromHost } from '../../src/lang/library.js';
import { CelUint, checkInt, checkUint, compareNumbers, typeNameOf } from '../../src/lang/library.js';

type NumKind = 'int' | 'uint' | 'double';

function numKind(v: unknown): NumKind | undefined {
  return typeof v === 'number' ? 'double' : typeof v === 'bigint' ? 'int' : v instanceof CelUint ? 'uint' : undefined;
}

function notNumber(fn: string, v: unknown, i: number): EvaluationError {
  return new EvaluationError('no_matching_overload', `\`${fn}\` takes a list of numbers, got ${typeNameOf(fromHost(v))} at index ${i}`);
}

/** What the numbers of a list are: one kind, or `mixed` (ints and uints, no double). */
function kinds(fn: string, list: readonly unknown[]): { int: boolean; uint: boolean; double: boolean } {
  const seen = { int: false, uint: false, double: false };
  for (let i = 0; i < list.length; i++) {
    const k = numKind(list[i]);
    if (k === undefined) throw notNumber(fn, list[i], i);
    seen[k] = true;
  }
  return seen;
}

function empty(fn: string): EvaluationError {
  return new EvaluationError('invalid_argument', `\`${fn}\` of an empty list`);
}

export function toDouble(v: unknown): number {
  return typeof v === 'number' ? v : v instanceof CelUint ? Number(v.value) : Number(v as bigint);
}

/** Neumaier's compensated sum of doubles. */
export function compensatedSum(list: readonly unknown[]): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < list.length; i++) {
    const x = toDouble(list[i]);
    const t = s + x;
    c += Math.abs(s) >= Math.abs(x) ? s - t + x : x - t + s;
    s = t;
  }
  // an infinity or NaN makes the compensation NaN: the plain sum is then the answer
  return Number.isFinite(s) ? s + c : s;
}

/**
 * `math.sum`: ints sum to an int (overflow is an error, judged on the total), uints to a uint,
 * and a list with any double sums to a double. Ints mixed with uints (and no double) are an
 * error, as `1 + 1u` is. The sum of an empty list is the int 0.
 */
export function sum(list: readonly unknown[]): unknown {
  if (list.length === 0) return 0n;
  const k = kinds('math.sum', list);
  if (k.double) return compensatedSum(list);
  if (k.int && k.uint)
    throw new EvaluationError('no_matching_overload', '`math.sum` cannot add ints and uints: convert them with int() or uint() first');
  let total = 0n;
  if (k.uint) {
    for (const x of list) total += (x as CelUint).value;
    return checkUint(total);
  }
  for (const x of list) total += x as bigint;
  return checkInt(total);
}

/** `math.avg`: the mean as a double. Ints are summed exactly before the division. */
export function avg(list: readonly unknown[]): number {
  if (list.length === 0) throw empty('math.avg');
  const k = kinds('math.avg', list);
  if (k.double) return compensatedSum(list) / list.length;
  let total = 0n;
  for (const x of list) total += typeof x === 'bigint' ? x : (x as CelUint).value;
  return Number(total) / list.length;
}

/**
 * The greatest (or least) number of a list, returned as it is (an int stays an int): numbers
 * of different types compare by value, the first of equal values wins, and NaN cannot be
 * ordered: comparing it is an error, as in cel-go (a list of one NaN gives that NaN).
 */
export function extreme(fn: string, list: readonly unknown[], greatest: boolean): unknown {
  if (list.length === 0) throw empty(fn);
  let best: unknown = list[0];
  if (numKind(best) === undefined) throw notNumber(fn, best, 0);
  for (let i = 1; i < list.length; i++) {
    const x = list[i];
    if (numKind(x) === undefined) throw notNumber(fn, x, i);
    best = pick(fn, best, x, greatest);
  }
  return best;
}

export function nanError(fn: string): EvaluationError {
  return new EvaluationError('invalid_argument', `\`${fn}\` cannot order NaN`);
}

/** The greater (or lesser) of two numbers; the first when they are equal. */
export function pick(fn: string, a: unknown, b: unknown, greatest: boolean): unknown {
  const c = compareNumbers(a, b);
  if (c === undefined) throw nanError(fn);
  return greatest ? (c < 0 ? b : a) : c > 0 ? b : a;
}

/**
 * `math.percentile(list, p)`, p from 0 to 100: linear interpolation between the two nearest
 * ranks, numpy's default method ('linear', Hyndman and Fan's type 7). With the values sorted
 * as x[0..n-1], h = (n - 1) * p / 100 and the result is x[floor(h)] + (h - floor(h)) *
 * (x[floor(h) + 1] - x[floor(h)]). p = 50 is the median; p = 0 and p = 100 are the minimum and
 * the maximum. The result is a double; ints beyond 2^53 lose precision.
 */
export function percentile(list: readonly unknown[], p: unknown): number {
  const fn = 'math.percentile';
  const q = toDouble(p);
  if (!(q >= 0 && q <= 100)) throw new EvaluationError('invalid_argument', `\`${fn}\` needs a percentile from 0 to 100, got ${String(q)}`);
  if (list.length === 0) throw empty(fn);
  kinds(fn, list);
  const xs = new Float64Array(list.length);
  for (let i = 0; i < list.length; i++) {
    const x = toDouble(list[i]);
    if (Number.isNaN(x)) throw nanError(fn);
    xs[i] = x;
  }
  xs.sort();
  // numpy's virtual index and its lerp, which is exact at both ends
  const h = (xs.length - 1) * (q / 100);
  const lo = Math.floor(h);
  const t = h - lo;
  if (t === 0) return xs[lo]!;
  const a = xs[lo]!;
  const b = xs[lo + 1]!;
  if (a === b) return a;
  // between an infinity and a finite value the infinity wins; -inf and +inf give NaN
  if (!Number.isFinite(a) || !Number.isFinite(b)) return a === -Infinity && b === Infinity ? NaN : Number.isFinite(a) ? b : a;
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}
