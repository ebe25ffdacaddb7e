// Compiles a checked AST into a tree of closures, once, at load time (no eval: edge runtimes
// forbid it). What the closures gain over the reference interpreter:
//  - constant subtrees are folded (pure functions only);
//  - variables resolve to slots: macro variables to a frame array, `let`s to lazily filled
//    cells (evaluated at most once per decision), input variables to a direct property read;
//  - fast paths for the common kinds (double arithmetic and comparison, string equality,
//    `in` over a constant list through a Set), falling back to the shared operator semantics;
//  - `&&`/`||` short-circuit with CEL's error absorption, using exceptions only on error paths.
// Purity (reads the clock? reads state?) is collected for the decision cache.

import { OP, SORT_BY_FUNCTION, macroVars, pathOf, type Expr } from '../lang/ast.js';
import type { CheckIssue } from '../lang/checker.js';
import { EvaluationError, toEvaluationError } from '../lang/errors.js';
import * as ops from '../lang/operators.js';
import type { Impl, Registry } from '../lang/registry.js';
import { CelOptional, CelTimestamp, celEquals, kindOf, mapEntries, mapKeys, noOverload, typeNameOf } from '../lang/values.js';
import { Failed, UNSET, readField, readFieldChecked, readVar, selectImpl, type CallSite, type Evaluator, type Frame } from './frame.js';

export interface Purity {
  clock: boolean;
  state: boolean;
}

export interface CompileContext {
  registry: Registry;
  /** Let names visible to this expression, with their cell index. */
  lets?: ReadonlyMap<string, number>;
  /** Lets whose value is a constant, known at load: used as literals (folded, indexed). */
  letConsts?: ReadonlyMap<string, unknown>;
  /** Evaluators of the lets, by cell index; read at run time so they may be filled in later. */
  letEvals?: Evaluator[];
  /** Receives problems found while compiling (a constant regex that does not compile, ...). */
  issues?: CheckIssue[];
  /** Accumulates what the expression reads. */
  purity?: Purity;
  /** Next free macro variable slot; shared by every expression of a policy. */
  varSlots?: { n: number };
  /** Receives what was decided for each node, for the code generator (src/compile/codegen) to follow. */
  notes?: Notes;
}

/**
 * What the closure compiler decided for one node: the code generator emits the same
 * semantics from these, so constant folding, name resolution and the choice of a builtin's
 * implementation have one home (this file, and ./frame.ts for the choice made again at load).
 */
export interface Note {
  /** The node's value is known at load time. */
  konst?: { value: unknown };
  /** An identifier: what the name refers to. */
  ref?: { kind: 'macro' } | { kind: 'let'; cell: number } | { kind: 'now' } | { kind: 'input'; direct: boolean };
  /**
   * A selection read as one path from an input or macro variable (`request.model`);
   * `checked` when a name on it is also a name of Object.prototype (read through hasOwnProperty).
   */
  path?: { names: string[]; checked: boolean };
  /** A call of a registry function, or the ordering step of the `sortBy` macro. */
  site?: CallSite;
  /** A call of a function the registry lacks: it fails when evaluated. */
  unknownFunction?: true;
}

export type Notes = Map<Expr, Note>;

interface Node {
  ev: Evaluator;
  /** Set when the value is known at load time. */
  konst?: { value: unknown };
}

export function compile(e: Expr, ctx: CompileContext): Evaluator {
  return compileNode(e, ctx).ev;
}

/** The evaluator, and the value when the whole expression is a constant. */
export function compileNode(e: Expr, ctx: CompileContext): { ev: Evaluator; konst?: { value: unknown } } {
  return new Compiler(ctx).node(e, new Map());
}

/** A fresh frame for one evaluation. */
export function newFrame(
  input: Record<string, unknown>,
  lets: number,
  vars: number,
  maxSteps: number,
  clock: () => number,
  host?: unknown,
): Frame {
  return {
    input,
    lets: new Array(lets).fill(UNSET),
    vars: new Array(vars).fill(undefined),
    steps: 0,
    maxSteps,
    now: undefined,
    clock,
    host,
  };
}

function at(e: unknown, pos: number): EvaluationError {
  return toEvaluationError(e, pos);
}

const konst = (value: unknown): Node => ({ ev: () => value, konst: { value } });

const FOLD_FRAME: Frame = {
  input: Object.create(null),
  lets: [],
  vars: [],
  steps: 0,
  maxSteps: 1_000_000,
  now: undefined,
  clock: () => {
    throw new Error('clock read while folding constants');
  },
  host: undefined,
};

export function rootPosition(e: Expr): number {
  let x = e;
  while (x.k === 'select') x = x.target;
  return x.pos;
}

