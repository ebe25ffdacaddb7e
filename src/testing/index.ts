// `llm-policy-engine/testing`: helpers for the host app's own tests (vitest, jest, node:test).
//
//   import { expectDecision, policyMatchers, fixedClock } from 'llm-policy-engine/testing';
//   expect.extend(policyMatchers);
//   expect([engine, input]).toDeny('free-tier-models');
//   expectDecision(engine, input).toAllow().toHaveObligation({ route: { model: 'gpt-4o' } });
//
// Runtime-neutral and framework-neutral: matchers are plain functions following the
// `expect.extend` protocol; nothing here imports a test framework or the engine's code (only
// the in-memory state store, for testState).

import type { Decision, MatchedRule } from '../decide/engine.js';
import type { Metric, StateStore, Usage } from '../decide/state.js';
import { MemoryStateStore } from '../adapters/state/memory.js';
import { formatDecision, formatTrace, show } from './format.js';

export { formatDecision, formatTrace } from './format.js';

/** Anything that decides like a PolicyEngine. */
export interface DecisionSource {
  evaluate(input: unknown, options?: { explain?: boolean }): Decision;
}

/** Thrown by `expectDecision(...)` assertions. */
export class PolicyAssertionError extends Error {
  constructor(
    message: string,
    readonly decision: Decision,
  ) {
    super(message);
    this.name = 'AssertionError';
  }
}

// ------------------------------------------------------------------ checks shared by both styles

type Equals = (a: unknown, b: unknown) => boolean;

/** `rule`, `policy/rule` or `namespace/policy/rule` names a matched rule. */
export function ruleMatches(m: MatchedRule, id: string): boolean {
  const parts = id.split('/');
  if (parts.length === 1) return m.rule === id;
  if (parts.length === 2) return m.policy === parts[0] && m.rule === parts[1];
  return m.namespace === parts[0] && m.policy === parts[1] && m.rule === parts.slice(2).join('/');
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => deepEqual(x, bb[i]));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return (
    ka.length === kb.length &&
    ka.every(
      (k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]),
    )
  );
}

interface Check {
  pass: boolean;
  /** What was expected, for `expected ... but ...` (and `expected ... not ...`). */
  want: string;
  got: string;
}

function effectCheck(d: Decision, effect: 'allow' | 'deny' | 'warn'): Check {
  return { pass: d.effect === effect, want: `to ${effect}`, got: `the effect is ${d.effect}` };
}

function denyCheck(d: Decision, ruleId?: string): Check {
  if (ruleId === undefined) return effectCheck(d, 'deny');
  const hit = d.matched.some((m) => m.effect === 'deny' && ruleMatches(m, ruleId));
  const denyRules = d.matched.filter((m) => m.effect === 'deny').map((m) => `${m.policy}/${m.rule}`);
  return {
    pass: d.effect === 'deny' && hit,
    want: `to deny by rule \`${ruleId}\``,
    got:
      d.effect !== 'deny'
        ? `the effect is ${d.effect}`
        : `the deny rules that matched are ${denyRules.map((r) => `\`${r}\``).join(', ') || '(none)'}`,
  };
}

function obligationCheck(d: Decision, expected: unknown, equals: Equals): Check {
  const pass =
    typeof expected === 'string'
      ? d.obligations.some((o) => Object.prototype.hasOwnProperty.call(o, expected))
      : d.obligations.some((o) => equals(o, expected));
  return {
    pass,
    want: typeof expected === 'string' ? `to carry an obligation \`${expected}\`` : `to carry the obligation ${show(expected)}`,
    got: `its obligations are ${d.obligations.length ? d.obligations.map(show).join(', ') : '(none)'}`,
  };
}

