// The reference interpreter: a plain tree walk, written to be obviously correct rather than
// fast. Property tests assert that the compiler (src/compile) agrees with it, errors included.

import { OP, SORT_BY_FUNCTION, type Expr } from './ast.js';
import { EvaluationError, toEvaluationError } from './errors.js';
import * as ops from './operators.js';
import { dispatcher, type Registry } from './registry.js';
import { CelOptional, kindOf, mapEntries, mapKeys, noOverload, typeNameOf } from './values.js';

export interface InterpretEnv {
  registry: Registry;
  /** Value of a variable, or undefined when it is not bound. */
  lookup(name: string): unknown;
  /** Steps (macro iterations) allowed before limit_exceeded. */
  maxSteps?: number;
  /** Passed as the first argument of 'state' functions (the engine's state and clock). */
  host?: unknown;
}

export function interpret(e: Expr, env: InterpretEnv): unknown {
  const state = { steps: 0, max: env.maxSteps ?? 1_000_000 };
  return run(e, env, new Map(), state);
}

type Scope = Map<string, unknown>;

function run(e: Expr, env: InterpretEnv, scope: Scope, st: { steps: number; max: number }): unknown {
  try {
    return step(e, env, scope, st);
  } catch (err) {
    throw toEvaluationError(err, e.pos);
  }
}

function step(e: Expr, env: InterpretEnv, scope: Scope, st: { steps: number; max: number }): unknown {
  const ev = (x: Expr, s: Scope = scope) => run(x, env, s, st);
  switch (e.k) {
    case 'lit':
      return e.value;
    case 'ident': {
      if (scope.has(e.name)) return scope.get(e.name);
      const v = env.lookup(e.name);
      if (v === undefined) throw new EvaluationError('unknown_variable', `unknown variable \`${e.name}\``, e.pos);
      return ops.fromHost(v);
    }
    case 'select': {
      const t = ev(e.target);
      return e.test ? ops.hasField(t, e.field) : ops.select(t, e.field);
    }
    case 'list': {
      const out: unknown[] = [];
      e.elems.forEach((x, i) => {
        const v = ev(x);
        if (!e.optional?.includes(i)) out.push(v);
        else if (ops.optionalEntry(v, x.pos)) out.push((v as CelOptional).valueOrUndefined);
      });
      return out;
    }
    case 'map': {
      const m = new Map<unknown, unknown>();
      e.entries.forEach(({ key, value }, i) => {
        const k = ev(key);
        const kk = kindOf(k);
        if (kk !== 'string' && kk !== 'int' && kk !== 'uint' && kk !== 'bool') {
          throw new EvaluationError('invalid_argument', `unsupported map key type ${kk}`, key.pos);
        }
        if ([...m.keys()].some((x) => ops.eq(x, k))) {
          throw new EvaluationError('invalid_argument', `duplicate map key \`${String(k)}\``, key.pos);
        }
        const v = ev(value);
        if (!e.optional?.includes(i)) m.set(k, v);
        else if (ops.optionalEntry(v, value.pos)) m.set(k, (v as CelOptional).valueOrUndefined);
      });
      return m;
    }
    case 'macro': {
      if (e.macro === 'bind') return ev(e.body, new Map(scope).set(e.iterVar, ev(e.target)));
      const coll = ev(e.target);
      if (e.macro === 'optMap' || e.macro === 'optFlatMap') {
        if (!(coll instanceof CelOptional)) throw new EvaluationError('no_matching_overload', `\`${e.macro}\` needs an optional`, e.pos);
        if (!coll.hasValue()) return coll;
        const v = ev(e.body, new Map(scope).set(e.iterVar, coll.valueOrUndefined));
        if (e.macro === 'optMap') return CelOptional.of(v);
        if (!(v instanceof CelOptional))
          throw new EvaluationError('no_matching_overload', 'the result of `optFlatMap` must be an optional', e.pos);
        return v;
      }
      if (e.iterVar2 !== undefined) return comprehension2(e, coll, ev, scope, st);
      let items: unknown[];
      if (e.macro === 'sortBy' && !Array.isArray(coll)) throw new EvaluationError('no_matching_overload', '`sortBy` needs a list', e.pos);
      if (Array.isArray(coll)) items = coll;
      else if (kindOf(coll) === 'map') items = mapKeys(coll as object);
      else throw new EvaluationError('no_matching_overload', `\`${e.macro}\` needs a list or a map, not ${typeNameOf(coll)}`, e.pos);
      const inner = new Map(scope);
      const body = (item: unknown) => {
        if (++st.steps > st.max) throw new EvaluationError('limit_exceeded', `more than ${st.max} evaluation steps`, e.pos);
        inner.set(e.iterVar, ops.fromHost(item));
        return ev(e.body, inner);
      };
      switch (e.macro) {
        case 'all':
        case 'exists': {
          const decisive = e.macro === 'exists';
          let firstErr: unknown;
          for (const it of items) {
            try {
              const v = ops.asBool(body(it), `the condition of \`${e.macro}\``);
              if (v === decisive) return decisive;
            } catch (err) {
              if (err instanceof EvaluationError && err.code === 'limit_exceeded') throw err;
              firstErr ??= err;
            }
          }
          if (firstErr !== undefined) throw firstErr;
          return !decisive;
        }
        case 'exists_one':
        case 'existsOne': {
          let n = 0;
          for (const it of items) if (ops.asBool(body(it), `the condition of \`${e.macro}\``)) n++;
          return n === 1;
        }
        case 'filter':
          return items.filter((it) => ops.asBool(body(it), 'the condition of `filter`'));
        case 'map':
          return items.map((it) => body(it));
        case 'sortBy': {
          const keys = items.map((it) => body(it));
          const sortBy: Extract<Expr, { k: 'call' }> = { k: 'call', pos: e.pos, fn: SORT_BY_FUNCTION, target: e.target, args: [] };
          return callFunction(env.registry, sortBy, items, [keys]);
        }
      }
      throw new EvaluationError('internal', `\`${e.macro}\` takes two variables`, e.pos);
    }
    case 'call':
      return call(e, ev, env, st);
  }
}

