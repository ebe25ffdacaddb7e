// The lists and sets libraries (cel-go's lists and sets extensions, plus lists.first/last) and
// the `sortBy` macro. Every expression runs through the compiler and through the reference
// interpreter, which must agree; the set functions are checked against a naive quadratic
// reference on generated lists, and the cost bounds on large inputs.

import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MAX_PAIRWISE, MAX_RANGE, ValueSet, hashKey } from '../../builtins/lists/index.js';
import { error, loadError, value } from './agree.js';
import { compileExpression } from '../../src/entries/index.js';
import { parse } from '../../src/lang/parser.js';
import { print } from '../../src/lang/print.js';
import { Registry } from '../../src/lang/registry.js';
import { CelDuration, CelTimestamp, CelUint, celEquals } from '../../src/lang/values.js';

describe('lists.range, slice, flatten, reverse, first, last', () => {
  test('range', () => {
    expect(value('lists.range(3).map(i, i * 2)')).toEqual([0n, 2n, 4n]);
    expect(error(`lists.range(${MAX_RANGE + 1})`)).toBe('limit_exceeded');
    expect(error('lists.range(-9223372036854775808)')).toBe('invalid_argument');
    expect((value(`lists.range(${MAX_RANGE})`) as unknown[]).length).toBe(MAX_RANGE);
  });

  test('slice', () => {
    expect(value('[1, 2, 3].slice(0, 3)')).toEqual([1n, 2n, 3n]);
    expect(value('[1, 2, 3].slice(3, 3)')).toEqual([]);
    expect(value('xs.slice(1, 2)', { xs: ['a', 'b', 'c'] })).toEqual(['b']);
    expect(error('[].slice(0, 1)')).toBe('index_out_of_bounds');
    expect(error('[1].slice(0, -1)')).toBe('invalid_argument');
    expect(error('[1].slice(0, 9223372036854775807)')).toBe('index_out_of_bounds');
  });

  test('flatten', () => {
    expect(value('[[1], [[2]], 3].flatten(0)')).toEqual([[1n], [[2n]], 3n]);
    expect(value('[[1], [[2]], 3].flatten(9223372036854775807)')).toEqual([1n, 2n, 3n]);
    expect(value('xs.flatten()', { xs: [[{ a: 1 }], [], ['b']] })).toEqual([{ a: 1 }, 'b']);
    let deep: unknown[] = [1];
    for (let i = 0; i < 150; i++) deep = [deep];
    expect(error('xs.flatten(1000)', { xs: deep })).toBe('limit_exceeded');
    expect(loadError("'ab'.flatten()")).toBe('type_mismatch');
  });

  test('reverse copies the list', () => {
    const xs = [1, 2, 3];
    expect(value('xs.reverse()', { xs })).toEqual([3, 2, 1]);
    expect(xs).toEqual([1, 2, 3]);
  });

  test('first and last', () => {
    expect(value('lists.first(xs)', { xs: [new Date(0)] })).toEqual(new CelTimestamp(0n));
    expect(value('lists.last([[1], [2]])')).toEqual([2n]);
    expect(error('lists.last(xs)', { xs: [] })).toBe('index_out_of_bounds');
    // cel-go's methods are the optional forms (builtins/optional)
    expect(value('xs.first().value()', { xs: [new Date(0)] })).toEqual(new CelTimestamp(0n));
    expect(value('[].last().hasValue()')).toBe(false);
    expect(loadError('lists.first()')).toBe('wrong_arity');
  });
});

