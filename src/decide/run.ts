// One policy's part of a decision. A runner evaluates one policy (its target, its rules, its
// combining algorithm) and adds what the policy decided to the frame: matched rules with
// their messages and obligations, errors, and its effect. The engine (./engine.ts) calls one
// runner per policy and combines across policies in one place, whatever the runner is:
//  - runPolicy below, over the policy's closures (and the only runner that can trace, for
//    `explain`), or over generated condition functions for policies too big to unroll;
//  - a generated runner (./codegen.ts): the same steps unrolled for one policy, calling the
//    helpers in DECIDE_RUNTIME for everything but the fast path.
// Both record errors through failed() and matches through matched(); both charge a step for
// each target and condition they evaluate. A decision that runs past limits.maxSteps or
// limits.maxErrors is ended by throwing STOP, which the engine turns into one fail-closed deny.

import { EvaluationError, toEvaluationError } from '../lang/errors.js';
import { UNSET, type Frame } from '../compile/frame.js';
import type { CompiledPolicy, CompiledRule, Effect } from '../policy/compile.js';
import { candidates, decidedRules } from '../policy/rule-index.js';
import type { DecisionError, MatchedRule, PolicyTrace } from './engine.js';

/** The frame of one decision: the expression frame, and what the policies decided so far. */
export interface DecisionFrame extends Frame {
  /** limits.maxErrors: more errors than this and the decision stops. */
  maxErrors: number;
  /** limits.maxMessageLength, for generated messages (the closures' templates have it built in). */
  maxMessage: number;
  denied: boolean;
  warned: boolean;
  matched: MatchedRule[] | undefined;
  /**
   * What each matched rule obliges, parallel to `matched` (nothing for a rule that failed);
   * undefined while no matched rule obliges anything.
   */
  owed: (readonly Record<string, unknown>[])[] | undefined;
  errors: DecisionError[] | undefined;
  /** Policies that decided without a matched rule (default deny, a failed target): effect and reason. */
  defaults: { effect: Effect; reason: string }[] | undefined;
}

/** Evaluates one policy into the frame. */
export type PolicyRunner = (f: DecisionFrame, p: CompiledPolicy) => void;

export const EMPTY: readonly never[] = Object.freeze([]);

/**
 * Thrown (not an Error: no stack to capture) when the decision ran past its step budget or its
 * error cap; the engine catches it around the policy loop and denies once.
 */
export const STOP: unique symbol = Symbol('stop');

/** A target or condition is about to be evaluated: it costs a step. */
export function step(f: DecisionFrame): void {
  if (++f.steps > f.maxSteps) throw STOP;
}

/** Records an evaluation error of a policy's target (rule undefined) or of one of its rules. */
export function failed(f: DecisionFrame, p: CompiledPolicy, rule: CompiledRule | undefined, err: unknown): EvaluationError {
  const e = toEvaluationError(err);
  (f.errors ??= []).push({
    policy: p.key,
    rule: rule?.id,
    code: e.code,
    message: rule ? e.message : `target: ${e.message}`,
    handling: p.onError,
  });
  // a macro that ran past the step budget fails its rule; the decision stops there too
  if (f.steps > f.maxSteps || f.errors!.length > f.maxErrors) throw STOP;
  return e;
}

/** A rule whose effect counts for the policy: its entry in `matched`, with its message. */
export function matched(
  f: DecisionFrame,
  p: CompiledPolicy,
  rule: CompiledRule,
  effect: Effect,
  failure: EvaluationError | undefined,
): void {
  // A rule that failed did not hold: its message says why it counts, and its obligations
  // are not collected.
  const message = failure
    ? `rule \`${rule.id}\` failed (onError: ${p.onError}): ${failure.message}`
    : rule.message
      ? rule.message(f)
      : undefined;
  const m: MatchedRule = { policy: p.name, namespace: p.namespace, version: p.release, rule: rule.id, effect, message };
  // `[m]` rather than `[]` then push, which would make room for 17
  const list = f.matched;
  if (list === undefined) f.matched = [m];
  else list.push(m);
  // obligations are rare: the parallel list is made on the first rule that has some
  if (f.owed !== undefined) f.owed.push(failure ? EMPTY : rule.obligations);
  else if (!failure && rule.obligations.length > 0) {
    f.owed = new Array(f.matched!.length - 1).fill(EMPTY);
    f.owed.push(rule.obligations);
  }
}

/** A target that failed: per `onError`, the policy is skipped or counts as a warn or a deny. */
export function targetFailed(f: DecisionFrame, p: CompiledPolicy, err: unknown): Effect | undefined {
  failed(f, p, undefined, err);
  if (p.onError === 'skip') return undefined;
  const effect: Effect = p.onError === 'warn' ? 'warn' : 'deny';
  if (effect === 'deny') f.denied = true;
  else f.warned = true;
  (f.defaults ??= []).push({ effect, reason: `${p.name}: target failed to evaluate` });
  return effect;
}

/** The policy's effect when no rule counted. */
export function noMatch(f: DecisionFrame, p: CompiledPolicy): void {
  if (p.default === 'deny') {
    f.denied = true;
    (f.defaults ??= []).push({ effect: 'deny', reason: `${p.name}: no rule matched (default deny)` });
  }
}