/**
 * A two-variable comprehension: (index, element) of a list or (key, value) of a map, one
 * step each. `all` and `exists` absorb errors as their one-variable forms do.
 */
function comprehension2(
  e: Extract<Expr, { k: 'macro' }>,
  coll: unknown,
  ev: (x: Expr, s: Scope) => unknown,
  scope: Scope,
  st: { steps: number; max: number },
): unknown {
  let pairs: [unknown, unknown][];
  if (Array.isArray(coll)) pairs = coll.map((v, i) => [BigInt(i), v]);
  else if (kindOf(coll) === 'map') pairs = mapEntries(coll as object);
  else throw new EvaluationError('no_matching_overload', `\`${e.macro}\` needs a list or a map`, e.pos);
  const inner = new Map(scope);
  const bind = (k: unknown, v: unknown) => {
    if (++st.steps > st.max) throw new EvaluationError('limit_exceeded', `more than ${st.max} evaluation steps`, e.pos);
    inner.set(e.iterVar, k).set(e.iterVar2!, ops.fromHost(v));
  };
  const cond = (x: Expr, what: string) => ops.asBool(ev(x, inner), what);
  switch (e.macro) {
    case 'all':
    case 'exists': {
      const decisive = e.macro === 'exists';
      let firstErr: unknown;
      for (const [k, v] of pairs) {
        try {
          bind(k, v);
          if (cond(e.body, `the condition of \`${e.macro}\``) === decisive) return decisive;
        } catch (err) {
          if (err instanceof EvaluationError && err.code === 'limit_exceeded') throw err;
          firstErr ??= err;
        }
      }
      if (firstErr !== undefined) throw firstErr;
      return !decisive;
    }
    case 'exists_one':
    case 'existsOne': {
      let n = 0;
      for (const [k, v] of pairs) {
        bind(k, v);
        if (cond(e.body, `the condition of \`${e.macro}\``)) n++;
      }
      return n === 1;
    }
    case 'transformList':
    case 'transformMap':
    case 'transformMapEntry': {
      const list: unknown[] = [];
      const map = new Map<unknown, unknown>();
      for (const [k, v] of pairs) {
        bind(k, v);
        if (e.transform && !cond(e.body, `the filter of \`${e.macro}\``)) continue;
        const out = ev(e.transform ?? e.body, inner);
        if (e.macro === 'transformList') list.push(out);
        else if (e.macro === 'transformMap') map.set(k, out);
        else ops.mapInsertAll(map, out, e.pos);
      }
      return e.macro === 'transformList' ? list : map;
    }
  }
  throw new EvaluationError('internal', `\`${e.macro}\` takes one variable`, e.pos);
}

