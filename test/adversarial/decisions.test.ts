// Inputs written to make evaluate() throw, allow, or spend without bound: throwing getters and
// Proxies, Sets, huge strings, inputs that make every rule fail. evaluate() must return a
// decision, deny where it cannot decide, and do bounded work.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DEFAULT_LIMITS, PolicyEngine, type Decision } from '../../src/entries/index.js';

const POLICY = `
apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: gate }
spec:
  rules:
    - id: free-models
      when: user.tier == 'free' && !(request.model in ['a', 'b'])
      effect: deny
      message: "model {{ request.model }} for {{ user.tier }}"
    - id: tags
      when: request.tags.exists(t, t == 'blocked')
      effect: deny
      message: "tags {{ request.tags }}"
    - id: big
      when: request.max_tokens > 1000
      effect: warn
---
apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: indexed }
spec:
  onError: skip
  rules:
${Array.from({ length: 40 }, (_, i) => `    - id: r${i}\n      when: request.model == 'm${i}' && user.team == 't${i % 5}'\n      effect: deny\n`).join('')}`;

function throwingGetter(): object {
  return Object.defineProperty({}, 'model', {
    enumerable: true,
    get() {
      throw new Error('getter');
    },
  });
}

const throwingProxy = () =>
  new Proxy(
    {},
    {
      get() {
        throw new Error('get trap');
      },
      has() {
        throw new Error('has trap');
      },
      ownKeys() {
        throw new Error('ownKeys trap');
      },
      getOwnPropertyDescriptor() {
        throw new Error('descriptor trap');
      },
      getPrototypeOf() {
        throw new Error('prototype trap');
      },
    },
  );

const hostile = fc.oneof(
  fc.constant(null),
  fc.constant(undefined),
  fc.constant(Number.NaN),
  fc.constant(10n ** 30n),
  fc.constant(Symbol('s')),
  fc.constant(() => 1),
  fc.constant(new Set(['blocked'])),
  fc.constant(new Map([['model', 'a']])),
  fc.constant('x'.repeat(100_000)),
  fc.constant(new Date(Number.NaN)),
  fc.constant(new Uint16Array(4)),
  fc.constant('__proto__'),
  fc.constant(Object.create(null)),
  fc.constantFrom('free', 'pro', 'a', 'm3', 't3', 'blocked'),
  fc.integer(),
  fc.double(),
);

/**
 * A recipe for an input shaped like the policy's, with hostile values anywhere and a throwing
 * getter or Proxy at one place. The recipe is plain data; the input is built inside the property,
 * so that fast-check itself never touches the throwing objects (it would, to print them).
 */
const recipe = fc.record({
  base: fc.record({
    user: fc.oneof(fc.record({ tier: hostile, team: hostile }, { requiredKeys: [] }), hostile),
    request: fc.oneof(
      fc.record(
        { model: hostile, tags: fc.oneof(hostile, fc.array(hostile, { maxLength: 4 })), max_tokens: hostile },
        { requiredKeys: [] },
      ),
      hostile,
    ),
  }),
  where: fc.constantFrom('none', 'user', 'request', 'root'),
  proxy: fc.boolean(),
});

function build(r: { base: Record<string, unknown>; where: string; proxy: boolean }): unknown {
  const make = r.proxy ? throwingProxy : throwingGetter;
  if (r.where === 'none') return r.base;
  if (r.where === 'root') return make();
  return { ...r.base, [r.where]: make() };
}

function wellFormed(d: Decision, limits = DEFAULT_LIMITS): void {
  expect(['allow', 'warn', 'deny']).toContain(d.effect);
  expect(d.allowed).toBe(d.effect !== 'deny');
  expect(d.errors.length).toBeLessThanOrEqual(limits.maxErrors + 1);
  expect(d.reasons.length).toBeLessThanOrEqual(limits.maxReasons + 1);
  for (const r of d.reasons) expect(r.length).toBeLessThanOrEqual(limits.maxMessageLength);
}

describe('evaluate never throws', () => {
  const engines: [string, PolicyEngine][] = [
    ['plain', new PolicyEngine()],
    ['validateInput', new PolicyEngine({ limits: { validateInput: true } })],
    ['cache', new PolicyEngine({ cache: { max: 100 } })],
  ];
  for (const [, e] of engines) e.addPolicy(POLICY);

  test.each(engines)('%s: any input gives a well-formed decision', (_name, engine) => {
    fc.assert(
      fc.property(recipe, (r) => {
        const i = build(r);
        let d: Decision | undefined;
        expect(() => {
          d = engine.evaluate(i);
        }).not.toThrow();
        wellFormed(d!);
        wellFormed(engine.evaluate(i, { explain: true }));
      }),
      { numRuns: 300 },
    );
  });

  test.each(engines)('%s: evaluateAsync resolves for any input', async (_name, engine) => {
    await fc.assert(
      fc.asyncProperty(recipe, async (r) => {
        wellFormed(await engine.evaluateAsync(build(r)));
      }),
      { numRuns: 100 },
    );
  });

  test('validateInput: a throwing getter or Proxy trap denies, with the reason', () => {
    const e = engines[1]![1];
    for (const bad of [
      Object.defineProperty({}, 'x', {
        enumerable: true,
        get() {
          throw new Error('top');
        },
      }),
      throwingProxy(),
    ]) {
      const d = e.evaluate(bad);
      expect(d.effect).toBe('deny');
      expect(d.errors[0]).toMatchObject({ code: 'unsupported_value' });
      expect(d.reasons[0]).toMatch(/^input cannot be read: /);
    }
  });

  test('a getter that throws on a field only the rule index reads: the rules read it and decide per onError', () => {
    const e = new PolicyEngine();
    e.addPolicy(POLICY);
    const d = e.evaluate({ user: { tier: 'pro', team: 't1' }, request: throwingGetter() });
    // gate's rules fail on request.model (onError deny); the indexed policy skips its errors
    expect(d.effect).toBe('deny');
    expect(d.errors.some((x) => x.policy === 'default/gate')).toBe(true);
  });
});