export function targetNotBool(v: unknown): EvaluationError {
  return new EvaluationError('no_matching_overload', `the target must be a bool, got ${typeof v}`);
}

export function conditionNotBool(v: unknown): EvaluationError {
  return new EvaluationError(
    'no_matching_overload',
    `the condition must be a bool, got ${typeof v === 'object' ? (v === null ? 'null' : 'a collection') : typeof v}`,
  );
}

interface PolicyMatch {
  rule: CompiledRule;
  effect: Effect;
  error?: EvaluationError;
}
const NO_MATCHES: PolicyMatch[] = [];

/** The general runner: any policy, with the rule index, and a trace when `pt` is given. */
export function runPolicy(p: CompiledPolicy, f: DecisionFrame, pt: PolicyTrace | undefined): void {
  if (p.target) {
    let applies: unknown;
    step(f);
    try {
      applies = p.target(f);
      if (typeof applies !== 'boolean') throw targetNotBool(applies);
    } catch (err) {
      const effect = targetFailed(f, p, err);
      if (pt) {
        pt.applicable = 'error';
        pt.effect = effect;
      }
      return;
    }
    if (applies === false) {
      if (pt) pt.applicable = false;
      return;
    }
  }

  const order = p.index && !pt ? candidates(p.index, f.input) : undefined;
  // rules whose whole condition the index lookups already proved true
  const decided = order !== undefined ? decidedRules() : undefined;
  if (pt) pt.indexed = order !== undefined;
  const n = order ? order.length : p.rules.length;
  let pDeny = false;
  let pWarn = false;
  let pAllow = false;
  let best: CompiledRule | undefined; // first-match / priority winner
  let policyMatches: PolicyMatch[] = NO_MATCHES;
  for (let k = 0; k < n; k++) {
    const at = order ? order[k]! : k;
    const rule = p.rules[at]!;
    if (best && p.combining === 'priority' && rule.priority < best.priority) break;
    let effect: Effect | undefined;
    let failure: EvaluationError | undefined;
    if (rule.when === undefined || decided?.has(at)) effect = rule.effect;
    else {
      // every condition evaluated costs a step, so the work of a decision is bounded however
      // many rules the input makes the engine try
      step(f);
      try {
        const v = rule.when(f);
        if (v === true) effect = rule.effect;
        else if (v !== false) throw conditionNotBool(v);
        if (pt) pt.rules.push({ rule: rule.id, when: rule.whenText, result: v === true });
      } catch (err) {
        failure = failed(f, p, rule, err);
        if (pt) pt.rules.push({ rule: rule.id, when: rule.whenText, result: 'error', error: failure.message });
        if (p.onError === 'skip') continue;
        effect = p.onError === 'warn' ? 'warn' : 'deny';
      }
    }
    if (effect === undefined) continue;
    if (pt && rule.when === undefined) pt.rules.push({ rule: rule.id, when: undefined, result: true });
    if (policyMatches === NO_MATCHES) policyMatches = [];
    policyMatches.push(failure ? { rule, effect, error: failure } : { rule, effect });
    if (effect === 'deny') pDeny = true;
    else if (effect === 'warn') pWarn = true;
    else pAllow = true;
    if (p.combining === 'first-match') {
      best = rule;
      break;
    }
    if (p.combining === 'priority' && (!best || rank(effect) > rank(effectOf(best, policyMatches)))) best = rule;
  }

  let pEffect: Effect;
  let winners = policyMatches;
  if (p.combining === 'deny-overrides') {
    pEffect = pDeny ? 'deny' : pWarn ? 'warn' : pAllow ? 'allow' : p.default;
  } else if (best) {
    pEffect = effectOf(best, policyMatches);
    if (p.combining === 'priority') winners = policyMatches.filter((m) => m.rule.priority === best!.priority);
  } else {
    pEffect = p.default;
  }
  if (pt) {
    pt.effect = pEffect;
    for (const l of p.lets) {
      const v = f.lets[l.cell];
      if (v !== UNSET) pt.lets[l.name] = v;
    }
  }
  if (winners.length === 0) noMatch(f, p);
  else if (pEffect === 'deny') f.denied = true;
  else if (pEffect === 'warn') f.warned = true;
  for (const w of winners) matched(f, p, w.rule, w.effect, w.error);
}

function rank(e: Effect): number {
  return e === 'deny' ? 2 : e === 'warn' ? 1 : 0;
}

function effectOf(rule: CompiledRule, matches: { rule: CompiledRule; effect: Effect }[]): Effect {
  return matches.find((m) => m.rule === rule)?.effect ?? rule.effect;
}

/** runPolicy as a runner, for decisions without a trace. */
export const generalRunner: PolicyRunner = (f, p) => runPolicy(p, f, undefined);

/** Helpers generated runners call; bound by name in a generated module, like the expression runtime. */
export const DECIDE_RUNTIME = { EMPTY, STOP, failed, matched, targetFailed, noMatch, targetNotBool, conditionNotBool };
