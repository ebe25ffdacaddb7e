// The decision cache: used only for a revision whose policies the compiler proved pure (no
// clock, no state, no impure builtin), so a decision depends on nothing but the input. The
// key is the revision plus a canonical rendering of exactly the input paths the policies
// read, so fields the policies ignore (a request id, a trace header) do not spoil hits.

import { LRUCache } from 'lru-cache';
import { OP, macroVars, type Expr } from '../lang/ast.js';
import { CelDuration, CelOptional, CelTimestamp, CelType, CelUint, kindOf } from '../lang/values.js';

export interface CacheStats {
  enabled: boolean;
  hits: number;
  misses: number;
  size: number;
  /** Bytes the cached keys and decisions are estimated to hold (bounded by `maxBytes`). */
  bytes: number;
  /** Inputs not cached because their key was longer than `maxKeyLength`. */
  skipped: number;
}

export interface CacheOptions {
  /** Decisions kept. */
  max: number;
  /** Estimated bytes of keys and decisions kept; the least recently used go first. Default 64 MB. */
  maxBytes?: number;
  /**
   * Characters of the longest key cached. The key renders every input field the policies read,
   * so a long prompt makes a long key; such inputs are decided afresh, not cached, and not
   * hashed either (a short hash of attacker-chosen text could be made to collide). Default 16,384.
   */
  maxKeyLength?: number;
}

export const CACHE_DEFAULTS = Object.freeze({ maxBytes: 64 * 1024 * 1024, maxKeyLength: 16_384 });

/** Decisions from the cache are shared between callers, so they are frozen. */
interface Frozen {
  readonly effect: string;
}

export class DecisionCache {
  private readonly lru: LRUCache<string, Frozen>;
  private readonly maxKeyLength: number;
  private hits = 0;
  private misses = 0;
  private skipped = 0;

  constructor(options: CacheOptions) {
    this.maxKeyLength = options.maxKeyLength ?? CACHE_DEFAULTS.maxKeyLength;
    this.lru = new LRUCache({
      max: options.max,
      maxSize: options.maxBytes ?? CACHE_DEFAULTS.maxBytes,
      sizeCalculation: (d, key) => 2 * key.length + decisionBytes(d),
    });
  }

  /**
   * The key of this input for this revision, or undefined for an input not to cache: one the
   * digest cannot render (a cycle, a function, a getter that throws) or whose key is too long.
   */
  key(revision: string, paths: string[][], input: unknown): string | undefined {
    let k: string | undefined;
    try {
      k = digest(revision, paths, input, this.maxKeyLength);
    } catch {
      return undefined; // a getter or Proxy threw: decide afresh, do not cache
    }
    if (k === undefined) this.skipped++;
    return k;
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
    return {
      enabled: true,
      hits: this.hits,
      misses: this.misses,
      size: this.lru.size,
      bytes: this.lru.calculatedSize,
      skipped: this.skipped,
    };
  }
}

/** A rough size of a decision: its strings twice over (UTF-16), plus a fixed cost per object. */
function decisionBytes(d: unknown): number {
  const x = d as { reasons: string[]; matched: { message?: string }[]; obligations: unknown[]; errors: { message: string }[] };
  let n = 200;
  for (const r of x.reasons) n += 40 + 2 * r.length;
  for (const m of x.matched) n += 120 + 2 * (m.message?.length ?? 0);
  for (const e of x.errors) n += 120 + 2 * e.message.length;
  n += 200 * x.obligations.length;
  return n;
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
        e.elems.forEach((y) => {
          walk(y, bound);
        });
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
        e.args.forEach((y) => {
          walk(y, bound);
        });
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
  return prunePaths([...out.values()]);
}

/** The paths without duplicates and without any path under another (it adds nothing to the key). */
export function prunePaths(paths: string[][]): string[][] {
  const seen = new Set<string>();
  const kept: string[][] = [];
  for (const p of [...paths].sort((a, b) => a.length - b.length)) {
    let covered = false;
    for (let n = 1; n <= p.length && !covered; n++) covered = seen.has(p.slice(0, n).join('\u0000'));
    if (covered) continue;
    seen.add(p.join('\u0000'));
    kept.push(p);
  }
  return kept;
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

/**
 * Revision and the canonical form of each read path's value; undefined for an unrenderable
 * input or one whose key would pass `max` characters.
 */
function digest(revision: string, paths: string[][], input: unknown, max: number): string | undefined {
  let out = revision;
  for (const p of paths) {
    let v: unknown = input;
    for (const k of p) {
      if (v === null || typeof v !== 'object' || v instanceof Map || !Object.prototype.hasOwnProperty.call(v, k)) {
        v = v instanceof Map && v.has(k) ? v.get(k) : undefined;
        if (v === undefined) break;
      } else v = (v as Record<string, unknown>)[k];
    }
    const c = v === undefined ? MISSING : canonical(v, 0, { left: max - out.length });
    if (c === undefined) return undefined;
    out += `\u0000${c}`;
    if (out.length > max) return undefined;
  }
  return out;
}

/**
 * The canonical rendering of one value (at most 4,096 characters), or undefined when it has
 * none: what a canary hashes to place an input on one side.
 */
export function canonicalKey(v: unknown): string | undefined {
  try {
    return canonical(v, 0, { left: 4096 });
  } catch {
    return undefined; // a getter or Proxy threw
  }
}

/** A rendering in which equal CEL values of the same type are equal strings. */
function canonical(v: unknown, depth: number, budget: { left: number }): string | undefined {
  if (depth > 64) return undefined;
  // a long text is given up on before it is copied into a key it would make too long
  if (typeof v === 'string' && (budget.left -= v.length) < 0) return undefined;
  if (typeof v === 'object' && v !== null && (budget.left -= 8) < 0) return undefined;
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
          const c = x === undefined ? 'U' : canonical(x, depth + 1, budget);
          if (c === undefined) return undefined;
          parts.push(c);
        }
        return `[${parts.join(',')}]`;
      }
      if (v instanceof CelUint) return `u:${v.value}`;
      if (v instanceof CelOptional) {
        if (!v.hasValue()) return 'o:none';
        const c = canonical(v.valueOrUndefined, depth + 1, budget);
        return c === undefined ? undefined : `o:${c}`;
      }
      if (v instanceof CelTimestamp) return `ts:${v.ns}`;
      if (v instanceof CelDuration) return `du:${v.ns}`;
      if (v instanceof CelType) return `ty:${v.name}`;
      if (v instanceof Date) return `ts:${v.getTime()}`;
      if (v instanceof Uint8Array) return `b:${Array.from(v).join('.')}`;
      if (kindOf(v) === 'unknown') return undefined; // a Set, a typed array: not a CEL value
      const entries =
        v instanceof Map ? [...v.entries()] : Object.keys(v).map((k) => [k, (v as Record<string, unknown>)[k]] as [unknown, unknown]);
      const parts: string[] = [];
      for (const [k, x] of entries) {
        if (x === undefined) continue;
        const ck = canonical(k, depth + 1, budget);
        const cx = canonical(x, depth + 1, budget);
        if (ck === undefined || cx === undefined) return undefined;
        parts.push(`${ck}:${cx}`);
      }
      return `{${parts.sort().join(',')}}`;
    }
    default:
      return undefined; // functions, symbols: no stable rendering
  }
}
