// What compiled policies run with, closures and generated code alike: the frame of one
// evaluation, the let cell markers, the field reads every compiler shares, and the choice of a
// builtin's implementation for a call site. Split from the closure compiler (./compile.ts) so
// that an engine which only loads prebuilt modules (`llm-policy-engine/runtime`) runs them
// without the compiler.

import { SORT_BY_FUNCTION } from '../lang/ast.js';
import { EvaluationError, toEvaluationError } from '../lang/errors.js';
import * as ops from '../lang/operators.js';
import { dispatcher, kindMatches, type FunctionDecl, type Impl, type OverloadDecl, type Registry } from '../lang/registry.js';
import { kindOf, type CelTimestamp } from '../lang/values.js';

export interface Frame {
  /** The input object: its own keys are the variables. */
  input: Record<string, unknown>;
  /** Let cells: UNSET until first read in this decision. */
  lets: unknown[];
  /** Macro iteration variables. */
  vars: unknown[];
  steps: number;
  maxSteps: number;
  /** `now`, read from the clock once per decision. */
  now: CelTimestamp | undefined;
  clock: () => number;
  /** Host context for stateful builtins. */
  host: unknown;
}

export type Evaluator = (f: Frame) => unknown;

export const UNSET: unique symbol = Symbol('unset');

/** A let whose evaluation failed: the error is kept so every reader sees the same one. */
export class Failed {
  constructor(readonly error: EvaluationError) {}
}

/**
 * A call site's implementation, and what chose it: a prebuilt module (`llm-policy build`)
 * records the descriptor and chooses again, with the same function, when it is loaded.
 */
export interface CallSite {
  kind: 'call' | 'sortBy';
  fn: string;
  receiver: boolean;
  /** Arguments, the receiver included. */
  args: number;
  /** The constant arguments (undefined where not constant), for `specialize`. */
  consts: unknown[];
  /** A 'state' function: the engine host is passed first. */
  withHost: boolean;
  impl: Impl;
}

const prepared = new WeakSet<() => void>();

/**
 * Runs a function's `prepare` the first time a policy that calls it is loaded (here, where a
 * call site is bound, source and prebuilt alike): its first call in a decision then finds
 * its tables built. Once per process; a failure is the call's to report.
 */
function prepare(decl: FunctionDecl): void {
  const p = decl.prepare;
  if (p === undefined || prepared.has(p)) return;
  prepared.add(p);
  try {
    p();
  } catch {
    // the call fails the same way when a decision runs it, and the rule's onError decides
  }
}

/**
 * Chooses a call's implementation: the overloads of its arity and style, with the kind test
 * of the dispatcher, or what an overload's `specialize` made of the constant arguments.
 * Throws the specialization's error (an invalid constant regex, ...).
 */
export function selectImpl(registry: Registry, site: Omit<CallSite, 'impl' | 'withHost'>): Impl {
  const decl = registry.get(site.kind === 'sortBy' ? SORT_BY_FUNCTION : site.fn);
  if (!decl) throw new EvaluationError('no_matching_overload', `unknown function \`${site.fn}\``);
  prepare(decl);
  if (site.kind === 'sortBy') return dispatcher(SORT_BY_FUNCTION, decl.overloads, true);
  const params = site.args - (site.receiver ? 1 : 0);
  const style = decl.overloads.filter((o) => (o.receiver !== undefined) === site.receiver && o.params.length === params);
  const general = dispatcher(site.fn, style, site.receiver, decl.purity === 'state' ? 1 : 0);
  const candidates = style.filter((o) => fitsConstants(o, site.consts));
  if (candidates.length === 1 && candidates[0]!.specialize) {
    const special = candidates[0]!.specialize(site.consts);
    if (special) return candidates.length === style.length ? special : guarded(candidates[0]!, special, general);
  }
  return general;
}

/**
 * `o.field`: the own property of a map or input object. A name that Object.prototype lacks
 * is read directly from a plain object (no prototype lookup can then reach anything but the
 * object's own data); everything else takes the general, checked path.
 */
export function readField(o: unknown, field: string, pos: number): unknown {
  if (typeof o === 'object' && o !== null) {
    const p = Object.getPrototypeOf(o);
    if (p === Object.prototype || p === null) {
      const v = (o as Record<string, unknown>)[field];
      if (typeof v !== 'object') {
        if (v !== undefined) return v;
      } else if (v === null || Object.getPrototypeOf(v) !== Date.prototype) {
        return v;
      }
    } else if (o instanceof Map) {
      const v = o.get(field);
      if (v !== undefined && typeof v !== 'object') return v;
    }
  }
  return readFieldChecked(o, field, pos);
}

export function readFieldChecked(o: unknown, field: string, pos: number): unknown {
  try {
    return ops.select(o, field);
  } catch (err) {
    throw toEvaluationError(err, pos);
  }
}

/** An input variable whose name Object.prototype lacks (checked at load). */
export function readVar(input: Record<string, unknown>, name: string, pos: number): unknown {
  const v = input[name];
  if (v === undefined) throw new EvaluationError('unknown_variable', `unknown variable \`${name}\``, pos);
  return typeof v === 'object' && v !== null && v instanceof Date ? ops.fromHost(v) : v;
}

/** Whether an overload can take the constant arguments that are known (undefined: not constant). */
function fitsConstants(o: OverloadDecl, consts: unknown[]): boolean {
  const types = o.receiver !== undefined ? [o.receiver, ...o.params] : o.params;
  return consts.every((c, i) => c === undefined || kindMatches(types[i]!, kindOf(c)));
}

/** Uses the specialized implementation when the runtime kinds fit its overload. */
function guarded(o: OverloadDecl, special: (...a: unknown[]) => unknown, general: (...a: unknown[]) => unknown): Impl {
  const types = o.receiver !== undefined ? [o.receiver, ...o.params] : o.params;
  return (...args: unknown[]) => {
    for (let i = 0; i < args.length; i++) if (!kindMatches(types[i]!, kindOf(args[i]))) return general(...args);
    return special(...args);
  };
}
