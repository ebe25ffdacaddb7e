// Ordering for `sort()` and `sortBy()`: cel-go's lists extension sorts lists whose elements
// all have one comparable type (int, uint, double, bool, string, bytes, timestamp, duration).
// Mixed types (even int with double) and other types are errors, as are NaNs, which have no
// place in an order. Array.prototype.sort is stable, so equal keys keep their order (cel-go's
// sort.Slice does not promise that; a stable order is what a policy author expects).

import { EvaluationError } from '../../src/lang/library.js';
import { fromHost } from '../../src/lang/library.js';
import { type CelUint, compareStrings, celCompare, kindOf, typeNameOf, type Kind } from '../../src/lang/library.js';

// biome-ignore lint/suspicious/noExplicitAny: each comparator declares the kind it compares; `unknown` would reject them (parameters are contravariant)
type Compare = (a: any, b: any) => number;

const COMPARATORS: Partial<Record<Kind, Compare>> = {
  int: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
  uint: (a: CelUint, b: CelUint) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0),
  double: (a: number, b: number) => (a < b ? -1 : a > b ? 1 : 0),
  string: compareStrings,
  bool: (a: boolean, b: boolean) => (a === b ? 0 : a ? 1 : -1),
  bytes: (a, b) => celCompare(a, b)!,
  timestamp: (a, b) => celCompare(a, b)!,
  duration: (a, b) => celCompare(a, b)!,
};

/**
 * The comparator for a list of keys, after checking that they share one comparable type.
 * `fn` names the function in error messages. The keys are normalized in place (host Dates
 * become timestamps).
 */
export function comparatorFor(fn: string, keys: unknown[]): Compare {
  if (keys.length === 0) return () => 0;
  for (let i = 0; i < keys.length; i++) keys[i] = fromHost(keys[i]);
  const kind = kindOf(keys[0]);
  const cmp = COMPARATORS[kind];
  if (cmp === undefined) {
    throw new EvaluationError('no_matching_overload', `\`${fn}\` cannot order values of type ${typeNameOf(keys[0])}`);
  }
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (kindOf(k) !== kind) {
      throw new EvaluationError(
        'no_matching_overload',
        `\`${fn}\` needs values of one type, got ${typeNameOf(keys[0])} and ${typeNameOf(k)}`,
      );
    }
    if (kind === 'double' && Number.isNaN(k)) {
      throw new EvaluationError('invalid_argument', `\`${fn}\` cannot order NaN`);
    }
  }
  return cmp;
}

/** The list sorted by its own elements. */
export function sortList(list: readonly unknown[]): unknown[] {
  const out = list.slice();
  const cmp = comparatorFor('sort', out);
  return out.sort(cmp);
}

/** The list reordered so that `keys` (one per element) ascend; ties keep their order. */
export function sortByKeys(list: readonly unknown[], keys: readonly unknown[]): unknown[] {
  if (list.length !== keys.length) {
    throw new EvaluationError(
      'invalid_argument',
      `\`sortBy\` needs one key per element, got ${keys.length} keys for ${list.length} elements`,
    );
  }
  const ks = keys.slice();
  const cmp = comparatorFor('sortBy', ks);
  const idx = Array.from(ks, (_, i) => i);
  idx.sort((i, j) => cmp(ks[i], ks[j]));
  return idx.map((i) => list[i]);
}