export const PROTO_NAMES: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Positions of the selections of `a.b.c`, outermost last, for error offsets. */
export function selectPositions(e: Expr): number[] {
  const out: number[] = [];
  for (let x = e; x.k === 'select'; x = x.target) out.unshift(x.pos);
  return out;
}

class Compiler {
  /** Whether an expression reads nothing but the given macro variables and calls only pure functions. */
  private closed(x: Expr, bound: Set<string>): boolean {
    switch (x.k) {
      case 'lit':
        return true;
      case 'ident':
        return bound.has(x.name);
      case 'select':
        return this.closed(x.target, bound);
      case 'list':
        return x.elems.every((y) => this.closed(y, bound));
      case 'map':
        return x.entries.every((y) => this.closed(y.key, bound) && this.closed(y.value, bound));
      case 'macro': {
        const inner = new Set([...bound, ...macroVars(x)]);
        return this.closed(x.target, bound) && this.closed(x.body, inner) && (!x.transform || this.closed(x.transform, inner));
      }
      case 'call': {
        const decl = this.ctx.registry.get(x.fn);
        if (decl && decl.purity !== 'pure') return false;
        return (x.target ? this.closed(x.target, bound) : true) && x.args.every((y) => this.closed(y, bound));
      }
    }
  }

  private readonly purity: Purity;
  private readonly slots: { n: number };
  constructor(private readonly ctx: CompileContext) {
    this.purity = ctx.purity ?? { clock: false, state: false };
    this.slots = ctx.varSlots ?? { n: 0 };
  }

  /** Folds a node whose children are constants by running it once. */
  private fold(children: Node[], n: Node, pure = true): Node {
    if (!pure || !children.every((c) => c.konst)) return n;
    try {
      return konst(n.ev(FOLD_FRAME));
    } catch {
      return n; // keep the error for run time, where CEL's absorption rules may hide it
    }
  }

  node(e: Expr, scope: Map<string, number>): Node {
    const n = this.nodeOf(e, scope);
    const notes = this.ctx.notes;
    if (notes !== undefined && n.konst) {
      const note = notes.get(e);
      if (note) note.konst = n.konst;
      else notes.set(e, { konst: n.konst });
    }
    return n;
  }

  private note(e: Expr, note: Note): void {
    const notes = this.ctx.notes;
    if (notes === undefined) return;
    const had = notes.get(e);
    notes.set(e, had ? { ...had, ...note } : note);
  }

  private nodeOf(e: Expr, scope: Map<string, number>): Node {
    switch (e.k) {
      case 'lit':
        return konst(e.value);
      case 'ident': {
        const n = this.ident(e.name, e.pos, scope);
        if (!n.konst) this.note(e, { ref: this.refOf(e.name, scope) });
        return n;
      }
      case 'select': {
        const field = e.field;
        const pos = e.pos;
        // `a.b.c` on an input variable reads the whole path in one closure (fewer
        // megamorphic calls, and a chain compiles in time linear in its length); any
        // other target reads one field.
        const path = e.test ? undefined : this.inputPath(e, scope);
        const t: Node = path ? { ev: () => undefined } : this.node(e.target, scope);
        const tev = t.ev;
        if (e.test)
          return this.fold([t], {
            ev: (f) => {
              try {
                return ops.hasField(tev(f), field);
              } catch (err) {
                throw at(err, pos);
              }
            },
          });
        const read = path?.some((x) => PROTO_NAMES.has(x)) || PROTO_NAMES.has(field) ? readFieldChecked : readField;
        if (path) this.note(e, { path: { names: path, checked: read === readFieldChecked } });
        let ev: Evaluator;
        if (path) {
          const [root, ...fields] = path;
          const rootPos = rootPosition(e);
          const slot = scope.get(root!);
          // An input variable is read by a plain function the closure can inline; a macro
          // variable through its slot.
          const rootEv: Evaluator =
            slot !== undefined
              ? (f) => f.vars[slot]
              : PROTO_NAMES.has(root!)
                ? this.ident(root!, rootPos, scope).ev
                : (f) => readVar(f.input, root!, rootPos);
          const poss = selectPositions(e);
          if (fields.length === 1) {
            const f0 = fields[0]!;
            ev = (f) => read(rootEv(f), f0, pos);
          } else if (fields.length === 2) {
            const [f0, f1] = fields as [string, string];
            const p0 = poss[0]!;
            ev = (f) => read(read(rootEv(f), f0, p0), f1, pos);
          } else {
            ev = (f) => {
              let o = rootEv(f);
              for (let i = 0; i < fields.length; i++) o = read(o, fields[i]!, poss[i]!);
              return o;
            };
          }
        } else {
          ev = (f) => read(tev(f), field, pos);
        }
        return this.fold([t], { ev });
      }
      case 'list': {
        const elems = e.elems.map((x) => this.node(x, scope));
        const evs = elems.map((x) => x.ev);
        const opt = e.optional;
        if (opt === undefined || opt.length === 0) return this.fold(elems, { ev: (f) => evs.map((x) => x(f)) });
        // `[a, ?b]`: b's value when it has one
        const isOpt = e.elems.map((_, i) => opt.includes(i));
        const poss = e.elems.map((x) => x.pos);
        return this.fold(elems, {
          ev: (f) => {
            const out: unknown[] = [];
            for (let i = 0; i < evs.length; i++) {
              const v = evs[i]!(f);
              if (!isOpt[i]) out.push(v);
              else if (ops.optionalEntry(v, poss[i]!)) out.push((v as CelOptional).valueOrUndefined);
            }
            return out;
          },
        });
      }
      case 'map': {
        const keys = e.entries.map((x) => this.node(x.key, scope));
        const vals = e.entries.map((x) => this.node(x.value, scope));
        const pos = e.entries.map((x) => x.key.pos);
        // `{?k: v}`: the entry only when v has a value
        const isOpt = e.entries.map((_, i) => e.optional?.includes(i) ?? false);
        const valuePos = e.entries.map((x) => x.value.pos);
        const ev: Evaluator = (f) => {
          const m = new Map<unknown, unknown>();
          for (let i = 0; i < keys.length; i++) {
            const k = keys[i]!.ev(f);
            const kk = kindOf(k);
            if (kk !== 'string' && kk !== 'int' && kk !== 'uint' && kk !== 'bool') {
              throw new EvaluationError('invalid_argument', `unsupported map key type ${kk}`, pos[i]);
            }
            for (const x of m.keys())
              if (celEquals(x, k)) throw new EvaluationError('invalid_argument', `duplicate map key \`${String(k)}\``, pos[i]);
            const v = vals[i]!.ev(f);
            if (!isOpt[i]) m.set(k, v);
            else if (ops.optionalEntry(v, valuePos[i]!)) m.set(k, (v as CelOptional).valueOrUndefined);
          }
          return m;
        };
        return this.fold([...keys, ...vals], { ev });
      }
      case 'macro':
        return this.macro(e, scope);
      case 'call':
        return this.call(e, scope);
    }
  }

