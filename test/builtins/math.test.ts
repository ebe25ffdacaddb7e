// The math library: cel-go's math extension (the conformance suite's math_ext covers the
// basics) and our aggregates. Every expression runs through the compiler (which folds the
// constant ones at load) and through the reference interpreter, which must agree.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { compensatedSum, percentile } from '../../builtins/math/index.js';
import { error, loadError, value } from './agree.js';
import { CelUint, kindOf } from '../../src/lang/values.js';

describe('math.greatest and math.least', () => {
  test('any number of arguments, through the variadic macro', () => {
    expect(value('math.greatest(1, 5, 3, 2, 4)')).toBe(5n);
    expect(value('math.least(1, 5, 3, 2, 4, -7)')).toBe(-7n);
    expect(value('math.greatest(a, b, c)', { a: 1, b: 3, c: 2 })).toBe(3);
  });

  test('mixed types compare by value and the winner keeps its type', () => {
    expect(value('math.greatest(1, 2.5)')).toBe(2.5);
    expect(value('math.greatest(3, 2.5)')).toBe(3n);
    expect(value('math.least(3u, 2.5, 7)')).toBe(2.5);
    expect(value('math.greatest(18446744073709551615u, 9223372036854775807)')).toEqual(new CelUint(18446744073709551615n));
  });

  test('the first of equal values wins', () => {
    expect(kindOf(value('math.greatest(1, 1.0)'))).toBe('int');
    expect(kindOf(value('math.greatest(1.0, 1)'))).toBe('double');
    expect(kindOf(value('math.least([1u, 1, 1.0])'))).toBe('uint');
  });

  test('lists: empty is an error, non-numbers are an error, input lists work', () => {
    expect(error('math.greatest([])')).toBe('invalid_argument');
    expect(error("math.greatest(dyn([1, 'a']))")).toBe('no_matching_overload');
    expect(value('math.least(scores)', { scores: [0.5, 0.25, 0.75] })).toBe(0.25);
    expect(value('math.greatest([7])')).toBe(7n);
  });

  test('NaN cannot be compared', () => {
    expect(error('math.greatest(1.0, 0.0 / 0.0)')).toBe('invalid_argument');
    expect(error('math.least([0.0 / 0.0, 1.0])')).toBe('invalid_argument');
    expect(Number.isNaN(value('math.greatest(0.0 / 0.0)'))).toBe(true);
  });

  test('literal arguments that are not numbers are load errors', () => {
    expect(loadError("math.greatest(1, 2, 'a')")).toBe('syntax');
    expect(loadError('math.least(1, 2, [3])')).toBe('syntax');
    expect(loadError("math.greatest('a')")).toBe('type_mismatch');
    expect(loadError("math.greatest(1, 'a')")).toBe('type_mismatch');
    expect(loadError('math.greatest()')).toBe('wrong_arity');
  });

  test('a non-numeric value at run time is an error', () => {
    expect(error('math.greatest(1, 2, x)', { x: 'a' })).toBe('no_matching_overload');
    expect(error('math.least(x, 2)', { x: true })).toBe('no_matching_overload');
  });

  test('agree with a reference on generated lists', () => {
    const num = fc.oneof(
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      fc.double({ noNaN: true }),
      fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((v) => new CelUint(v)),
    );
    fc.assert(
      fc.property(fc.array(num, { minLength: 1, maxLength: 8 }), (xs) => {
        const g = value('math.greatest(xs)', { xs });
        const l = value('math.least(xs)', { xs });
        for (const x of xs) {
          expect(value('x <= g', { x, g })).toBe(true);
          expect(value('x >= l', { x, l })).toBe(true);
        }
        expect((xs as unknown[]).includes(g)).toBe(true);
        expect((xs as unknown[]).includes(l)).toBe(true);
      }),
      { numRuns: 100 },
    );
  });
});

