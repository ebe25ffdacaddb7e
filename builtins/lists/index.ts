// The `lists` library: cel-go's lists extension (`slice`, `flatten`, `distinct`, `sort`, the
// `sortBy` macro, `lists.range`, and `reverse`, whose list overload is declared here and
// joins the string one in the strings library) and sets extension (`sets.contains`,
// `sets.equivalent`, `sets.intersects`), with the same names and semantics, plus
// `lists.first`/`lists.last`, which are ours: they return the element and fail on an empty list,
// where cel-go's `first()`/`last()` (in builtins/optional) return optionals.
//
// Cost: every function is linear in the size of its input, except `sort`/`sortBy`
// (n log n) and the comparison of lists or maps as elements in `distinct` and `sets.*`
// (quadratic, with a per-call budget: see ./equality.ts).

import { EvaluationError } from '../../src/lang/library.js';
import { fromHost } from '../../src/lang/library.js';
import type { FunctionDecl, OverloadDecl } from '../../src/lang/library.js';
import { MAX_VALUE_DEPTH } from '../../src/lang/library.js';
import { PairwiseBudget, ValueSet } from './equality.js';
import { sortByKeys, sortList } from './order.js';

export { MAX_PAIRWISE, ValueSet, hashKey } from './equality.js';

/** Largest list `lists.range` builds: the default step limit, which iterating it would reach. */
export const MAX_RANGE = 1_000_000;

function invalid(message: string): EvaluationError {
  return new EvaluationError('invalid_argument', message);
}

// ------------------------------------------------------------------ lists

function range(n: bigint): bigint[] {
  if (n < 0n) throw invalid(`\`lists.range\` needs a size of 0 or more, got ${n}`);
  if (n > BigInt(MAX_RANGE)) throw new EvaluationError('limit_exceeded', `\`lists.range\` builds at most ${MAX_RANGE} elements, got ${n}`);
  const out = new Array<bigint>(Number(n));
  for (let i = 0; i < out.length; i++) out[i] = BigInt(i);
  return out;
}

function slice(list: unknown[], start: bigint, end: bigint): unknown[] {
  if (start < 0n || end < 0n) throw invalid(`cannot slice(${start}, ${end}): negative indexes are not supported`);
  if (start > end) throw invalid(`cannot slice(${start}, ${end}): the start index must not be greater than the end index`);
  if (end > BigInt(list.length)) {
    throw new EvaluationError('index_out_of_bounds', `cannot slice(${start}, ${end}): the list has ${list.length} elements`);
  }
  return list.slice(Number(start), Number(end));
}

function flatten(list: unknown[], depth: bigint): unknown[] {
  if (depth < 0n) throw invalid(`\`flatten\` needs a depth of 0 or more, got ${depth}`);
  const out: unknown[] = [];
  const walk = (l: unknown[], left: bigint, nesting: number): void => {
    if (nesting > MAX_VALUE_DEPTH) throw new EvaluationError('limit_exceeded', `lists nest deeper than ${MAX_VALUE_DEPTH} levels`);
    for (const x of l) {
      if (left > 0n && Array.isArray(x)) walk(x, left - 1n, nesting + 1);
      else out.push(x);
    }
  };
  walk(list, depth, 0);
  return out;
}

function distinct(list: unknown[]): unknown[] {
  const seen = new ValueSet('distinct');
  return list.filter((x) => seen.add(x));
}

function nonEmpty(fn: string, list: unknown[]): void {
  if (list.length === 0) throw new EvaluationError('index_out_of_bounds', `\`${fn}\` of an empty list`);
}

const LIST = 'list(A)';

export const slice_: FunctionDecl = {
  name: 'slice',
  category: 'lists',
  description: 'The elements from index start (inclusive) to end (exclusive); negative or out-of-range indexes are errors',
  purity: 'pure',
  overloads: [{ id: 'list_slice', receiver: LIST, params: ['int', 'int'], result: LIST, impl: slice }],
  examples: [
    { expr: '[1, 2, 3, 4].slice(1, 3)', result: [2n, 3n] },
    { expr: "['a', 'b'].slice(2, 2)", result: [] },
    { expr: '[1, 2, 3].slice(-1, 2)', result: { error: 'invalid_argument' } },
    { expr: '[1, 2, 3].slice(2, 1)', result: { error: 'invalid_argument' } },
    { expr: '[1, 2, 3].slice(0, 4)', result: { error: 'index_out_of_bounds' } },
  ],
};

export const flatten_: FunctionDecl = {
  name: 'flatten',
  category: 'lists',
  description: 'Flattens nested lists by one level, or by the given number of levels',
  purity: 'pure',
  overloads: [
    { id: 'list_flatten', receiver: 'list', params: [], result: 'list', impl: (l: unknown[]) => flatten(l, 1n) },
    { id: 'list_flatten_int', receiver: 'list', params: ['int'], result: 'list', impl: flatten },
  ],
  examples: [
    { expr: '[1, [2, 3], [4]].flatten()', result: [1n, 2n, 3n, 4n] },
    { expr: '[1, [2, [3, 4]]].flatten()', result: [1n, 2n, [3n, 4n]] },
    { expr: '[1, [2, [3, [4]]]].flatten(2)', result: [1n, 2n, 3n, [4n]] },
    { expr: '[[], [1], []].flatten()', result: [1n] },
    { expr: '[1, [2]].flatten(-1)', result: { error: 'invalid_argument' } },
  ],
};