  /** `a.b.c` (plain selections) rooted at an input variable or a macro variable. */
  private inputPath(e: Expr, scope: Map<string, number>): string[] | undefined {
    const path = pathOf(e);
    if (!path) return undefined;
    const root = path[0]!;
    if (!scope.has(root) && (this.ctx.lets?.has(root) || this.ctx.letConsts?.has(root) || root === 'now')) return undefined;
    return path;
  }

  /** What a (non-constant) name refers to, as ident() resolves it. */
  private refOf(name: string, scope: Map<string, number>): NonNullable<Note['ref']> {
    if (scope.has(name)) return { kind: 'macro' };
    const cell = this.ctx.lets?.get(name);
    if (cell !== undefined) return { kind: 'let', cell };
    if (name === 'now') return { kind: 'now' };
    return { kind: 'input', direct: !(name in Object.prototype) };
  }

  private ident(name: string, pos: number, scope: Map<string, number>): Node {
    const slot = scope.get(name);
    if (slot === undefined && this.ctx.letConsts?.has(name)) return konst(this.ctx.letConsts.get(name));
    if (slot !== undefined) return { ev: (f) => f.vars[slot] };
    const cell = this.ctx.lets?.get(name);
    if (cell !== undefined) {
      const evals = this.ctx.letEvals;
      if (!evals) throw new Error('lets without evaluators');
      return {
        ev: (f) => {
          let v = f.lets[cell];
          if (v === UNSET) {
            try {
              v = evals[cell]!(f);
            } catch (err) {
              v = new Failed(at(err, pos));
            }
            f.lets[cell] = v;
          }
          if (v instanceof Failed) throw v.error;
          return v;
        },
      };
    }
    if (name === 'now') {
      this.purity.clock = true;
      return { ev: (f) => (f.now ??= CelTimestamp.fromMillis(f.clock())) };
    }
    const direct = !(name in Object.prototype);
    return {
      ev: (f) => {
        const input = f.input;
        const v = direct || Object.prototype.hasOwnProperty.call(input, name) ? input[name] : undefined;
        if (v === undefined) throw new EvaluationError('unknown_variable', `unknown variable \`${name}\``, pos);
        return ops.fromHost(v);
      },
    };
  }