describe('rounding', () => {
  test('round is half away from zero, as Go', () => {
    expect(value('math.round(0.5)')).toBe(1);
    expect(value('math.round(-0.5)')).toBe(-1);
    expect(value('math.round(2.5)')).toBe(3);
    expect(value('math.round(-2.5)')).toBe(-3);
    expect(value('math.round(0.49999999999999994)')).toBe(0);
    expect(Object.is(value('math.round(-0.2)'), -0)).toBe(true);
    expect(value('math.round(1.0 / 0.0)')).toBe(Infinity);
  });

  test('ceil, floor and trunc keep NaN and infinities', () => {
    for (const f of ['ceil', 'floor', 'trunc', 'round']) {
      expect(Number.isNaN(value(`math.${f}(0.0 / 0.0)`))).toBe(true);
      expect(value(`math.${f}(-1.0 / 0.0)`)).toBe(-Infinity);
    }
    expect(value('math.trunc(-2.7)')).toBe(-2);
    expect(value('math.floor(-2.5)')).toBe(-3);
    expect(value('math.ceil(-2.5)')).toBe(-2);
  });

  test('ints are not doubles here (cel-go): use double(x)', () => {
    expect(loadError('math.ceil(1)')).toBe('type_mismatch');
    expect(error('math.floor(dyn(1u))')).toBe('no_matching_overload');
    expect(value('math.floor(double(7) / 2.0)')).toBe(3);
  });
});

describe('abs, sign, sqrt and the float tests', () => {
  test('abs', () => {
    expect(value('math.abs(-9223372036854775807)')).toBe(9223372036854775807n);
    expect(error('math.abs(-9223372036854775808)')).toBe('overflow');
    expect(Object.is(value('math.abs(-0.0)'), 0)).toBe(true);
    expect(value('math.abs(-1.0 / 0.0)')).toBe(Infinity);
  });

  test('sign', () => {
    expect(value('math.sign(-9223372036854775808)')).toBe(-1n);
    expect(value('math.sign(0u)')).toEqual(new CelUint(0n));
    expect(Object.is(value('math.sign(-0.0)'), 0)).toBe(true);
    expect(Number.isNaN(value('math.sign(0.0 / 0.0)'))).toBe(true);
    expect(value('math.sign(-1.0 / 0.0)')).toBe(-1);
  });

  test('sqrt takes every number type and returns a double', () => {
    expect(value('math.sqrt(16)')).toBe(4);
    expect(value('math.sqrt(16u)')).toBe(4);
    expect(value('math.sqrt(0.0)')).toBe(0);
    expect(Number.isNaN(value('math.sqrt(-1.0)'))).toBe(true);
    expect(value('math.sqrt(1.0 / 0.0)')).toBe(Infinity);
  });

  test('isInf, isNaN, isFinite', () => {
    expect(value('math.isInf(-1.0 / 0.0)')).toBe(true);
    expect(value('math.isNaN(x)', { x: NaN })).toBe(true);
    expect(value('math.isFinite(x)', { x: 1e308 })).toBe(true);
    expect(error('math.isNaN(dyn(1))')).toBe('no_matching_overload');
  });
});

