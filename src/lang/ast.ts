// The expression AST. Operators are calls with CEL's internal names (`_+_`, `_&&_`, `@in`,
// `_[_]`, ...) so that the checker and the registry treat them like any other function;
// the compiler special-cases the ones that need it. `pos` is an offset in the expression text.
//
// Optional syntax (cel-go's optional types) follows cel-go's AST: `a.?f` is the call
// `_?._(a, 'f')` (the field a string literal), `a[?i]` is `_[?_](a, i)`, and `[?x]` / `{?k: v}`
// mark their optional elements or entries by index in `optional`.

export type Expr =
  | { k: 'lit'; pos: number; value: unknown }
  | { k: 'ident'; pos: number; name: string }
  | { k: 'select'; pos: number; target: Expr; field: string; test: boolean }
  | { k: 'call'; pos: number; fn: string; target: Expr | undefined; args: Expr[] }
  | { k: 'list'; pos: number; elems: Expr[]; optional?: number[] }
  | { k: 'map'; pos: number; entries: { key: Expr; value: Expr }[]; optional?: number[] }
  | {
      k: 'macro';
      pos: number;
      macro: MacroName;
      target: Expr;
      iterVar: string;
      /** The second variable of a two-variable comprehension (cel-go's `ext.TwoVarComprehensions`). */
      iterVar2?: string;
      body: Expr;
      transform: Expr | undefined;
    };

/**
 * `bind` is `cel.bind(v, init, body)` (cel-spec bindings extension): `target` is `init`, evaluated
 * once, and `body` sees it as `v`. The others iterate `target`, a list or a map's keys.
 * `sortBy` (cel-go's lists extension) iterates a list only: `body` is each element's key, and
 * the registry function `sortBy` (its keys form, `list.sortBy(keys)`) orders the elements by
 * their keys, so the ordering rules live with the other list functions.
 *
 * With `iterVar2`, `all`, `exists`, `exists_one`/`existsOne` and the `transform*` macros see each
 * element as (index, value) of a list or (key, value) of a map. `transformList`, `transformMap`
 * and `transformMapEntry` compute `body` for each element; with a filter,
 * `transformList(i, v, f, t)`, `body` is the filter `f` and `transform` the value `t`.
 * `optMap` and `optFlatMap` (cel-go's optional library) are `bind` over an optional's value:
 * `target` is the optional, and `body` runs only when it has a value.
 */
export type MacroName =
  | 'all'
  | 'exists'
  | 'exists_one'
  | 'existsOne'
  | 'map'
  | 'filter'
  | 'bind'
  | 'sortBy'
  | 'transformList'
  | 'transformMap'
  | 'transformMapEntry'
  | 'optMap'
  | 'optFlatMap';

/** The variables a macro binds for its body (and transform). */
export function macroVars(e: Extract<Expr, { k: 'macro' }>): string[] {
  return e.iterVar2 === undefined ? [e.iterVar] : [e.iterVar, e.iterVar2];
}

/** The registry function the `sortBy` macro hands the list and its keys to. */
export const SORT_BY_FUNCTION = 'sortBy';

/** Operator names as they appear in `call.fn`. */
export const OP = {
  add: '_+_',
  sub: '_-_',
  mul: '_*_',
  div: '_/_',
  mod: '_%_',
  neg: '-_',
  not: '!_',
  and: '_&&_',
  or: '_||_',
  cond: '_?_:_',
  eq: '_==_',
  ne: '_!=_',
  lt: '_<_',
  le: '_<=_',
  gt: '_>_',
  ge: '_>=_',
  in: '@in',
  index: '_[_]',
  /** `a.?f`: `optional.of(a.f)` when `a` has the field `f`, else `optional.none()`. */
  optSelect: '_?._',
  /** `a[?i]`: `optional.of(a[i])` when the index or key exists, else `optional.none()`. */
  optIndex: '_[?_]',
} as const;

/** The sub-expressions of a node, in source order. */
export function childrenOf(e: Expr): Expr[] {
  switch (e.k) {
    case 'lit':
    case 'ident':
      return [];
    case 'select':
      return [e.target];
    case 'call':
      return e.target ? [e.target, ...e.args] : e.args;
    case 'list':
      return e.elems;
    case 'map':
      return e.entries.flatMap((x) => [x.key, x.value]);
    case 'macro':
      return e.transform ? [e.target, e.body, e.transform] : [e.target, e.body];
  }
}

/**
 * The first node found below `max` levels of nesting, or undefined when the tree is no deeper.
 * Iterative, so that it is safe on any tree the parser can build.
 */
export function deeperThan(root: Expr, max: number): Expr | undefined {
  const stack: [Expr, number][] = [[root, 1]];
  while (stack.length > 0) {
    const [e, d] = stack.pop()!;
    if (d > max) return e;
    for (const c of childrenOf(e)) stack.push([c, d + 1]);
  }
  return undefined;
}

/** Number of nodes, for the AST size limit. */
export function countNodes(e: Expr): number {
  switch (e.k) {
    case 'lit':
    case 'ident':
      return 1;
    case 'select':
      return 1 + countNodes(e.target);
    case 'call':
      return 1 + (e.target ? countNodes(e.target) : 0) + e.args.reduce((s, a) => s + countNodes(a), 0);
    case 'list':
      return 1 + e.elems.reduce((s, a) => s + countNodes(a), 0);
    case 'map':
      return 1 + e.entries.reduce((s, x) => s + countNodes(x.key) + countNodes(x.value), 0);
    case 'macro':
      return 1 + countNodes(e.target) + countNodes(e.body) + (e.transform ? countNodes(e.transform) : 0);
  }
}

/** `a.b.c` as ['a','b','c'] when the expression is a plain path of field selections. */
export function pathOf(e: Expr): string[] | undefined {
  const fields: string[] = [];
  let x = e;
  while (x.k === 'select' && !x.test) {
    fields.push(x.field);
    x = x.target;
  }
  if (x.k !== 'ident') return undefined;
  fields.push(x.name);
  return fields.reverse();
}