  /** `opt.optMap(v, e)` and `opt.optFlatMap(v, e)`: `e` with `v` bound to the optional's value, if any. */
  private optMacro(e: Extract<Expr, { k: 'macro' }>, scope: Map<string, number>): Node {
    const target = this.node(e.target, scope);
    const slot = this.slots.n++;
    const body = this.node(e.body, new Map(scope).set(e.iterVar, slot)).ev;
    const tev = target.ev;
    const pos = e.pos;
    const flat = e.macro === 'optFlatMap';
    const ev: Evaluator = (f) => {
      const o = tev(f);
      if (!(o instanceof CelOptional)) throw new EvaluationError('no_matching_overload', `\`${e.macro}\` needs an optional`, pos);
      if (!o.hasValue()) return o;
      f.vars[slot] = o.valueOrUndefined;
      const v = body(f);
      if (!flat) return CelOptional.of(v);
      if (!(v instanceof CelOptional))
        throw new EvaluationError('no_matching_overload', 'the result of `optFlatMap` must be an optional', pos);
      return v;
    };
    return this.fold([target], { ev }, this.closed(e.body, new Set([e.iterVar])));
  }

  /** Two-variable comprehensions: (index, element) of a list, (key, value) of a map. */
  private macro2(e: Extract<Expr, { k: 'macro' }>, scope: Map<string, number>): Node {
    const target = this.node(e.target, scope);
    const s1 = this.slots.n++;
    const s2 = this.slots.n++;
    const inner = new Map(scope).set(e.iterVar, s1).set(e.iterVar2!, s2);
    const body = this.node(e.body, inner).ev;
    const transform = e.transform ? this.node(e.transform, inner).ev : undefined;
    const tev = target.ev;
    const pos = e.pos;
    const name = e.macro;
    /** The keys (undefined for a list: the indexes) and the values. */
    const iterate = (f: Frame): [unknown[] | undefined, unknown[]] => {
      const coll = tev(f);
      if (Array.isArray(coll)) return [undefined, coll];
      if (kindOf(coll) !== 'map') throw new EvaluationError('no_matching_overload', `\`${name}\` needs a list or a map`, pos);
      const entries = mapEntries(coll as object);
      return [entries.map((x) => x[0]), entries.map((x) => x[1])];
    };
    const bind = (f: Frame, keys: unknown[] | undefined, values: unknown[], i: number): void => {
      if (++f.steps > f.maxSteps) throw new EvaluationError('limit_exceeded', `more than ${f.maxSteps} evaluation steps`, pos);
      f.vars[s1] = keys ? keys[i] : BigInt(i);
      f.vars[s2] = ops.fromHost(values[i]);
    };
    const cond = (v: unknown, what = 'condition'): boolean => ops.asBool(v, `the ${what} of \`${name}\``);
    let ev: Evaluator;
    switch (name) {
      case 'all':
      case 'exists': {
        const decisive = name === 'exists';
        ev = (f) => {
          const [keys, values] = iterate(f);
          let firstErr: unknown;
          for (let i = 0; i < values.length; i++) {
            try {
              bind(f, keys, values, i);
              if (cond(body(f)) === decisive) return decisive;
            } catch (err) {
              if (err instanceof EvaluationError && err.code === 'limit_exceeded') throw err;
              firstErr ??= err;
            }
          }
          if (firstErr !== undefined) throw at(firstErr, pos);
          return !decisive;
        };
        break;
      }
      case 'exists_one':
      case 'existsOne':
        ev = (f) => {
          const [keys, values] = iterate(f);
          let n = 0;
          for (let i = 0; i < values.length; i++) {
            bind(f, keys, values, i);
            if (cond(body(f))) n++;
          }
          return n === 1;
        };
        break;
      case 'transformList':
      case 'transformMap':
      case 'transformMapEntry': {
        const [filter, value] = transform ? [body, transform] : [undefined, body];
        ev = (f) => {
          const [keys, values] = iterate(f);
          const list: unknown[] = [];
          const map = new Map<unknown, unknown>();
          for (let i = 0; i < values.length; i++) {
            bind(f, keys, values, i);
            if (filter && !cond(filter(f), 'filter')) continue;
            const out = value(f);
            if (name === 'transformList') list.push(out);
            else if (name === 'transformMap') map.set(f.vars[s1], out);
            else ops.mapInsertAll(map, out, pos);
          }
          return name === 'transformList' ? list : map;
        };
        break;
      }
      default:
        throw new Error(`\`${name}\` takes one variable`);
    }
    const vars = new Set(macroVars(e));
    const closed = this.closed(e.body, vars) && (!e.transform || this.closed(e.transform, vars));
    return this.fold([target], { ev }, closed);
  }