describe('bits', () => {
  const I64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
  const U64 = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });

  test("and, or, xor, not stay in range and match two's complement", () => {
    fc.assert(
      fc.property(I64, I64, (a, b) => {
        expect(value('math.bitAnd(a, b)', { a, b })).toBe(BigInt.asIntN(64, a & b));
        expect(value('math.bitOr(a, b)', { a, b })).toBe(BigInt.asIntN(64, a | b));
        expect(value('math.bitXor(a, b)', { a, b })).toBe(BigInt.asIntN(64, a ^ b));
        expect(value('math.bitNot(a)', { a })).toBe(BigInt.asIntN(64, ~a));
      }),
      { numRuns: 100 },
    );
    fc.assert(
      fc.property(U64, U64, (a, b) => {
        const [x, y] = [new CelUint(a), new CelUint(b)];
        expect(value('math.bitAnd(x, y)', { x, y })).toEqual(new CelUint(a & b));
        expect(value('math.bitXor(x, y)', { x, y })).toEqual(new CelUint(a ^ b));
        expect(value('math.bitNot(x)', { x })).toEqual(new CelUint(BigInt.asUintN(64, ~a)));
      }),
      { numRuns: 100 },
    );
  });

  test('shifts: 64-bit wrap, logical right shift, large counts give 0 without work', () => {
    expect(value('math.bitShiftLeft(1, 63)')).toBe(-(2n ** 63n));
    expect(value('math.bitShiftLeft(1, 64)')).toBe(0n);
    expect(value('math.bitShiftLeft(3u, 63)')).toEqual(new CelUint(2n ** 63n));
    expect(value('math.bitShiftRight(-1, 1)')).toBe(2n ** 63n - 1n);
    expect(value('math.bitShiftRight(-1, 0)')).toBe(-1n);
    expect(value('math.bitShiftLeft(1, 9223372036854775807)')).toBe(0n);
    expect(value('math.bitShiftRight(1u, 9223372036854775807)')).toEqual(new CelUint(0n));
    expect(error('math.bitShiftRight(1, -1)')).toBe('invalid_argument');
    expect(error('math.bitShiftLeft(1u, -9223372036854775808)')).toBe('invalid_argument');
  });

  test('ints and uints do not mix', () => {
    expect(loadError('math.bitAnd(1, 1u)')).toBe('type_mismatch');
    expect(error('math.bitOr(dyn(1), dyn(1u))')).toBe('no_matching_overload');
    expect(loadError('math.bitShiftLeft(1, 1u)')).toBe('type_mismatch');
  });
});