describe('distinct', () => {
  test('CEL equality: numbers across types, NaN never equal, lists and maps by value', () => {
    expect(value('[1, 1u, 1.0, 2.0, 2].distinct()')).toEqual([1n, 2]);
    expect(value('[-0.0, 0.0, 0].distinct()')).toEqual([-0]);
    expect((value('xs.distinct()', { xs: [NaN, NaN, 1] }) as unknown[]).length).toBe(3);
    expect(value("[{'a': 1}, {'a': 1.0}, {'a': 2}].distinct()")).toEqual([new Map([['a', 1n]]), new Map([['a', 2n]])]);
    expect(value("[b'ab', b'ab', 'ab', null, null].distinct()")).toEqual([new TextEncoder().encode('ab'), 'ab', null]);
    expect(value("[duration('1s'), duration('1000ms'), timestamp('2024-01-01T00:00:00Z')].distinct()")).toEqual([
      new CelDuration(1_000_000_000n),
      new CelTimestamp(1704067200_000_000_000n),
    ]);
  });

  test('large ints are exact among ints, rounded against doubles (no hashing shortcut there)', () => {
    // 2^53 + 1 as an int equals the double 2^53 (CEL compares int and double as doubles)
    expect(value('[9007199254740993, 9007199254740992].distinct()')).toEqual([9007199254740993n, 9007199254740992n]);
    expect(value('[9007199254740993, 9007199254740992.0].distinct()')).toEqual([9007199254740993n]);
    expect(value('[9007199254740992.0, 9007199254740993].distinct()')).toEqual([9007199254740992]);
    expect(value('[18446744073709551615u, 18446744073709551615.0].distinct()')).toEqual([new CelUint(18446744073709551615n)]);
  });

  test('linear on primitives: 300,000 strings', () => {
    const xs = Array.from({ length: 300_000 }, (_, i) => `user-${i % 1000}`);
    // No timing bound: a pairwise comparison would need 4.5e10 comparisons, past MAX_PAIRWISE,
    // so it would fail with limit_exceeded instead of returning the 1000 distinct values.
    expect((value('xs.distinct()', { xs }) as unknown[]).length).toBe(1000);
  });

  test('lists as elements are compared pairwise, within a budget', () => {
    const xs = Array.from({ length: 2000 }, (_, i) => [i]);
    expect(error('xs.distinct()', { xs })).toBe('limit_exceeded'); // 2000 * 1999 / 2 > MAX_PAIRWISE
    const ok = Array.from({ length: 1000 }, (_, i) => [i % 10]);
    expect((value('xs.distinct()', { xs: ok }) as unknown[]).length).toBe(10);
    expect(MAX_PAIRWISE).toBe(1_000_000);
  });
});