  private macro(e: Extract<Expr, { k: 'macro' }>, scope: Map<string, number>): Node {
    if (e.macro === 'optMap' || e.macro === 'optFlatMap') return this.optMacro(e, scope);
    if (e.iterVar2 !== undefined) return this.macro2(e, scope);
    const target = this.node(e.target, scope);
    const slot = this.slots.n++;
    const inner = new Map(scope).set(e.iterVar, slot);
    const body = this.node(e.body, inner).ev;
    const tev = target.ev;
    const pos = e.pos;
    const name = e.macro;
    const items = (f: Frame): unknown[] => {
      const coll = tev(f);
      if (Array.isArray(coll)) return coll;
      if (name === 'sortBy') throw new EvaluationError('no_matching_overload', '`sortBy` needs a list', pos);
      if (kindOf(coll) === 'map') return mapKeys(coll as object);
      throw new EvaluationError('no_matching_overload', `\`${name}\` needs a list or a map, not ${typeNameOf(coll)}`, pos);
    };
    const run = (f: Frame, item: unknown): unknown => {
      if (++f.steps > f.maxSteps) throw new EvaluationError('limit_exceeded', `more than ${f.maxSteps} evaluation steps`, pos);
      f.vars[slot] = ops.fromHost(item);
      return body(f);
    };
    const cond = (v: unknown): boolean => ops.asBool(v, `the condition of \`${name}\``);
    let ev: Evaluator;
    switch (e.macro) {
      case 'bind':
        // No iteration, so no step: the value is computed once, before the body.
        ev = (f) => {
          f.vars[slot] = tev(f);
          return body(f);
        };
        break;
      case 'all':
      case 'exists': {
        const decisive = e.macro === 'exists';
        ev = (f) => {
          const list = items(f);
          let firstErr: unknown;
          for (let i = 0; i < list.length; i++) {
            try {
              if (cond(run(f, list[i])) === decisive) return decisive;
            } catch (err) {
              if (err instanceof EvaluationError && err.code === 'limit_exceeded') throw err;
              firstErr ??= err;
            }
          }
          if (firstErr !== undefined) throw at(firstErr, pos);
          return !decisive;
        };
        break;
      }
      case 'exists_one':
      case 'existsOne':
        ev = (f) => {
          const list = items(f);
          let n = 0;
          for (let i = 0; i < list.length; i++) if (cond(run(f, list[i]))) n++;
          return n === 1;
        };
        break;
      case 'filter':
        ev = (f) => {
          const list = items(f);
          const out: unknown[] = [];
          for (let i = 0; i < list.length; i++) if (cond(run(f, list[i]))) out.push(list[i]);
          return out;
        };
        break;
      case 'map':
        ev = (f) => {
          const list = items(f);
          const out: unknown[] = new Array(list.length);
          for (let i = 0; i < list.length; i++) out[i] = run(f, list[i]);
          return out;
        };
        break;
      case 'sortBy': {
        // the keys, one step each, then the registry's `list.sortBy(keys)` orders the list
        const decl = this.ctx.registry.get(SORT_BY_FUNCTION);
        const desc = { kind: 'sortBy' as const, fn: SORT_BY_FUNCTION, receiver: true, args: 2, consts: [] };
        const sortBy = decl ? selectImpl(this.ctx.registry, desc) : undefined;
        if (sortBy) this.note(e, { site: { ...desc, withHost: false, impl: sortBy } });
        ev = (f) => {
          const list = items(f);
          const keys: unknown[] = new Array(list.length);
          for (let i = 0; i < list.length; i++) keys[i] = run(f, list[i]);
          if (!sortBy) throw new EvaluationError('no_matching_overload', `unknown function \`${SORT_BY_FUNCTION}\``, pos);
          try {
            return sortBy(list, keys);
          } catch (err) {
            throw at(err, pos);
          }
        };
        break;
      }
      default:
        throw new Error(`\`${name}\` takes two variables`);
    }
    return this.fold([target], { ev }, this.closed(e.body, new Set([e.iterVar])));
  }