describe('bounded work', () => {
  test('an input that makes 10,000 rules fail stops after limits.maxErrors and denies once', () => {
    const rules = Array.from(
      { length: 10_000 },
      (_, i) => `    - id: r${i}\n      when: request.model == 'm${i}'\n      effect: deny\n`,
    ).join('');
    const e = new PolicyEngine();
    e.addPolicy(`apiVersion: llmpolicy/v1\nkind: Policy\nmetadata: { name: many }\nspec:\n  onError: skip\n  rules:\n${rules}`);
    const d = e.evaluate({ request: {} });
    expect(d.effect).toBe('deny');
    expect(d.errors).toHaveLength(DEFAULT_LIMITS.maxErrors + 1);
    expect(d.errors.at(-1)).toMatchObject({ code: 'limit_exceeded', handling: 'deny' });
    expect(d.reasons).toEqual([d.errors.at(-1)!.message]);
    // a good input is untouched by the bound
    expect(e.evaluate({ request: { model: 'm9999' } }).matched.map((m) => m.rule)).toEqual(['r9999']);
  });

  test('every condition evaluated costs a step: past limits.maxSteps the decision stops and denies', () => {
    const rules = Array.from({ length: 50 }, (_, i) => `    - id: r${i}\n      when: request.n == ${i}\n      effect: allow\n`).join('');
    const e = new PolicyEngine({ limits: { maxSteps: 20 } });
    e.addPolicy(`apiVersion: llmpolicy/v1\nkind: Policy\nmetadata: { name: p }\nspec:\n  rules:\n${rules}`);
    const d = e.evaluate({ request: { n: 49 } });
    expect(d.effect).toBe('deny');
    expect(d.errors.at(-1)!.message).toMatch(/limits\.maxSteps/);
  });

  test('reasons are capped at limits.maxReasons, with a count of the rest', () => {
    const rules = Array.from({ length: 300 }, (_, i) => `    - id: r${i}\n      effect: deny\n      message: m${i}\n`).join('');
    const e = new PolicyEngine();
    e.addPolicy(`apiVersion: llmpolicy/v1\nkind: Policy\nmetadata: { name: p }\nspec:\n  rules:\n${rules}`);
    const d = e.evaluate({});
    expect(d.reasons).toHaveLength(DEFAULT_LIMITS.maxReasons + 1);
    expect(d.reasons.at(-1)).toBe('and 200 more (limits.maxReasons)');
    expect(d.matched).toHaveLength(300);
  });

  test('a 10 MB string interpolated into a message is cut to limits.maxMessageLength', () => {
    const e = new PolicyEngine();
    e.addPolicy(POLICY);
    const d = e.evaluate({ user: { tier: 'free' }, request: { model: 'z'.repeat(10_000_000), tags: [], max_tokens: 1 } });
    expect(d.reasons[0]!.length).toBe(DEFAULT_LIMITS.maxMessageLength);
    expect(d.reasons[0]!.endsWith('…')).toBe(true);
    const list = e.evaluate({
      user: { tier: 'pro' },
      request: { model: 'a', tags: [...Array(100_000).fill('x'), 'blocked'], max_tokens: 1 },
    });
    expect(list.reasons[0]!.length).toBeLessThanOrEqual(DEFAULT_LIMITS.maxMessageLength);
  });

  test('a Set in the input is not an empty list: `exists` over it fails and the rule denies', () => {
    const e = new PolicyEngine();
    e.addPolicy(POLICY);
    const d = e.evaluate({ user: { tier: 'pro' }, request: { model: 'a', tags: new Set(['blocked']), max_tokens: 1 } });
    expect(d.effect).toBe('deny');
    expect(d.errors[0]!.message).toMatch(/Set/);
  });

  test('the decision cache is bounded in bytes, and skips keys longer than maxKeyLength', () => {
    const e = new PolicyEngine({ cache: { max: 100_000, maxBytes: 2_000_000 } });
    e.addPolicy(POLICY);
    for (let i = 0; i < 3_000; i++)
      e.evaluate({ user: { tier: 'free' }, request: { model: `${i}-${'y'.repeat(2_000)}`, tags: [], max_tokens: 1 } });
    const s = e.stats().cache;
    expect(s.bytes).toBeLessThanOrEqual(2_000_000);
    expect(s.size).toBeLessThan(3_000);
    for (let i = 0; i < 50; i++)
      e.evaluate({ user: { tier: 'free' }, request: { model: `${i}-${'z'.repeat(100_000)}`, tags: [], max_tokens: 1 } });
    expect(e.stats().cache.skipped).toBe(50);
  });
});