export const distinct_: FunctionDecl = {
  name: 'distinct',
  category: 'lists',
  description: 'The elements without repeats, in order of first appearance; equality is CEL equality, so 1, 1u and 1.0 are one value',
  purity: 'pure',
  overloads: [{ id: 'list_distinct', receiver: LIST, params: [], result: LIST, impl: distinct }],
  examples: [
    { expr: '[1, 2, 2, 3, 3, 3].distinct()', result: [1n, 2n, 3n] },
    { expr: "['b', 'b', 'c', 'a', 'c'].distinct()", result: ['b', 'c', 'a'] },
    { expr: "[1, 'b', 2, 'b'].distinct()", result: [1n, 'b', 2n] },
    { expr: '[1, 1.0, 1u, [2], [2.0]].distinct()', result: [1n, [2n]] },
  ],
};

/**
 * The list overload of `reverse` (cel-go's lists extension). `reverse` is one function with a
 * string overload too, so the strings library declares it, with this overload in it.
 */
export const listReverse: OverloadDecl = {
  id: 'list_reverse',
  receiver: LIST,
  params: [],
  result: LIST,
  impl: (l: unknown[]) => l.slice().reverse(),
};

export const sort_: FunctionDecl = {
  name: 'sort',
  category: 'lists',
  description:
    'The elements in ascending order; they must share one comparable type (int, uint, double, bool, string, bytes, timestamp, duration) and NaN is an error. The sort is stable',
  purity: 'pure',
  overloads: [{ id: 'list_sort', receiver: LIST, params: [], result: LIST, impl: sortList }],
  examples: [
    { expr: '[3, 2, 1].sort()', result: [1n, 2n, 3n] },
    { expr: "['b', 'c', 'a'].sort()", result: ['a', 'b', 'c'] },
    { expr: '[].sort()', result: [] },
    { expr: "[1, 'b'].sort()", result: { error: 'no_matching_overload' } },
    { expr: '[[1, 2, 3]].sort()', result: { error: 'no_matching_overload' } },
    { expr: '[1, 2.0].sort()', result: { error: 'no_matching_overload' } },
  ],
};

export const sortBy_: FunctionDecl = {
  name: 'sortBy',
  category: 'lists',
  description:
    "Sorts a list by a key: `list.sortBy(x, keyExpr)` is cel-go's macro, which computes the key of each element once (one evaluation step each); `list.sortBy(keys)` sorts by a list of keys, one per element. Keys follow `sort()`'s rules, and equal keys keep their order",
  purity: 'pure',
  overloads: [{ id: 'list_sortby_associated_keys', receiver: LIST, params: ['list'], result: LIST, impl: sortByKeys }],
  examples: [
    { expr: '[3, -1, 2].sortBy(x, -x)', result: [3n, 2n, -1n] },
    {
      expr: 'request.models.sortBy(m, m.price).map(m, m.name)',
      result: ['small', 'medium', 'large'],
      bindings: {
        request: {
          models: [
            { name: 'large', price: 15 },
            { name: 'small', price: 0.5 },
            { name: 'medium', price: 3 },
          ],
        },
      },
    },
    { expr: "['b', 'a', 'c'].sortBy(s, 0)", result: ['b', 'a', 'c'] },
    { expr: "['x', 'y', 'z'].sortBy([3, 1, 2])", result: ['y', 'z', 'x'] },
    { expr: "[1, 2].sortBy(x, x == 1 ? 'one' : 2)", result: { error: 'no_matching_overload' } },
  ],
};

export const range_: FunctionDecl = {
  name: 'lists.range',
  category: 'lists',
  description: `The ints from 0 to n - 1; n must be 0 or more and at most ${MAX_RANGE}`,
  purity: 'pure',
  overloads: [{ id: 'lists_range', params: ['int'], result: 'list(int)', impl: range }],
  examples: [
    { expr: 'lists.range(5)', result: [0n, 1n, 2n, 3n, 4n] },
    { expr: 'lists.range(0)', result: [] },
    { expr: 'lists.range(-1)', result: { error: 'invalid_argument' } },
  ],
};

export const first_: FunctionDecl = {
  name: 'lists.first',
  category: 'lists',
  description: 'The first element of a list; an empty list is an error (check `size(l) > 0` first)',
  purity: 'pure',
  overloads: [
    {
      id: 'lists_first',
      params: [LIST],
      result: 'A',
      impl: (l: unknown[]) => {
        nonEmpty('lists.first', l);
        return fromHost(l[0]);
      },
    },
  ],
  examples: [
    { expr: 'lists.first([1, 2, 3])', result: 1n },
    {
      expr: 'lists.first(request.messages).role',
      result: 'system',
      bindings: { request: { messages: [{ role: 'system' }, { role: 'user' }] } },
    },
    { expr: 'lists.first([])', result: { error: 'index_out_of_bounds' } },
  ],
};