  private call(e: Extract<Expr, { k: 'call' }>, scope: Map<string, number>): Node {
    const pos = e.pos;
    const args = e.args.map((x) => this.node(x, scope));
    const [a, b] = args;
    switch (e.fn) {
      case OP.and:
      case OP.or:
        return this.logic(e.fn === OP.or, a!, b!);
      case OP.cond: {
        const [c, t, el] = [a!.ev, b!.ev, args[2]!.ev];
        if (a!.konst)
          return typeof a!.konst.value === 'boolean'
            ? a!.konst.value
              ? b!
              : args[2]!
            : {
                ev: () => {
                  throw new EvaluationError('no_matching_overload', 'the condition of `?:` must be a bool', pos);
                },
              };
        return {
          ev: (f) => {
            const v = c(f);
            if (v === true) return t(f);
            if (v === false) return el(f);
            throw new EvaluationError('no_matching_overload', 'the condition of `?:` must be a bool', pos);
          },
        };
      }
      case OP.not: {
        const x = a!.ev;
        return this.fold(args, {
          ev: (f) => {
            const v = x(f);
            if (typeof v === 'boolean') return !v;
            throw at(noOverload('!_', [v]), pos);
          },
        });
      }
      case OP.eq:
      case OP.ne:
        return this.fold(args, this.equality(e.fn === OP.ne, a!, b!));
      case OP.in:
        return this.fold(args, this.membership(a!, b!, pos));
      case OP.add:
        return this.binary(args, ops.add, pos, (x, y) => x + y);
      case OP.sub:
        return this.binary(args, ops.sub, pos, (x, y) => x - y);
      case OP.mul:
        return this.binary(args, ops.mul, pos, (x, y) => x * y);
      case OP.div:
        return this.binary(args, ops.div, pos, (x, y) => x / y);
      case OP.mod:
        return this.binary(args, ops.mod, pos);
      case OP.lt:
        return this.compare(args, ops.lt, pos, (x, y) => x < y);
      case OP.le:
        return this.compare(args, ops.le, pos, (x, y) => x <= y);
      case OP.gt:
        return this.compare(args, ops.gt, pos, (x, y) => x > y);
      case OP.ge:
        return this.compare(args, ops.ge, pos, (x, y) => x >= y);
      case OP.neg: {
        const x = a!.ev;
        return this.fold(args, {
          ev: (f) => {
            const v = x(f);
            if (typeof v === 'number') return -v;
            try {
              return ops.neg(v);
            } catch (err) {
              throw at(err, pos);
            }
          },
        });
      }
      case OP.optSelect: {
        const x = a!.ev;
        const field = ops.fieldName(e.args[1]!);
        return this.fold([a!], {
          ev: (f) => {
            try {
              return ops.optSelect(x(f), field);
            } catch (err) {
              throw at(err, pos);
            }
          },
        });
      }
      case OP.optIndex: {
        const [x, y] = [a!.ev, b!.ev];
        return this.fold(args, {
          ev: (f) => {
            try {
              return ops.optIndex(x(f), y(f));
            } catch (err) {
              throw at(err, pos);
            }
          },
        });
      }
      case OP.index: {
        const [x, y] = [a!.ev, b!.ev];
        return this.fold(args, {
          ev: (f) => {
            const c = x(f);
            const k = y(f);
            if (c instanceof Map && typeof k === 'string') {
              const v = c.get(k);
              if (v !== undefined && (typeof v !== 'object' || v === null || !(v instanceof Date))) return v;
            }
            try {
              return ops.index(c, k);
            } catch (err) {
              throw at(err, pos);
            }
          },
        });
      }
    }
    return this.fn(e, scope, args);
  }

  private logic(isOr: boolean, a: Node, b: Node): Node {
    const decisive = isOr;
    // A constant decisive operand decides; a constant neutral one drops out.
    if (a.konst?.value === decisive || b.konst?.value === decisive) return konst(decisive);
    if (a.konst?.value === !decisive) return this.boolCheck(b);
    if (b.konst?.value === !decisive) return this.boolCheck(a);
    const x = a.ev;
    const y = b.ev;
    const what = isOr ? '`||`' : '`&&`';
    const bad = (v: unknown) => new EvaluationError('no_matching_overload', `the operands of ${what} must be bools, got ${kindOf(v)}`);
    return {
      ev: (f) => {
        let left: unknown;
        let err: unknown;
        try {
          left = x(f);
          if (left === decisive) return decisive;
          if (left !== !decisive) err = bad(left);
        } catch (caught) {
          err = caught;
        }
        let right: unknown;
        try {
          right = y(f);
        } catch (caught) {
          throw err ?? caught; // the left operand's error is the one reported, as in the interpreter
        }
        if (right === decisive) return decisive;
        if (err !== undefined) throw err;
        if (right !== !decisive) throw bad(right);
        return !decisive;
      },
    };
  }

  private boolCheck(n: Node): Node {
    if (n.konst && typeof n.konst.value === 'boolean') return n;
    const x = n.ev;
    return {
      ev: (f) => {
        const v = x(f);
        if (typeof v === 'boolean') return v;
        throw new EvaluationError('no_matching_overload', `expected a bool, got ${kindOf(v)}`);
      },
    };
  }

  private equality(negate: boolean, a: Node, b: Node): Node {
    const x = a.ev;
    const y = b.ev;
    const k = b.konst ?? a.konst;
    const other = b.konst ? x : y;
    if (k && typeof k.value === 'string') {
      const s = k.value;
      return negate ? { ev: (f) => other(f) !== s } : { ev: (f) => other(f) === s };
    }
    if (negate) return { ev: (f) => !ops.eq(x(f), y(f)) };
    return {
      ev: (f) => {
        const l = x(f);
        const r = y(f);
        if (typeof l === 'number' && typeof r === 'number') return l === r;
        return ops.eq(l, r);
      },
    };
  }