function call(e: Extract<Expr, { k: 'call' }>, ev: (x: Expr) => unknown, env: InterpretEnv, st: { steps: number; max: number }): unknown {
  const a = e.args;
  switch (e.fn) {
    case OP.and:
    case OP.or: {
      const decisive = e.fn === OP.or;
      const what = `the operands of \`${decisive ? '||' : '&&'}\``;
      let err: unknown;
      for (const x of a) {
        try {
          if (ops.asBool(ev(x), what) === decisive) return decisive;
        } catch (caught) {
          err ??= caught;
        }
      }
      if (err !== undefined) throw err;
      return !decisive;
    }
    case OP.cond:
      return ops.asBool(ev(a[0]!), 'the condition of `?:`') ? ev(a[1]!) : ev(a[2]!);
    case OP.add:
      return ops.add(ev(a[0]!), ev(a[1]!));
    case OP.sub:
      return ops.sub(ev(a[0]!), ev(a[1]!));
    case OP.mul:
      return ops.mul(ev(a[0]!), ev(a[1]!));
    case OP.div:
      return ops.div(ev(a[0]!), ev(a[1]!));
    case OP.mod:
      return ops.mod(ev(a[0]!), ev(a[1]!));
    case OP.neg:
      return ops.neg(ev(a[0]!));
    case OP.not:
      return ops.not(ev(a[0]!));
    case OP.eq:
      return ops.eq(ev(a[0]!), ev(a[1]!));
    case OP.ne:
      return !ops.eq(ev(a[0]!), ev(a[1]!));
    case OP.lt:
      return ops.lt(ev(a[0]!), ev(a[1]!));
    case OP.le:
      return ops.le(ev(a[0]!), ev(a[1]!));
    case OP.gt:
      return ops.gt(ev(a[0]!), ev(a[1]!));
    case OP.ge:
      return ops.ge(ev(a[0]!), ev(a[1]!));
    case OP.in: {
      const v = ev(a[0]!);
      const c = ev(a[1]!);
      // scanning a list is work the step limit counts, as macro iterations are
      if (Array.isArray(c) && (st.steps += c.length) > st.max)
        throw new EvaluationError('limit_exceeded', `more than ${st.max} evaluation steps`, e.pos);
      return ops.inOp(v, c);
    }
    case OP.index:
      return ops.index(ev(a[0]!), ev(a[1]!));
    case OP.optIndex:
      return ops.optIndex(ev(a[0]!), ev(a[1]!));
    case OP.optSelect:
      return ops.optSelect(ev(a[0]!), ops.fieldName(a[1]!));
  }
  const target = e.target !== undefined ? ev(e.target) : undefined;
  // `or` and `orValue` on an optional evaluate their argument only when it has no value
  if (target instanceof CelOptional && a.length === 1 && (e.fn === 'or' || e.fn === 'orValue')) {
    if (target.hasValue()) return e.fn === 'or' ? target : target.valueOrUndefined;
    const alt = ev(a[0]!);
    if (e.fn === 'or' && !(alt instanceof CelOptional)) throw noOverload('or', [target, alt]);
    return alt;
  }
  return callFunction(
    env.registry,
    e,
    target,
    a.map((x) => ev(x)),
    env.host,
  );
}

export function callFunction(
  registry: Registry,
  e: Extract<Expr, { k: 'call' }>,
  target: unknown,
  args: unknown[],
  host?: unknown,
): unknown {
  const decl = registry.get(e.fn);
  if (!decl) throw new EvaluationError('no_matching_overload', `unknown function \`${e.fn}\``, e.pos);
  const all = e.target !== undefined ? [target, ...args] : args;
  if (decl.purity === 'state') return dispatcher(e.fn, decl.overloads, e.target !== undefined, 1)(host, ...all);
  return dispatcher(e.fn, decl.overloads, e.target !== undefined)(...all);
}
