// Rule indexing: rules guarded by `path == 'const'` or `path in ['a', 'b']` in their top-level
// conjunction are found by a hash lookup on the value at `path`, so 10,000 such rules cost
// about what 10 cost. The index only narrows the candidates: every candidate's whole
// condition is still evaluated, so the result is the same as trying every rule in order.

import { OP, pathOf, type Expr } from '../lang/ast.js';

export interface RuleIndex {
  path: string[];
  /** Rule positions by the constant they require, ascending. */
  byValue: Map<string, number[]>;
  /** Rules the index cannot narrow, ascending; evaluated for every input. */
  rest: number[];
}

/** Conjuncts of `a && b && c`. */
function conjuncts(e: Expr): Expr[] {
  if (e.k === 'call' && e.fn === OP.and) return [...conjuncts(e.args[0]!), ...conjuncts(e.args[1]!)];
  return [e];
}

/** `path == 'x'`, `'x' == path` or `path in ['x', 'y']` as [path, values]. */
function guard(e: Expr, isInputPath: (p: string[]) => boolean): [string, string[]] | undefined {
  if (e.k !== 'call' || e.target) return undefined;
  const [a, b] = e.args;
  if (e.fn === OP.eq) {
    for (const [p, c] of [[a, b], [b, a]] as [Expr, Expr][]) {
      const path = pathOf(p);
      if (path && isInputPath(path) && c.k === 'lit' && typeof c.value === 'string') return [path.join('.'), [c.value]];
    }
  }
  if (e.fn === OP.in && b!.k === 'list') {
    const path = pathOf(a!);
    const vals = b!.elems.map((x) => (x.k === 'lit' && typeof x.value === 'string' ? x.value : undefined));
    if (path && isInputPath(path) && vals.every((v) => v !== undefined)) return [path.join('.'), vals as string[]];
  }
  return undefined;
}

/**
 * Builds an index over the path that narrows the most rules, or none when fewer than
 * `minRules` rules could use one (a lookup costs more than trying a handful of rules).
 */
export function buildIndex(whens: (Expr | undefined)[], isInputPath: (p: string[]) => boolean, minRules = 8): RuleIndex | undefined {
  const guards = whens.map((w) => (w ? conjuncts(w).map((c) => guard(c, isInputPath)).filter((g) => g !== undefined) : []));
  const counts = new Map<string, number>();
  for (const gs of guards) for (const p of new Set(gs.map((g) => g[0]))) counts.set(p, (counts.get(p) ?? 0) + 1);
  let best: string | undefined;
  let bestN = 0;
  for (const [p, n] of counts) if (n > bestN) [best, bestN] = [p, n];
  if (best === undefined || bestN < minRules) return undefined;
  const byValue = new Map<string, number[]>();
  const rest: number[] = [];
  guards.forEach((gs, i) => {
    const g = gs.find((x) => x[0] === best);
    if (!g) return rest.push(i);
    for (const v of new Set(g[1])) {
      const list = byValue.get(v);
      if (list) list.push(i);
      else byValue.set(v, [i]);
    }
  });
  return { path: best.split('.'), byValue, rest };
}

const EMPTY: number[] = [];

/**
 * Candidate rule positions for an input, in rule order; undefined means "try every rule"
 * (the path is missing or not a string, so the guard's own error or mismatch must show).
 */
export function candidates(index: RuleIndex, input: Record<string, unknown>): number[] | undefined {
  let v: unknown = input;
  for (const key of index.path) {
    if (typeof v !== 'object' || v === null) return undefined;
    if (!Object.prototype.hasOwnProperty.call(v, key)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  if (typeof v !== 'string') return undefined;
  const hit = index.byValue.get(v) ?? EMPTY;
  const rest = index.rest;
  if (rest.length === 0) return hit;
  if (hit.length === 0) return rest;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < hit.length || j < rest.length) {
    if (j >= rest.length || (i < hit.length && hit[i]! < rest[j]!)) out.push(hit[i++]!);
    else out.push(rest[j++]!);
  }
  return out;
}