describe('aggregates', () => {
  test('sum keeps ints exact and reports overflow of the total', () => {
    expect(value('math.sum([9223372036854775807, 1, -1])')).toBe(9223372036854775807n);
    expect(error('math.sum([9223372036854775807, 1])')).toBe('overflow');
    expect(error('math.sum([-9223372036854775808, -1])')).toBe('overflow');
    expect(value('math.sum([1u, 2u])')).toEqual(new CelUint(3n));
    expect(error('math.sum([18446744073709551615u, 1u])')).toBe('overflow');
  });

  test('sum of mixed types', () => {
    expect(value('math.sum([1, 2u, 0.5])')).toBe(3.5);
    expect(error('math.sum([1, 2u])')).toBe('no_matching_overload');
    expect(error("math.sum(['a'])")).toBe('no_matching_overload');
    expect(error('math.sum(dyn([[1]]))')).toBe('no_matching_overload');
    expect(value('math.sum([])')).toBe(0n);
  });

  test('sum of doubles is compensated (money adds up)', () => {
    const cents = Array.from({ length: 1000 }, () => 0.1);
    expect(value('math.sum(xs)', { xs: cents })).toBe(100);
    expect(cents.reduce((a, b) => a + b, 0)).not.toBe(100); // what a plain loop gives
    expect(value('math.sum([1e100, 1.0, -1e100])')).toBe(1);
    expect(value('math.sum([1.0 / 0.0, 1.0])')).toBe(Infinity);
    expect(Number.isNaN(value('math.sum([1.0 / 0.0, -1.0 / 0.0])'))).toBe(true);
    expect(Number.isNaN(value('math.sum(xs)', { xs: [1, NaN] }))).toBe(true);
  });

  test('compensated sum stays within the rounding of its inputs, whatever the length', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1_000_000, max: 1_000_000 }), { maxLength: 2000 }), (cents) => {
        // exact reference: integers of cents, summed as bigints. Each c / 100 is off by at most
        // half an ulp, so the sum of the doubles is within EPSILON * sum(|x|) of it; a plain
        // loop adds an error growing with the length on top, a compensated sum does not.
        const exact = Number(cents.reduce((a, b) => a + BigInt(b), 0n)) / 100;
        const xs = cents.map((c) => c / 100);
        const bound = Number.EPSILON * (xs.reduce((a, b) => a + Math.abs(b), 0) + Math.abs(exact));
        expect(Math.abs(compensatedSum(xs) - exact)).toBeLessThanOrEqual(bound);
      }),
      { numRuns: 200 },
    );
  });

  test('avg', () => {
    expect(value('math.avg([9223372036854775807, 9223372036854775807])')).toBe(9223372036854775807);
    expect(value('math.avg([1u, 2u])')).toBe(1.5);
    expect(value('math.avg([1, 2.0])')).toBe(1.5);
    expect(error('math.avg([])')).toBe('invalid_argument');
    expect(error("math.avg([1, 'a'])")).toBe('no_matching_overload');
  });

  test('min and max keep the element', () => {
    expect(value('math.max([1, 2u, 1.5])')).toEqual(new CelUint(2n));
    expect(value('math.min(xs)', { xs: [3, -1, 2] })).toBe(-1);
    expect(error('math.max([1.0, 0.0 / 0.0])')).toBe('invalid_argument');
    expect(error('math.min([])')).toBe('invalid_argument');
    expect(error('math.min(dyn([null]))')).toBe('no_matching_overload');
  });

  test('percentile: linear interpolation (numpy default)', () => {
    // numpy.percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [0, 10, 25, 50, 90, 99, 100])
    const xs = [10, 9, 8, 7, 6, 5, 4, 3, 2, 1];
    const want: [number, number][] = [
      [0, 1],
      [10, 1.9],
      [25, 3.25],
      [50, 5.5],
      [90, 9.1],
      [99, 9.91],
      [100, 10],
    ];
    for (const [p, v] of want) expect(value('math.percentile(xs, p)', { xs, p })).toBeCloseTo(v, 12);
    expect(value('math.percentile([5], 37)')).toBe(5);
    expect(value('math.percentile([1, 3], 50u)')).toBe(2);
    expect(value('math.percentile([1.0, 1.0 / 0.0], 50)')).toBe(Infinity);
    expect(value('math.percentile([-1.0 / 0.0, 1.0], 75)')).toBe(-Infinity);
    expect(Number.isNaN(value('math.percentile([-1.0 / 0.0, 1.0 / 0.0], 50)'))).toBe(true);
    expect(value('math.percentile([2.0, 2.0, 2.0], 33)')).toBe(2);
    expect(error('math.percentile([1], -1)')).toBe('invalid_argument');
    expect(error('math.percentile([1], 0.0 / 0.0)')).toBe('invalid_argument');
    expect(error('math.percentile([1, 0.0 / 0.0], 50)')).toBe('invalid_argument');
    expect(error("math.percentile(['a'], 50)")).toBe('no_matching_overload');
  });

  test('percentile is monotone in p and bounded by min and max', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e12, max: 1e12 }), { minLength: 1, maxLength: 30 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        (xs, p, q) => {
          const [lo, hi] = p <= q ? [p, q] : [q, p];
          const a = percentile(xs, lo);
          const b = percentile(xs, hi);
          expect(a).toBeLessThanOrEqual(b);
          expect(a).toBeGreaterThanOrEqual(Math.min(...xs));
          expect(b).toBeLessThanOrEqual(Math.max(...xs));
        },
      ),
    );
  });

  test('aggregates over a large input stay fast (linear; percentile n log n)', () => {
    const xs = Array.from({ length: 200_000 }, (_, i) => ((i * 7919) % 1000) / 10);
    expect(value('math.sum(xs) > 0.0 && math.avg(xs) > 0.0 && math.max(xs) >= math.min(xs)', { xs })).toBe(true);
    expect(value('math.percentile(xs, 50)', { xs })).toBeCloseTo(50, 0);
  });
});