  private membership(a: Node, b: Node, pos: number): Node {
    const x = a.ev;
    const coll = b.konst?.value;
    if (Array.isArray(coll) && coll.every((v) => typeof v === 'string')) {
      const set = new Set(coll as string[]);
      return {
        ev: (f) => {
          const v = x(f);
          return typeof v === 'string' ? set.has(v) : ops.inOp(v, coll);
        },
      };
    }
    if (coll instanceof Map && [...coll.keys()].every((k) => typeof k === 'string')) {
      return {
        ev: (f) => {
          const v = x(f);
          return typeof v === 'string' ? coll.has(v) : ops.inOp(v, coll);
        },
      };
    }
    const y = b.ev;
    return {
      ev: (f) => {
        const v = x(f);
        const c = y(f);
        if (typeof v === 'string' && Array.isArray(c)) {
          if ((f.steps += c.length) > f.maxSteps)
            throw new EvaluationError('limit_exceeded', `more than ${f.maxSteps} evaluation steps`, pos);
          for (let i = 0; i < c.length; i++) if (c[i] === v) return true;
          // no identical string: only a non-string element could still be equal (never, in CEL)
          return false;
        }
        if (Array.isArray(c) && (f.steps += c.length) > f.maxSteps)
          throw new EvaluationError('limit_exceeded', `more than ${f.maxSteps} evaluation steps`, pos);
        try {
          return ops.inOp(v, c);
        } catch (err) {
          throw at(err, pos);
        }
      },
    };
  }

  private binary(args: Node[], op: (x: unknown, y: unknown) => unknown, pos: number, fast?: (x: number, y: number) => number): Node {
    const x = args[0]!.ev;
    const y = args[1]!.ev;
    // An int constant with input (a double) computes as a number: `request.max_tokens + 100`
    // stays on plain numbers. Same result as the mixed-double rule of the operators.
    const kb = args[1]!.konst?.value;
    if (fast && typeof kb === 'bigint') {
      const n = Number(kb);
      return this.fold(args, {
        ev: (f) => {
          const l = x(f);
          if (typeof l === 'number') return fast(l, n);
          try {
            return op(l, kb);
          } catch (err) {
            throw at(err, pos);
          }
        },
      });
    }
    const ka = args[0]!.konst?.value;
    if (fast && typeof ka === 'bigint') {
      const n = Number(ka);
      return this.fold(args, {
        ev: (f) => {
          const r = y(f);
          if (typeof r === 'number') return fast(n, r);
          try {
            return op(ka, r);
          } catch (err) {
            throw at(err, pos);
          }
        },
      });
    }
    const slow = (l: unknown, r: unknown): unknown => {
      try {
        return op(l, r);
      } catch (err) {
        throw at(err, pos);
      }
    };
    let ev: Evaluator;
    switch (op) {
      case ops.add:
        ev = (f) => {
          const l = x(f);
          const r = y(f);
          return typeof l === 'number' && typeof r === 'number' ? l + r : slow(l, r);
        };
        break;
      case ops.sub:
        ev = (f) => {
          const l = x(f);
          const r = y(f);
          return typeof l === 'number' && typeof r === 'number' ? l - r : slow(l, r);
        };
        break;
      case ops.mul:
        ev = (f) => {
          const l = x(f);
          const r = y(f);
          return typeof l === 'number' && typeof r === 'number' ? l * r : slow(l, r);
        };
        break;
      case ops.div:
        ev = (f) => {
          const l = x(f);
          const r = y(f);
          return typeof l === 'number' && typeof r === 'number' ? l / r : slow(l, r);
        };
        break;
      default:
        ev = (f) => slow(x(f), y(f));
    }
    return this.fold(args, { ev });
  }

