// Rule indexing: rules guarded by `path == 'const'` or `path in ['a', 'b']` in their top-level
// conjunction are found by hash lookups on the values at those paths, so 10,000 such rules
// cost about what 10 cost. The index is a tree: rules are bucketed by the value at the path
// that guards the most of them, and a large bucket is split again on another path its rules
// share (`team == 't' && model == 'm'` becomes team -> model -> rules). It only narrows the
// candidates: each candidate's whole condition is still evaluated, so the result is the
// same as trying every rule in order.

import { OP, pathOf, type Expr } from '../lang/ast.js';

export interface RuleIndex {
  path: string[];
  /** Rules by the constant they require at `path`. */
  byValue: Map<string, Bucket>;
  /** Rules the index cannot narrow, ascending: tried for every input that reaches this node. */
  rest: number[];
  /** Every rule under this node, ascending: tried when the path's value is missing or not a string. */
  all: number[];
}

interface Bucket {
  rules: number[];
  sub: RuleIndex | undefined;
  /**
   * Rules of this bucket whose whole condition is guards on the paths looked up to reach it:
   * reaching the bucket proves the condition true, so the engine need not evaluate it.
   */
  decided: Set<number>;
}

type Guard = [path: string, values: string[]];

/** Conjuncts of `a && b && c`. */
function conjuncts(e: Expr): Expr[] {
  if (e.k === 'call' && e.fn === OP.and) return [...conjuncts(e.args[0]!), ...conjuncts(e.args[1]!)];
  return [e];
}

/** `path == 'x'`, `'x' == path` or `path in ['x', 'y']` as [path, values]. */
function guard(e: Expr, isInputPath: (p: string[]) => boolean): Guard | undefined {
  if (e.k !== 'call' || e.target) return undefined;
  const [a, b] = e.args;
  if (e.fn === OP.eq) {
    for (const [p, c] of [
      [a, b],
      [b, a],
    ] as [Expr, Expr][]) {
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
 * Builds an index over the rules' guards, or none when fewer than `minRules` rules could use
 * one (a lookup costs more than trying a handful of rules).
 */
export function buildIndex(whens: (Expr | undefined)[], isInputPath: (p: string[]) => boolean, minRules = 8): RuleIndex | undefined {
  const parts = whens.map((w) => (w ? conjuncts(w) : []));
  const guards = parts.map((cs) => cs.map((c) => guard(c, isInputPath)).filter((g) => g !== undefined));
  // A rule whose conjuncts are all guards, each on a different path, is decided by the lookups.
  const pure = parts.map(
    (cs, i) => cs.length > 0 && guards[i]!.length === cs.length && new Set(guards[i]!.map((g) => g[0])).size === cs.length,
  );
  return node(
    whens.map((_, i) => i),
    guards,
    pure,
    new Set(),
    minRules,
  );
}

function node(rules: number[], guards: Guard[][], pure: boolean[], used: Set<string>, minRules: number): RuleIndex | undefined {
  // The path that guards the most rules; ties go to the one with more distinct values.
  const counts = new Map<string, { n: number; values: Set<string> }>();
  for (const i of rules) {
    for (const [p, vals] of guards[i]!) {
      if (used.has(p)) continue;
      const c = counts.get(p) ?? { n: 0, values: new Set<string>() };
      c.n++;
      for (const v of vals) c.values.add(v);
      counts.set(p, c);
    }
  }
  let best: string | undefined;
  let bestC: { n: number; values: Set<string> } | undefined;
  for (const [p, c] of counts) {
    if (!bestC || c.n > bestC.n || (c.n === bestC.n && c.values.size > bestC.values.size)) [best, bestC] = [p, c];
  }
  if (best === undefined || bestC!.n < minRules || bestC!.values.size < 2) return undefined;
  const byValue = new Map<string, Bucket>();
  const rest: number[] = [];
  for (const i of rules) {
    const g = guards[i]!.find((x) => x[0] === best);
    if (!g) {
      rest.push(i);
      continue;
    }
    for (const v of new Set(g[1])) {
      const b = byValue.get(v);
      if (b) b.rules.push(i);
      else byValue.set(v, { rules: [i], sub: undefined, decided: new Set() });
    }
  }
  const deeper = new Set(used).add(best);
  for (const b of byValue.values()) {
    for (const i of b.rules) if (pure[i] && guards[i]!.every((g) => deeper.has(g[0]))) b.decided.add(i);
    if (b.rules.length >= minRules) b.sub = node(b.rules, guards, pure, deeper, minRules);
  }
  return { path: best.split('.'), byValue, rest, all: rules };
}

/**
 * Candidate rule positions for an input, in rule order; undefined means "try every rule"
 * (the path is missing or not a string, so the guard's own error or mismatch must show).
 */
export function candidates(index: RuleIndex, input: Record<string, unknown>): number[] | undefined {
  decidedByLookup = undefined;
  try {
    return lookup(index, input, undefined);
  } catch {
    // A getter or Proxy in the input threw: try every rule, so that each rule that reads the
    // field meets the error itself and its policy's onError decides.
    decidedByLookup = undefined;
    return index.all;
  }
}

let decidedByLookup: Set<number> | undefined;

/**
 * Rules among the last `candidates()` whose condition the lookups proved true. Read it right
 * after `candidates()`, before anything else can look up (evaluation is synchronous).
 */
export function decidedRules(): Set<number> | undefined {
  return decidedByLookup;
}

function lookup(index: RuleIndex, input: Record<string, unknown>, fallback: number[] | undefined): number[] | undefined {
  let v: unknown = input;
  for (const key of index.path) {
    if (typeof v !== 'object' || v === null || !Object.prototype.hasOwnProperty.call(v, key)) return fallback ?? index.all;
    v = (v as Record<string, unknown>)[key];
  }
  if (typeof v !== 'string') return fallback ?? index.all;
  const bucket = index.byValue.get(v);
  if (bucket === undefined) return index.rest;
  if (bucket.sub === undefined) {
    if (bucket.decided.size > 0) decidedByLookup = bucket.decided;
    return merge(bucket.rules, index.rest);
  }
  const hit = lookup(bucket.sub, input, bucket.rules)!;
  // the deepest bucket reached decides; a sub-index that could not look up leaves only this one
  if (decidedByLookup === undefined && bucket.decided.size > 0) decidedByLookup = bucket.decided;
  return merge(hit, index.rest);
}

function merge(a: number[], b: number[]): number[] {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i]! < b[j]!)) out.push(a[i++]!);
    else out.push(b[j++]!);
  }
  return out;
}

/** The index as plain data (JSON), for a prebuilt module. */
export interface IndexData {
  path: string[];
  byValue: [string, { rules: number[]; sub: IndexData | null; decided: number[] }][];
  rest: number[];
  all: number[];
}

export function indexToData(index: RuleIndex): IndexData {
  return {
    path: index.path,
    byValue: [...index.byValue].map(([v, b]) => [v, { rules: b.rules, sub: b.sub ? indexToData(b.sub) : null, decided: [...b.decided] }]),
    rest: index.rest,
    all: index.all,
  };
}

export function indexFromData(d: IndexData): RuleIndex {
  return {
    path: d.path,
    byValue: new Map(
      d.byValue.map(([v, b]) => [v, { rules: b.rules, sub: b.sub ? indexFromData(b.sub) : undefined, decided: new Set(b.decided) }]),
    ),
    rest: d.rest,
    all: d.all,
  };
}