describe('sort and sortBy', () => {
  test('sort of each comparable type', () => {
    expect(value('[3u, 1u, 2u].sort()')).toEqual([1n, 2n, 3n].map((v) => new CelUint(v)));
    expect(value('[true, false, true].sort()')).toEqual([false, true, true]);
    expect(value("[b'b', b'a', b'ab'].sort()")).toEqual(['a', 'ab', 'b'].map((s) => new TextEncoder().encode(s)));
    expect(value("[duration('2s'), duration('-1s')].sort()")).toEqual([new CelDuration(-1_000_000_000n), new CelDuration(2_000_000_000n)]);
    expect(value('xs.sort()', { xs: [2.5, -1, 1e300, -Infinity] })).toEqual([-Infinity, -1, 2.5, 1e300]);
    // code point order, not UTF-16 order: U+FF61 < U+1F600
    expect(value("['😀', '｡', 'a'].sort()")).toEqual(['a', '｡', '😀']);
    expect(value('xs.sort()', { xs: [new Date(1000), new Date(0)] })).toEqual([new CelTimestamp(0n), new CelTimestamp(1_000_000_000n)]);
  });

  test('sort errors', () => {
    expect(error('xs.sort()', { xs: [1, NaN] })).toBe('invalid_argument');
    expect(error('[null, null].sort()')).toBe('no_matching_overload');
    expect(error("[{'a': 1}].sort()")).toBe('no_matching_overload');
    expect(error('[1u, 1].sort()')).toBe('no_matching_overload');
  });

  test('sort agrees with a reference and is stable', () => {
    fc.assert(
      fc.property(fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { maxLength: 40 }), (xs) => {
        expect(value('xs.sort()', { xs })).toEqual([...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      }),
      { numRuns: 100 },
    );
    fc.assert(
      fc.property(fc.array(fc.record({ k: fc.integer({ min: 0, max: 3 }), i: fc.nat() }), { maxLength: 40 }), (rows) => {
        const want = rows.map((r, i) => ({ ...r, i })).sort((a, b) => a.k - b.k || a.i - b.i);
        const got = value('rows.sortBy(r, r.k)', { rows: rows.map((r, i) => ({ ...r, i })) });
        expect(got).toEqual(want);
      }),
      { numRuns: 100 },
    );
  });

  test('sortBy: the macro computes each key once, in order, and counts its steps', () => {
    expect(value("['bb', 'a', 'ccc'].sortBy(s, size(s))")).toEqual(['a', 'bb', 'ccc']);
    expect(value('[[2, 1], [1, 2]].sortBy(p, p[0]).map(p, p[1])')).toEqual([2n, 1n]);
    expect(value('[3, 1, 2].sortBy(x, x).sortBy(x, -x)')).toEqual([3n, 2n, 1n]);
    // nested macros each see their own variable
    expect(value('[[3, 1], [2]].sortBy(l, l.sortBy(x, x)[0]).map(l, l.sortBy(y, y))')).toEqual([[1n, 3n], [2n]]);
    // the iteration variable may shadow an outer name
    expect(value('[2, 1].sortBy(x, x + y)', { x: 'outer', y: 10n })).toEqual([1n, 2n]);
    const steps = compileExpression('xs.sortBy(x, x)', { limits: { maxSteps: 10 } });
    expect(() => steps.evaluate({ xs: Array.from({ length: 11 }, (_, i) => i) })).toThrow(/evaluation steps/);
  });

  test('sortBy errors', () => {
    expect(error('[1, 2].sortBy(x, x == 1 ? 1 : 2.0)')).toBe('no_matching_overload');
    expect(error('[1, 2].sortBy(x, x / 0)')).toBe('division_by_zero');
    expect(error('xs.sortBy(x, x)', { xs: 'ab' })).toBe('no_matching_overload');
    expect(error('[1, 2].sortBy([1])')).toBe('invalid_argument');
    expect(loadError('[1].sortBy(1, 1)')).toBe('syntax');
    expect(loadError("'ab'.sortBy(x, x)")).toBe('type_mismatch');
    expect(loadError("{'b': 1}.sortBy(k, k)")).toBe('type_mismatch');
    expect(loadError('[1].sortBy(x, [x])')).toBe('type_mismatch');
    expect(loadError('[1].sortBy(x, {})')).toBe('type_mismatch');
    expect(error('m.sortBy(k, k)', { m: { b: 1 } })).toBe('no_matching_overload');
    expect(error('xs.sortBy(x, x)', { xs: null })).toBe('no_matching_overload');
    // without the lists library the macro names an unknown function
    expect(() => compileExpression('[1].sortBy(x, x)', { registry: new Registry() })).toThrow(/unknown function `sortBy`/);
  });

  test('sortBy is one macro node: it prints back as written', () => {
    const e = parse('xs.sortBy(x, -x.price)');
    expect(e).toMatchObject({ k: 'macro', macro: 'sortBy', iterVar: 'x', target: { k: 'ident', name: 'xs' } });
    expect(print(e)).toBe('xs.sortBy(x, -x.price)');
    expect(parse('xs.sortBy(keys)')).toMatchObject({ k: 'call', fn: 'sortBy', args: [{ k: 'ident', name: 'keys' }] });
  });
});

// ------------------------------------------------------------------ sets

/** CEL's sets functions, the obvious quadratic way. */
const naive = {
  contains: (a: unknown[], b: unknown[]) => b.every((y) => a.some((x) => celEquals(x, y))),
  intersects: (a: unknown[], b: unknown[]) => a.some((x) => b.some((y) => celEquals(x, y))),
};

const element = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.integer({ min: -3, max: 3 }).map((v) => BigInt(v)),
  fc.integer({ min: 0, max: 3 }).map((v) => new CelUint(BigInt(v))),
  fc.constantFrom(0.5, -0, NaN, Infinity, 2 ** 53, 2 ** 53 + 2, 2 ** 60),
  fc.constantFrom(2n ** 53n + 1n, 2n ** 60n, -(2n ** 63n)),
  fc.constantFrom('a', 'b', '', '1', true, false, null),
  fc.constantFrom([1n], [1], ['a'], [], new Map([['a', 1n]]), { a: 1 }),
);

