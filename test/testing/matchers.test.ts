// llm-policy-engine/testing: expectDecision, the expect.extend matchers, fixedClock.
import { describe, expect, test } from 'vitest';
import { PolicyEngine } from '../../src/entries/index.js';
import {
  durationMs,
  expectDecision,
  fixedClock,
  PolicyAssertionError,
  policyMatchers,
  testState,
  type PolicyMatchers,
} from '../../src/testing/index.js';

declare module 'vitest' {
  // biome-ignore lint/suspicious/noExplicitAny: repeats vitest's declaration, which it merges with
  interface Assertion<T = any> extends PolicyMatchers<T> {}
}

expect.extend(policyMatchers);

const POLICY = `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: gateway }
spec:
  rules:
    - id: free-big-models
      when: user.tier == 'free' && request.model != 'small'
      effect: deny
      message: "Model {{ request.model }} is not for the free tier"
    - id: route
      when: user.tier == 'pro' && request.model == 'old'
      effect: allow
      obligations:
        - route: { model: new }
        - redact: { entities: [email] }
    - id: hot
      when: has(request.temperature) && request.temperature > 1.5
      effect: warn
    - id: night
      when: now.getHours('UTC') < 6
      effect: deny
      message: closed at night
`;

function engine(clock = fixedClock('2025-01-31T12:00:00Z')) {
  const e = new PolicyEngine({ clock });
  e.addPolicy(POLICY, { filename: 'gateway.yaml' });
  return e;
}

const free = { user: { tier: 'free' }, request: { model: 'big' } };
const pro = { user: { tier: 'pro' }, request: { model: 'old' } };
const hot = { user: { tier: 'pro' }, request: { model: 'x', temperature: 1.9 } };