function ruleCheck(d: Decision, ruleId: string): Check {
  return {
    pass: d.matched.some((m) => ruleMatches(m, ruleId)),
    want: `to match rule \`${ruleId}\``,
    got: `the rules that matched are ${d.matched.map((m) => `\`${m.policy}/${m.rule}\``).join(', ') || '(none)'}`,
  };
}

function explainText(d: Decision): string {
  let out = `\n\ndecision:\n${formatDecision(d)}`;
  if (d.trace) out += `\n\ntrace:\n${formatTrace(d.trace)}`;
  return out;
}

/** The decision again, with its trace, for a failure message (the decision itself when it has one). */
function explained(engine: DecisionSource, input: unknown, d: Decision): Decision {
  if (d.trace) return d;
  try {
    return engine.evaluate(input, { explain: true });
  } catch {
    return d;
  }
}

function message(c: Check, d: Decision, negated: boolean): string {
  const head = negated ? `expected the decision not ${c.want}, but it does` : `expected the decision ${c.want}, but ${c.got}`;
  return head + explainText(d);
}

// ------------------------------------------------------------------ expectDecision

export interface DecisionAssertion {
  /** The decision (`engine.evaluate(input)`). */
  readonly decision: Decision;
  /** The effect is `allow` (a `warn` is not an allow here; read `decision.allowed` for that). */
  toAllow(): DecisionAssertion;
  /** The effect is `deny`; with a rule id (`rule`, `policy/rule`), that rule matched with effect deny. */
  toDeny(ruleId?: string): DecisionAssertion;
  /** The effect is `warn`. */
  toWarn(): DecisionAssertion;
  /** Some obligation equals `obligation`, or, given a string, has that key. */
  toHaveObligation(obligation: Record<string, unknown> | string): DecisionAssertion;
  /** The rule (`rule`, `policy/rule`) is in `decision.matched`. */
  toMatchRule(ruleId: string): DecisionAssertion;
}

/**
 * Decides `input` and returns chainable assertions that throw a PolicyAssertionError when they
 * fail; the message shows the decision and its trace (the input decided again with explain).
 */
export function expectDecision(engine: DecisionSource, input: unknown): DecisionAssertion {
  const decision = engine.evaluate(input);
  const assert = (c: Check): DecisionAssertion => {
    if (!c.pass) throw new PolicyAssertionError(message(c, explained(engine, input, decision), false), decision);
    return api;
  };
  const api: DecisionAssertion = {
    decision,
    toAllow: () => assert(effectCheck(decision, 'allow')),
    toDeny: (ruleId) => assert(denyCheck(decision, ruleId)),
    toWarn: () => assert(effectCheck(decision, 'warn')),
    toHaveObligation: (o) => assert(obligationCheck(decision, o, deepEqual)),
    toMatchRule: (id) => assert(ruleCheck(decision, id)),
  };
  return api;
}

// ------------------------------------------------------------------ expect.extend matchers

/** What `expect(x)` may receive: a Decision, or `[engine, input]`. */
export type DecisionOrCall = Decision | readonly [DecisionSource, unknown];

/** The part of vitest's/jest's matcher context the matchers use. */
interface MatcherContext {
  isNot?: boolean;
  equals?: (a: unknown, b: unknown) => boolean;
}

export interface MatcherResult {
  pass: boolean;
  message: () => string;
}

function isDecision(v: unknown): v is Decision {
  return typeof v === 'object' && v !== null && typeof (v as Decision).effect === 'string' && Array.isArray((v as Decision).matched);
}

function toDecision(received: unknown): { d: Decision; explain: () => Decision } | string {
  if (Array.isArray(received) && received.length === 2 && typeof (received[0] as DecisionSource | undefined)?.evaluate === 'function') {
    const engine = received[0] as DecisionSource;
    const d = engine.evaluate(received[1]);
    return { d, explain: () => explained(engine, received[1], d) };
  }
  if (isDecision(received)) return { d: received, explain: () => received };
  return `expected a decision or [engine, input], got ${show(received)}`;
}

// biome-ignore lint/suspicious/noExplicitAny: each check declares its own argument types; `unknown[]` would reject them (parameters are contravariant)
function matcher(make: (d: Decision, equals: Equals, ...args: any[]) => Check) {
  return function (this: MatcherContext | undefined, received: unknown, ...args: unknown[]): MatcherResult {
    const r = toDecision(received);
    if (typeof r === 'string') return { pass: false, message: () => r };
    const equals: Equals = this?.equals ? (a, b) => this.equals!(a, b) : deepEqual;
    const c = make(r.d, equals, ...args);
    return { pass: c.pass, message: () => message(c, r.explain(), c.pass) };
  };
}

/** Matchers for `expect.extend(policyMatchers)` (vitest, jest). */
export const policyMatchers = {
  toAllow: matcher((d) => effectCheck(d, 'allow')),
  toDeny: matcher((d, _eq, ruleId?: string) => denyCheck(d, ruleId)),
  toWarn: matcher((d) => effectCheck(d, 'warn')),
  toHaveObligation: matcher((d, eq, o: unknown) => obligationCheck(d, o, eq)),
  toMatchRule: matcher((d, _eq, id: string) => ruleCheck(d, id)),
};

/**
 * The matchers' types, to add to your test framework's assertion interface:
 *
 *   declare module 'vitest' {
 *     interface Assertion<T = any> extends PolicyMatchers<T> {}
 *     interface AsymmetricMatchersContaining extends PolicyMatchers {}
 *   }
 */
export interface PolicyMatchers<R = unknown> {
  toAllow(): R;
  toDeny(ruleId?: string): R;
  toWarn(): R;
  toHaveObligation(obligation: Record<string, unknown> | string): R;
  toMatchRule(ruleId: string): R;
}

// ------------------------------------------------------------------ clock

/** A clock for `new PolicyEngine({ clock })` that stands still until told to move. */
export interface FixedClock {
  (): number;
  /** Milliseconds since the epoch. */
  readonly now: number;
  /** Moves the clock to an RFC 3339 time, a Date or epoch milliseconds. */
  set(time: string | number | Date): void;
  /** Moves the clock forward (or back, negative) by milliseconds. */
  advance(ms: number): void;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 timestamp (`2025-01-31T09:30:00Z`, with an offset or fraction) to epoch ms. */
export function parseTime(time: string | number | Date): number {
  if (typeof time === 'number') {
    if (!Number.isFinite(time)) throw new TypeError(`invalid time \`${time}\``);
    return time;
  }
  if (time instanceof Date) {
    const ms = time.getTime();
    if (Number.isNaN(ms)) throw new TypeError('invalid Date');
    return ms;
  }
  const ms = RFC3339.test(time) ? Date.parse(time.replace(' ', 'T')) : NaN;
  if (Number.isNaN(ms)) throw new TypeError(`invalid time \`${time}\`: use RFC 3339, e.g. \`2025-01-31T09:30:00Z\``);
  return ms;
}