export const last_: FunctionDecl = {
  name: 'lists.last',
  category: 'lists',
  description: 'The last element of a list; an empty list is an error (check `size(l) > 0` first)',
  purity: 'pure',
  overloads: [
    {
      id: 'lists_last',
      params: [LIST],
      result: 'A',
      impl: (l: unknown[]) => {
        nonEmpty('lists.last', l);
        return fromHost(l[l.length - 1]);
      },
    },
  ],
  examples: [
    { expr: 'lists.last([1, 2, 3])', result: 3n },
    {
      expr: 'lists.last(request.messages).role',
      result: 'user',
      bindings: { request: { messages: [{ role: 'system' }, { role: 'user' }] } },
    },
    { expr: 'lists.last([])', result: { error: 'index_out_of_bounds' } },
  ],
};

// ------------------------------------------------------------------ sets

/** Whether every element of `sub` equals an element of `list`. */
function setsContains(list: unknown[], sub: unknown[], budget?: PairwiseBudget): boolean {
  if (sub.length === 0) return true;
  const set = new ValueSet('sets.contains', list, budget);
  for (const x of sub) if (!set.has(x)) return false;
  return true;
}

function setsEquivalent(a: unknown[], b: unknown[]): boolean {
  const budget = new PairwiseBudget('sets.equivalent');
  return setsContains(a, b, budget) && setsContains(b, a, budget);
}

function setsIntersects(a: unknown[], b: unknown[]): boolean {
  if (a.length === 0 || b.length === 0) return false;
  // index the shorter list, scan the longer one
  const [small, large] = a.length <= b.length ? [a, b] : [b, a];
  const set = new ValueSet('sets.intersects', small);
  for (const x of large) if (set.has(x)) return true;
  return false;
}

export const setsContains_: FunctionDecl = {
  name: 'sets.contains',
  category: 'sets',
  description:
    'Whether the first list contains every element of the second (CEL equality: 1, 1u and 1.0 are equal); true when the second is empty',
  purity: 'pure',
  overloads: [
    { id: 'sets_contains_list_list', params: [LIST, LIST], result: 'bool', impl: (a: unknown[], b: unknown[]) => setsContains(a, b) },
  ],
  examples: [
    { expr: 'sets.contains([], [])', result: true },
    { expr: 'sets.contains([], [1])', result: false },
    { expr: 'sets.contains([1, 2, 3, 4], [2, 3])', result: true },
    { expr: 'sets.contains([1, 2.0, 3u], [1.0, 2u, 3])', result: true },
    { expr: "sets.contains(['gpt-4o', 'claude-3'], request.models)", result: false, bindings: { request: { models: ['gpt-4o', 'o1'] } } },
  ],
};

export const setsEquivalent_: FunctionDecl = {
  name: 'sets.equivalent',
  category: 'sets',
  description: 'Whether the two lists hold the same values, ignoring order and repeats (CEL equality)',
  purity: 'pure',
  overloads: [{ id: 'sets_equivalent_list_list', params: [LIST, LIST], result: 'bool', impl: setsEquivalent }],
  examples: [
    { expr: 'sets.equivalent([], [])', result: true },
    { expr: 'sets.equivalent([1], [1, 1])', result: true },
    { expr: 'sets.equivalent([1], [1u, 1.0])', result: true },
    { expr: 'sets.equivalent([1, 2, 3], [3u, 2.0, 1])', result: true },
    { expr: 'sets.equivalent([1, 2], [1])', result: false },
  ],
};

export const setsIntersects_: FunctionDecl = {
  name: 'sets.intersects',
  category: 'sets',
  description: 'Whether the two lists have at least one value in common (CEL equality); false when either is empty',
  purity: 'pure',
  overloads: [{ id: 'sets_intersects_list_list', params: [LIST, LIST], result: 'bool', impl: setsIntersects }],
  examples: [
    { expr: 'sets.intersects([1], [])', result: false },
    { expr: 'sets.intersects([1], [1, 2])', result: true },
    { expr: 'sets.intersects([[1], [2, 3]], [[1, 2], [2, 3.0]])', result: true },
    { expr: "sets.intersects(user.groups, ['admin', 'billing'])", result: true, bindings: { user: { groups: ['dev', 'billing'] } } },
  ],
};

export const listsFunctions: FunctionDecl[] = [range_, slice_, flatten_, distinct_, sort_, sortBy_, first_, last_];
export const setsFunctions: FunctionDecl[] = [setsContains_, setsEquivalent_, setsIntersects_];

export const listsLibrary: FunctionDecl[] = [...listsFunctions, ...setsFunctions];