describe('policyMatchers with expect.extend', () => {
  test('take [engine, input] or a decision', () => {
    const e = engine();
    expect([e, free]).toDeny();
    expect([e, free]).toDeny('free-big-models');
    expect([e, free]).toDeny('gateway/free-big-models');
    expect([e, free]).not.toDeny('route');
    expect([e, pro]).toAllow();
    expect([e, pro]).not.toDeny();
    expect([e, hot]).toWarn();
    expect([e, hot]).not.toAllow(); // a warning is not an allow
    expect(e.evaluate(pro)).toAllow();
    expect(e.evaluate(pro)).toHaveObligation({ route: { model: 'new' } });
    expect([e, pro]).toHaveObligation('redact');
    expect([e, pro]).toHaveObligation({ redact: { entities: expect.arrayContaining(['email']) } });
    expect([e, pro]).not.toHaveObligation({ route: { model: 'other' } });
    expect([e, pro]).toMatchRule('route');
  });

  test('failure messages say what was expected and show the decision and the trace', () => {
    const e = engine();
    let msg = '';
    try {
      expect([e, free]).toAllow();
    } catch (err) {
      msg = (err as Error).message;
    }
    expect(msg).toContain('expected the decision to allow, but the effect is deny');
    expect(msg).toContain('reasons: "Model big is not for the free tier"');
    expect(msg).toContain('matched: gateway/free-big-models (deny)');
    expect(msg).toContain('trace:');
    expect(msg).toMatch(/free-big-models\s+true\s+user\.tier == 'free' && request\.model != 'small'/);
    expect(msg).toMatch(/route\s+false\s+user\.tier == 'pro'/);

    expect(() => expect([e, free]).toDeny('route')).toThrow(
      /expected the decision to deny by rule `route`, but the deny rules that matched are `gateway\/free-big-models`/,
    );
    expect(() => expect([e, free]).not.toDeny()).toThrow(/expected the decision not to deny, but it does/);
    expect(() => expect([e, pro]).toHaveObligation({ route: { model: 'x' } })).toThrow(
      /to carry the obligation \{"route":\{"model":"x"\}\}, but its obligations are \{"route":\{"model":"new"\}\}, \{"redact"/,
    );
    expect(() => expect({ nope: 1 }).toAllow()).toThrow(/expected a decision or \[engine, input\]/);
    // a decision given as is: no trace to show
    let plain = '';
    try {
      expect(e.evaluate(free)).toAllow();
    } catch (err) {
      plain = (err as Error).message;
    }
    expect(plain).toContain('matched: gateway/free-big-models (deny)');
    expect(plain).not.toContain('trace:');
  });
});

describe('expectDecision', () => {
  test('chains assertions and exposes the decision', () => {
    const e = engine();
    const a = expectDecision(e, pro)
      .toAllow()
      .toHaveObligation({ route: { model: 'new' } })
      .toMatchRule('gateway/route');
    expect(a.decision.effect).toBe('allow');
    expect(a.decision.trace).toBeUndefined(); // decided as the application would
    expectDecision(e, free).toDeny('free-big-models');
    expectDecision(e, hot).toWarn();
  });

  test('throws a PolicyAssertionError with the trace', () => {
    const e = engine();
    let err: unknown;
    try {
      expectDecision(e, free).toAllow();
    } catch (x) {
      err = x;
    }
    expect(err).toBeInstanceOf(PolicyAssertionError);
    expect((err as PolicyAssertionError).decision.effect).toBe('deny');
    expect((err as Error).message).toContain('expected the decision to allow, but the effect is deny');
    expect((err as Error).message).toContain('default/gateway -> deny');
  });
});

describe('fixedClock', () => {
  test('stands still, can be set and advanced', () => {
    const clock = fixedClock('2025-01-31T03:00:00Z');
    expect(clock()).toBe(Date.parse('2025-01-31T03:00:00Z'));
    const e = engine(clock);
    expectDecision(e, pro).toDeny('night');
    clock.advance(4 * 3600_000);
    expectDecision(e, pro).toAllow();
    clock.set('2025-01-31T05:59:59+00:00');
    expectDecision(e, pro).toDeny('night');
    clock.set(new Date('2025-02-01T07:00:00Z'));
    expect(clock.now).toBe(Date.parse('2025-02-01T07:00:00Z'));
    expectDecision(e, pro).toAllow();
  });

  test('rejects what is not RFC 3339', () => {
    expect(() => fixedClock('yesterday')).toThrow('invalid time `yesterday`: use RFC 3339, e.g. `2025-01-31T09:30:00Z`');
    expect(() => fixedClock('2025-01-31')).toThrow(/invalid time/);
    expect(() => fixedClock(Number.NaN)).toThrow(/invalid time/);
    expect(fixedClock('2025-01-31T09:30:00.250+01:00')()).toBe(Date.parse('2025-01-31T08:30:00.250Z'));
  });
});

describe('testState', () => {
  const LIMITS = `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: limits }
spec:
  rules:
    - id: too-many
      when: rate.count('user:' + user.id, '1m') >= 3
      effect: deny
`;
  test('an in-memory store filled synchronously, relative to the clock', () => {
    const clock = fixedClock('2025-01-31T12:00:00Z');
    const state = testState(clock, [{ keys: ['user:u1'], requests: 2, ago: '30s' }]);
    const e = new PolicyEngine({ clock, state });
    e.addPolicy(LIMITS);
    const u1 = { user: { id: 'u1' } };
    expect([e, u1]).toAllow();
    state.add({ keys: ['user:u1'], ago: 1000 });
    expect([e, u1]).toDeny('too-many');
    clock.advance(durationMs('1m'));
    expect([e, u1]).toAllow(); // the window moved past them
    state.add({ keys: ['user:u1'], requests: 3, at: '2025-01-31T12:00:59Z' });
    expect([e, u1]).toDeny();
    state.clear();
    expect([e, u1]).toAllow();
    expect(() => state.add({ keys: ['k'], at: 0, ago: '1s' })).toThrow('give `at` or `ago`, not both');
    expect(() => durationMs('soon')).toThrow('invalid duration `soon`');
  });
});