/** A clock fixed at `time` (RFC 3339 text, a Date or epoch ms), e.g. `fixedClock('2025-01-31T09:30:00Z')`. */
export function fixedClock(time: string | number | Date): FixedClock {
  let ms = parseTime(time);
  const clock = (() => ms) as FixedClock;
  Object.defineProperty(clock, 'now', { get: () => ms, enumerable: true });
  clock.set = (t) => {
    ms = parseTime(t);
  };
  clock.advance = (delta) => {
    if (!Number.isFinite(delta)) throw new TypeError(`invalid duration \`${delta}\``);
    ms += delta;
  };
  return clock;
}

// ------------------------------------------------------------------ state

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** `30s`, `5m`, `2h`, `1d`, `1w`, `250ms` (or a number of milliseconds) in milliseconds. */
export function durationMs(d: string | number): number {
  if (typeof d === 'number' && Number.isFinite(d)) return d;
  const m = typeof d === 'string' ? DURATION.exec(d) : null;
  if (!m) throw new TypeError(`invalid duration \`${String(d)}\`: use e.g. \`30s\`, \`5m\`, \`2h\`, \`1d\``);
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

/** Usage for testState: `at` a time (default: the clock's now) or `ago` a duration before it. */
export interface TestUsage extends Omit<Usage, 'at'> {
  at?: string | number | Date;
  ago?: string | number;
}

/** An in-memory state store for tests, filled synchronously. */
export interface TestState extends StateStore {
  /** Records usage now (or `at`, or `ago` before now). */
  add(...usages: TestUsage[]): void;
  /** Forgets everything recorded. */
  clear(): void;
}

/**
 * A state store for `new PolicyEngine({ clock, state })` in tests, e.g.
 * `testState(clock, [{ keys: ['user:u1'], requests: 3, ago: '30s' }])`.
 */
export function testState(clock: () => number = Date.now, usages: TestUsage[] = []): TestState {
  let inner = new MemoryStateStore();
  const toUsage = (u: TestUsage): Usage & { at: number } => {
    const { ago, at, ...rest } = u;
    if (ago !== undefined && at !== undefined) throw new TypeError('give `at` or `ago`, not both');
    return { ...rest, at: at !== undefined ? parseTime(at) : clock() - (ago !== undefined ? durationMs(ago) : 0) };
  };
  const st: TestState = {
    sum: (key: string, metric: Metric, since: number, now: number) => inner.sum(key, metric, since, now),
    record: (usage) => inner.record(usage),
    consume: (holds, at) => inner.consume(holds, at),
    reserve: (r, at) => inner.reserve(r, at),
    settle: (r, usage) => inner.settle(r, usage),
    reserved: (key, metric, now) => inner.reserved(key, metric, now),
    add: (...us) => {
      for (const u of us) inner.record(toUsage(u));
    },
    clear: () => {
      inner = new MemoryStateStore();
    },
  };
  st.add(...usages);
  return st;
}

// ------------------------------------------------------------------ replayed diffs

export {
  diffPolicies,
  parseReplay,
  formatDiff,
  type DiffOptions,
  type PolicyDiff,
  type EffectTransition,
  type RuleDiff,
  type RuleTransition,
  type RuleOutcome,
  type DiffExample,
  type DiffError,
  type ReplayInputs,
} from './diff.js';
