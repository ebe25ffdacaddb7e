// The decision cache's keys (its store is ./decision-cache.ts). A revision is cached only when
// the compiler proved its policies pure (no clock, no state, no impure builtin), so a decision
// depends on nothing but the input. The key is the revision plus a canonical rendering of
// exactly the input paths the policies read, so fields the policies ignore (a request id, a
// trace header) do not spoil hits.

import { OP, macroVars, type Expr } from '../lang/ast.js';
import { CelDuration, CelOptional, CelTimestamp, CelType, CelUint, kindOf } from '../lang/values.js';

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

const OWN = Object.prototype.hasOwnProperty;

/**
 * Revision and the canonical form of each read path's value; undefined for an unrenderable
 * input or one whose key would pass `max` characters. One pass of string appends: a hit costs
 * this, so the values a policy usually reads (a string, a number, a boolean) are rendered here
 * without a call, and only lists and maps go through `canonical`.
 */
export function digest(revision: string, paths: string[][], input: unknown, max: number): string | undefined {
  let out = revision;
  for (let i = 0; i < paths.length; i++) {
    const p = paths[i]!;
    let v: unknown = input;
    for (let j = 0; j < p.length; j++) {
      const k = p[j]!;
      if (v === null || typeof v !== 'object' || v instanceof Map || !OWN.call(v, k)) {
        v = v instanceof Map && v.has(k) ? v.get(k) : undefined;
        if (v === undefined) break;
      } else v = (v as Record<string, unknown>)[k];
    }
    switch (typeof v) {
      case 'undefined':
        out += '\u0000\u0001';
        break;
      case 'string':
        // a long text is given up on before it is copied into a key it would make too long
        if (out.length + v.length > max) return undefined;
        out += `\u0000s${v.length}:${v}`;
        break;
      case 'number':
        out += number(v);
        break;
      case 'boolean':
        out += v ? '\u0000T' : '\u0000F';
        break;
      default: {
        const c = canonical(v, 0, { left: max - out.length });
        if (c === undefined) return undefined;
        out += `\u0000${c}`;
      }
    }
    if (out.length > max) return undefined;
  }
  return out;
}

const F64 = new Float64Array(1);
const BYTES = new Uint8Array(F64.buffer);

/**
 * A number as a key part: a 32-bit integer in decimal (`d:12`), any other number as `f` and its
 * eight IEEE-754 bytes, which is one-to-one like the decimal form (-0 apart from 0, every NaN
 * alike) but skips the shortest-decimal conversion that cost ~150 ns a double.
 */
function number(v: number): string {
  if ((v | 0) === v && (v !== 0 || 1 / v > 0)) return `\u0000d:${v}`;
  if (Number.isNaN(v)) return '\u0000d:NaN';
  F64[0] = v;
  const b = BYTES;
  return `\u0000f${String.fromCharCode(b[0]!, b[1]!, b[2]!, b[3]!, b[4]!, b[5]!, b[6]!, b[7]!)}`;
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
        let out = '[';
        for (let i = 0; i < v.length; i++) {
          const x: unknown = v[i];
          const c = x === undefined ? 'U' : canonical(x, depth + 1, budget);
          if (c === undefined) return undefined;
          out += i === 0 ? c : `,${c}`;
        }
        return `${out}]`;
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