describe('sets', () => {
  test('contains, equivalent and intersects agree with the quadratic reference', () => {
    fc.assert(
      fc.property(fc.array(element, { maxLength: 8 }), fc.array(element, { maxLength: 8 }), (a, b) => {
        expect(value('sets.contains(a, b)', { a, b })).toBe(naive.contains(a, b));
        expect(value('sets.equivalent(a, b)', { a, b })).toBe(naive.contains(a, b) && naive.contains(b, a));
        expect(value('sets.intersects(a, b)', { a, b })).toBe(naive.intersects(a, b));
      }),
      { numRuns: 500 },
    );
  });

  test('distinct agrees with the quadratic reference', () => {
    fc.assert(
      fc.property(fc.array(element, { maxLength: 10 }), (xs) => {
        const want: unknown[] = [];
        for (const x of xs) if (!want.some((y) => celEquals(x, y))) want.push(x);
        const got = value('xs.distinct()', { xs }) as unknown[];
        expect(got.length).toBe(want.length);
        got.forEach((g, i) => {
          expect(Object.is(g, want[i]) || celEquals(g, want[i])).toBe(true);
        });
      }),
      { numRuns: 500 },
    );
  });

  test('hash keys: equal values share a key, unequal ones do not', () => {
    fc.assert(
      fc.property(element, element, (x, y) => {
        const kx = hashKey(x);
        const ky = hashKey(y);
        if (typeof kx === 'string' && typeof ky === 'string') expect(kx === ky).toBe(celEquals(x, y));
      }),
      { numRuns: 1000 },
    );
  });

  test('edge cases', () => {
    expect(value('sets.contains([1], [])')).toBe(true);
    expect(value('sets.intersects([], [])')).toBe(false);
    expect(value('sets.equivalent([], [1])')).toBe(false);
    expect(value('sets.contains(xs, xs)', { xs: [NaN] })).toBe(false);
    expect(value("sets.contains([[1, 'a'], {'k': [2]}], [{'k': [2.0]}])")).toBe(true);
    expect(loadError("sets.contains('a', ['a'])")).toBe('type_mismatch');
  });

  test('linear on primitives: 200,000 elements each side', () => {
    const a = Array.from({ length: 200_000 }, (_, i) => `m-${i}`);
    const b = Array.from({ length: 200_000 }, (_, i) => `m-${199_999 - i}`);
    // No timing bound: pairwise comparison (4e10) is past MAX_PAIRWISE and would fail with
    // limit_exceeded, so `true` proves the hashed path was taken.
    expect(value('sets.equivalent(a, b) && sets.contains(a, b) && !sets.intersects(a, ["x"])', { a, b })).toBe(true);
  });

  test('lists of lists compare pairwise within a budget', () => {
    const a = Array.from({ length: 2000 }, (_, i) => [i]);
    const missing = Array.from({ length: 600 }, (_, i) => [-1 - i]);
    expect(error('sets.intersects(a, b)', { a, b: missing })).toBe('limit_exceeded'); // 2000 * 600 > MAX_PAIRWISE
    expect(value('sets.intersects(a, b)', { a, b: missing.slice(0, 400) })).toBe(false);
    const late = Array.from({ length: 700 }, (_, i) => [1999 - i]); // each found after ~1650 comparisons
    expect(error('sets.contains(a, b)', { a, b: late })).toBe('limit_exceeded');
    expect(value('sets.contains(a, b)', { a, b: late.slice(0, 400) })).toBe(true);
    expect(value('sets.contains(a, b)', { a, b: [[1999]] })).toBe(true);
    const set = new ValueSet('test', [[1], [2]]);
    expect(set.has([2.0])).toBe(true);
    expect(set.has([3])).toBe(false);
  });
});
