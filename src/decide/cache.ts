// The decision cache: used only for a revision whose policies the compiler proved pure (no
// clock, no state, no impure builtin), so a decision depends on nothing but the input. The
// key is the revision plus a canonical rendering of exactly the input paths the policies
// read, so fields the policies ignore (a request id, a trace header) do not spoil hits.

import { LRUCache } from 'lru-cache';
import { OP, macroVars, type Expr } from '../lang/ast.js';
import { CelDuration, CelOptional, CelTimestamp, CelType, CelUint } from '../lang/values.js';

export interface CacheStats {
  enabled: boolean;
  hits: number;
  misses: number;
  size: number;
}

/** Decisions from the cache are shared between callers, so they are frozen. */
interface Frozen {
  readonly effect: string;
}

export class DecisionCache {
  private readonly lru: LRUCache<string, Frozen>;
  private hits = 0;
  private misses = 0;

  constructor(max: number) {
    this.lru = new LRUCache({ max });
  }

  /**
   * The key of this input for this revision, or undefined for an input the digest cannot
   * render (a cycle, a function): such an input is decided afresh and not cached.
   */
  key(revision: string, paths: string[][], input: unknown): string | undefined {
    return digest(revision, paths, input);
  }

  /** The cached decision for a key, counting the hit or the miss. */
  get<D extends object>(key: string): D | undefined {
    const hit = this.lru.get(key);
    if (hit !== undefined) this.hits++;
    else this.misses++;
    return hit as unknown as D | undefined;
  }

  /** Keeps a fresh decision, frozen, since every later hit shares it. */
  set<D extends object>(key: string, d: D): D {
    deepFreeze(d);
    this.lru.set(key, d as unknown as Frozen);
    return d;
  }

  stats(): CacheStats {
    return { enabled: true, hits: this.hits, misses: this.misses, size: this.lru.size };
  }
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/**
 * The input paths a set of expressions reads: each field-selection chain that starts at an
 * input variable, as far as it goes (`request.model`; `request.messages` when the messages
 * are iterated or indexed). A path is read whole, so anything under it is in the key.
 */
export function inputPaths(asts: Expr[], lets: Set<string>): string[][] {
  const out = new Map<string, string[]>();
  const add = (p: string[]) => out.set(p.join('\u0000'), p);
  const walk = (e: Expr, bound: Set<string>): void => {
    switch (e.k) {
      case 'lit':
        return;
      case 'ident':
        if (!bound.has(e.name) && !lets.has(e.name) && e.name !== 'now') add([e.name]);
        return;
      case 'select': {
        walkPath(e, bound);
        return;
      }
      case 'list':
        e.elems.forEach((y) => walk(y, bound));
        return;
      case 'map':
        e.entries.forEach((y) => {
          walk(y.key, bound);
          walk(y.value, bound);
        });
        return;
      case 'macro': {
        walk(e.target, bound);
        const inner = new Set([...bound, ...macroVars(e)]);
        walk(e.body, inner);
        if (e.transform) walk(e.transform, inner);
        return;
      }
      case 'call':
        if (step(e)) return walkPath(e, bound);
        if (e.target) walk(e.target, bound);
        e.args.forEach((y) => walk(y, bound));
        return;
    }
  };
  // `a.b.c`, `has(a.b)` and `a.?b.?c` read the path a.b.c: what is there, or that nothing is
  const walkPath = (e: Expr, bound: Set<string>): void => {
    const path: string[] = [];
    let x: Expr = e;
    for (let s = step(x); s; s = step(x)) {
      path.unshift(s.field);
      x = s.target;
    }
    if (x.k === 'ident') {
      if (!bound.has(x.name) && !lets.has(x.name) && x.name !== 'now') add([x.name, ...path]);
    } else walk(x, bound);
  };
  for (const a of asts) walk(a, new Set());
  // A path under another read path adds nothing to the key.
  const all = [...out.values()].sort((a, b) => a.length - b.length);
  return all.filter((p, i) => !all.slice(0, i).some((q) => q.length < p.length && q.every((k, j) => p[j] === k)));
}

/** One field selection: `a.f`, `has(a.f)` or `a.?f`. */
function step(e: Expr): { target: Expr; field: string } | undefined {
  if (e.k === 'select') return e;
  if (e.k === 'call' && e.fn === OP.optSelect && e.args.length === 2) {
    const f = e.args[1]!;
    if (f.k === 'lit' && typeof f.value === 'string') return { target: e.args[0]!, field: f.value };
  }
  return undefined;
}

const MISSING = '\u0001';

/** Revision and the canonical form of each read path's value; undefined for an unrenderable input. */
function digest(revision: string, paths: string[][], input: unknown): string | undefined {
  let out = revision;
  for (const p of paths) {
    let v: unknown = input;
    for (const k of p) {
      if (v === null || typeof v !== 'object' || v instanceof Map || !Object.prototype.hasOwnProperty.call(v, k)) {
        v = v instanceof Map && v.has(k) ? v.get(k) : undefined;
        if (v === undefined) break;
      } else v = (v as Record<string, unknown>)[k];
    }
    const c = v === undefined ? MISSING : canonical(v, 0);
    if (c === undefined) return undefined;
    out += `\u0000${c}`;
  }
  return out;
}

/** A rendering in which equal CEL values of the same type are equal strings. */
function canonical(v: unknown, depth: number): string | undefined {
  if (depth > 64) return undefined;
  switch (typeof v) {
    case 'string':
      return `s${v.length}:${v}`; // length-prefixed: unambiguous without escaping
    case 'number':
      return Number.isNaN(v) ? 'd:NaN' : Object.is(v, -0) ? 'd:-0' : `d:${v}`;
    case 'bigint':
      return `i:${v}`;
    case 'boolean':
      return v ? 'T' : 'F';
    case 'object': {
      if (v === null) return 'N';
      if (Array.isArray(v)) {
        const parts: string[] = [];
        for (const x of v) {
          const c = x === undefined ? 'U' : canonical(x, depth + 1);
          if (c === undefined) return undefined;
          parts.push(c);
        }
        return `[${parts.join(',')}]`;
      }
      if (v instanceof CelUint) return `u:${v.value}`;
      if (v instanceof CelOptional) {
        if (!v.hasValue()) return 'o:none';
        const c = canonical(v.valueOrUndefined, depth + 1);
        return c === undefined ? undefined : `o:${c}`;
      }
      if (v instanceof CelTimestamp) return `ts:${v.ns}`;
      if (v instanceof CelDuration) return `du:${v.ns}`;
      if (v instanceof CelType) return `ty:${v.name}`;
      if (v instanceof Date) return `ts:${v.getTime()}`;
      if (v instanceof Uint8Array) return `b:${Array.from(v).join('.')}`;
      const entries =
        v instanceof Map ? [...v.entries()] : Object.keys(v).map((k) => [k, (v as Record<string, unknown>)[k]] as [unknown, unknown]);
      const parts: string[] = [];
      for (const [k, x] of entries) {
        if (x === undefined) continue;
        const ck = canonical(k, depth + 1);
        const cx = canonical(x, depth + 1);
        if (ck === undefined || cx === undefined) return undefined;
        parts.push(`${ck}:${cx}`);
      }
      return `{${parts.sort().join(',')}}`;
    }
    default:
      return undefined; // functions, symbols: no stable rendering
  }
}