  private compare(args: Node[], op: (x: unknown, y: unknown) => boolean, pos: number, fast: (x: number, y: number) => boolean): Node {
    const x = args[0]!.ev;
    const y = args[1]!.ev;
    const slow = (l: unknown, r: unknown): boolean => {
      try {
        return op(l, r);
      } catch (err) {
        throw at(err, pos);
      }
    };
    // A number constant on the right (an int constant compares with a double as a double, as
    // CEL does) takes one closure literal per operator, so no comparison is an indirect call.
    const kb = args[1]!.konst?.value;
    if ((typeof kb === 'bigint' || typeof kb === 'number') && !args[0]!.konst) {
      const n = Number(kb);
      switch (op) {
        case ops.lt:
          return {
            ev: (f) => {
              const l = x(f);
              return typeof l === 'number' ? l < n : slow(l, kb);
            },
          };
        case ops.le:
          return {
            ev: (f) => {
              const l = x(f);
              return typeof l === 'number' ? l <= n : slow(l, kb);
            },
          };
        case ops.gt:
          return {
            ev: (f) => {
              const l = x(f);
              return typeof l === 'number' ? l > n : slow(l, kb);
            },
          };
        case ops.ge:
          return {
            ev: (f) => {
              const l = x(f);
              return typeof l === 'number' ? l >= n : slow(l, kb);
            },
          };
      }
    }
    const ka = args[0]!.konst?.value;
    if ((typeof ka === 'bigint' || typeof ka === 'number') && !args[1]!.konst) {
      const n = Number(ka);
      return {
        ev: (f) => {
          const r = y(f);
          return typeof r === 'number' ? fast(n, r) : slow(ka, r);
        },
      };
    }
    let ev: Evaluator;
    switch (op) {
      case ops.lt:
        ev = (f) => {
          const l = x(f);
          const r = y(f);
          return typeof l === 'number' && (typeof r === 'number' || typeof r === 'bigint') ? l < Number(r) : slow(l, r);
        };
        break;
      case ops.le:
        ev = (f) => {
          const l = x(f);
          const r = y(f);
          return typeof l === 'number' && (typeof r === 'number' || typeof r === 'bigint') ? l <= Number(r) : slow(l, r);
        };
        break;
      case ops.gt:
        ev = (f) => {
          const l = x(f);
          const r = y(f);
          return typeof l === 'number' && (typeof r === 'number' || typeof r === 'bigint') ? l > Number(r) : slow(l, r);
        };
        break;
      default:
        ev = (f) => {
          const l = x(f);
          const r = y(f);
          return typeof l === 'number' && (typeof r === 'number' || typeof r === 'bigint') ? l >= Number(r) : slow(l, r);
        };
    }
    return this.fold(args, { ev });
  }

  private fn(e: Extract<Expr, { k: 'call' }>, scope: Map<string, number>, args: Node[]): Node {
    const pos = e.pos;
    const decl = this.ctx.registry.get(e.fn);
    const receiver = e.target !== undefined ? this.node(e.target, scope) : undefined;
    const all = receiver ? [receiver, ...args] : args;
    if (!decl) {
      this.note(e, { unknownFunction: true });
      return {
        ev: () => {
          throw new EvaluationError('no_matching_overload', `unknown function \`${e.fn}\``, pos);
        },
      };
    }
    if (decl.purity === 'clock') this.purity.clock = true;
    if (decl.purity === 'state') this.purity.state = true;
    // Constant arguments let an overload prepare itself (compile a regex once, at load).
    const desc = {
      kind: 'call' as const,
      fn: e.fn,
      receiver: receiver !== undefined,
      args: all.length,
      consts: all.map((n) => n.konst?.value),
    };
    let impl: Impl;
    try {
      impl = selectImpl(this.ctx.registry, desc);
    } catch (err) {
      const ee = at(err, pos);
      this.ctx.issues?.push({
        code: ee.code === 'invalid_argument' && /regular expression/.test(ee.message) ? 'invalid_regex' : 'invalid_literal',
        message: ee.message,
        pos,
      });
      impl = selectImpl(this.ctx.registry, { ...desc, consts: desc.consts.map(() => undefined) });
    }
    this.note(e, { site: { ...desc, withHost: decl.purity === 'state', impl } });
    const evs = all.map((n) => n.ev);
    const withHost = decl.purity === 'state';
    let ev: Evaluator;
    if ((e.fn === 'or' || e.fn === 'orValue') && receiver && evs.length === 2 && !withHost) {
      // on an optional, the argument is evaluated only when the optional has no value
      const [x0, x1] = evs as [Evaluator, Evaluator];
      const isOr = e.fn === 'or';
      ev = (f) => {
        const t = x0(f);
        try {
          if (!(t instanceof CelOptional)) return impl(t, x1(f));
          if (t.hasValue()) return isOr ? t : t.valueOrUndefined;
          const alt = x1(f);
          if (isOr && !(alt instanceof CelOptional)) throw noOverload('or', [t, alt]);
          return alt;
        } catch (err) {
          throw at(err, pos);
        }
      };
    } else if (withHost) {
      ev = (f) => {
        try {
          return impl(f.host, ...evs.map((x) => x(f)));
        } catch (err) {
          throw at(err, pos);
        }
      };
    } else if (evs.length === 1) {
      const [x0] = evs as [Evaluator];
      ev = (f) => {
        try {
          return impl(x0(f));
        } catch (err) {
          throw at(err, pos);
        }
      };
    } else if (evs.length === 2) {
      const [x0, x1] = evs as [Evaluator, Evaluator];
      ev = (f) => {
        try {
          return impl(x0(f), x1(f));
        } catch (err) {
          throw at(err, pos);
        }
      };
    } else {
      ev = (f) => {
        try {
          return impl(...evs.map((x) => x(f)));
        } catch (err) {
          throw at(err, pos);
        }
      };
    }
    return this.fold(all, { ev }, decl.purity === 'pure');
  }
}
