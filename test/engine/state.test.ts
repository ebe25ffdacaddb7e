import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MemoryPolicySource } from '../../src/entries/sources.js';
import { MemoryStateStore, PolicyEngine, PolicyError, type StateRead, type StateStore } from '../../src/entries/index.js';
import { builtinLibrary } from '../../builtins/index.js';
import { inputPaths } from '../../src/decide/cache.js';
import { check } from '../../src/lang/checker.js';
import { parse } from '../../src/lang/parser.js';
import { Registry } from '../../src/lang/registry.js';
import { buildIndex } from '../../src/policy/rule-index.js';

const doc = (name: string, rules: string, extra = '') => `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: ${name} }
spec:
${extra}  rules:
${rules}`;

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);

describe('MemoryStateStore', () => {
  const event = fc.record({
    age: fc.integer({ min: 0, max: 3 * 86_400_000 }),
    requests: fc.integer({ min: 1, max: 3 }),
    tokens: fc.integer({ min: 0, max: 1000 }),
    cost: fc.integer({ min: 0, max: 100 }).map((c) => c / 100),
    key: fc.constantFrom('a', 'b'),
  });

  test('windows of up to an hour, and calendar days, are exact; longer windows miss at most their edge bucket', () => {
    fc.assert(
      fc.property(fc.array(event, { maxLength: 60 }), fc.integer({ min: 1, max: 3 * 86_400_000 }), (events, windowMs) => {
        const store = new MemoryStateStore();
        const now = T0;
        const sorted = [...events].sort((x, y) => y.age - x.age); // oldest first, plus some late ones below
        for (const e of sorted) store.record({ keys: [e.key], requests: e.requests, tokens: e.tokens, costUsd: e.cost, at: now - e.age });
        const since = now - windowMs;
        const exact = (m: 'requests' | 'tokens') =>
          events.filter((e) => e.key === 'a' && now - e.age >= since).reduce((s, e) => s + e[m], 0);
        const got = store.sum('a', 'requests', since, now);
        if (windowMs <= 3_600_000) expect(got).toBe(exact('requests'));
        else {
          const bucket = windowMs <= 48 * 3_600_000 ? 60_000 : 3_600_000;
          const edge = events
            .filter((e) => e.key === 'a' && now - e.age >= since && now - e.age < since + bucket)
            .reduce((s, e) => s + e.requests, 0);
          expect(got).toBeLessThanOrEqual(exact('requests'));
          expect(got).toBeGreaterThanOrEqual(exact('requests') - edge);
        }
        const dayStart = Date.UTC(2026, 0, 5);
        const day = events.filter((e) => e.key === 'a' && now - e.age >= dayStart).reduce((s, e) => s + e.tokens, 0);
        expect(store.sum('a', 'tokens', dayStart, now)).toBe(day);
      }),
      { numRuns: 300 },
    );
  });

  test('usage recorded late (an `at` in the past) lands in its place', () => {
    const s = new MemoryStateStore();
    s.record({ keys: ['k'], at: T0 });
    s.record({ keys: ['k'], at: T0 - 30_000 });
    s.record({ keys: ['k'], at: T0 - 5_000 });
    expect(s.sum('k', 'requests', T0 - 10_000, T0)).toBe(2);
    expect(s.sum('k', 'requests', T0 - 60_000, T0)).toBe(3);
  });

  test('keeps at most maxKeys keys', () => {
    const s = new MemoryStateStore({ maxKeys: 10 });
    for (let i = 0; i < 50; i++) s.record({ keys: [`k${i}`], at: T0 });
    expect(s.size).toBe(10);
  });
});

describe('rate limits and budgets in policies', () => {
  test('rate.count, rate.remaining, budget.spent and budget.remaining read what record() wrote', async () => {
    let now = T0;
    const e = new PolicyEngine({ clock: () => now });
    e.addPolicy(
      doc(
        'limits',
        `    - id: rate
      when: rate.count('user:' + user.id, '1m') >= 3
      effect: deny
      message: "{{ rate.remaining('user:' + user.id, 3, '1m') }} left"
    - id: budget
      when: budget.spent('team:' + user.team, 'month') + 1.0 > 10.0
      effect: deny
`,
      ),
    );
    const input = { user: { id: 'u1', team: 't1' } };
    expect(e.evaluate(input).effect).toBe('allow');
    for (let i = 0; i < 3; i++) await e.record({ keys: ['user:u1', 'team:t1'], costUsd: 2, tokens: 100 });
    expect(e.evaluate(input).matched.map((m) => m.rule)).toEqual(['rate']);
    expect(e.evaluate(input).reasons).toEqual(['0 left']);
    now += 61_000; // the minute slides past
    expect(e.evaluate(input).effect).toBe('allow');
    await e.record({ keys: ['team:t1'], costUsd: 3.5 });
    expect(e.evaluate(input).matched.map((m) => m.rule)).toEqual(['budget']);
    expect(e.evaluate({ user: { id: 'u2', team: 't2' } }).effect).toBe('allow');
  });

  test('an invalid constant period is a load error', () => {
    expect(() =>
      new PolicyEngine().addPolicy(doc('p', `    - { id: r, when: "rate.count('k', '1 minute') > 1", effect: deny }\n`)),
    ).toThrow(/invalid period `1 minute`/);
  });

  test('evaluateAsync prefetches exactly the keys this input makes the policy read', async () => {
    const prefetched: StateRead[][] = [];
    const inner = new MemoryStateStore();
    const store: StateStore = {
      sum: (k, m, s, n) => inner.sum(k, m, s, n),
      record: (u) => inner.record(u),
      prefetch: async (reads) => {
        prefetched.push(reads);
      },
    };
    const e = new PolicyEngine({ state: store, clock: () => T0 });
    e.addPolicy(
      doc(
        'p',
        `    - { id: r, when: "user.tier == 'free' && rate.count('user:' + user.id, '1h') > 10", effect: deny }
    - { id: b, when: "budget.spent('org:' + user.org, 'day') > 5.0", effect: deny }
`,
      ),
    );
    await e.evaluateAsync({ user: { id: 'u1', tier: 'free', org: 'o1' } });
    expect(
      prefetched
        .flat()
        .map((r) => `${r.metric}:${r.key}`)
        .sort(),
    ).toEqual(['costUsd:org:o1', 'requests:user:u1']);
    prefetched.length = 0;
    await e.evaluateAsync({ user: { id: 'u2', tier: 'pro', org: 'o1' } }); // && short-circuits: no rate read
    expect(prefetched.flat().map((r) => `${r.metric}:${r.key}`)).toEqual(['costUsd:org:o1']);
  });
});

describe('decision cache', () => {
  const rules = `    - { id: big, when: "request.max_tokens > 1000", effect: deny }
    - { id: model, when: "!(request.model in ['a', 'b'])", effect: warn, message: "model {{ request.model }}" }
`;

  test('cached decisions equal uncached ones, and fields no policy reads do not split the key', () => {
    const cached = new PolicyEngine({ cache: { max: 100 } });
    const plain = new PolicyEngine();
    cached.addPolicy(doc('p', rules));
    plain.addPolicy(doc('p', rules));
    fc.assert(
      fc.property(
        fc.record({ request: fc.record({ max_tokens: fc.constantFrom(10, 5000), model: fc.constantFrom('a', 'c'), id: fc.uuid() }) }),
        (input) => {
          const { revision: r1, ...a } = cached.evaluate(input);
          const { revision: r2, ...b } = plain.evaluate(input);
          expect(a).toEqual(b);
          void r1;
          void r2;
        },
      ),
      { numRuns: 200 },
    );
    const s = cached.stats().cache;
    expect(s.size).toBe(4); // 2 max_tokens x 2 models, whatever the ids
    expect(s.hits).toBe(196);
    expect(Object.isFrozen(cached.evaluate({ request: { max_tokens: 10, model: 'a' } }))).toBe(true);
  });

  test('a policy reading optional fields: cached equals uncached, and only the read paths split the key', () => {
    const optional = `    - { id: team, when: "request.?metadata.?team.orValue('none') == 'none'", effect: deny }
    - { id: tags, when: "request.?metadata.?tags.optMap(t, t.exists(i, v, v == 'x')).orValue(false)", effect: warn, message: "{{ request.?metadata.?team }}" }
`;
    const cached = new PolicyEngine({ cache: { max: 100 } });
    const plain = new PolicyEngine();
    cached.addPolicy(doc('p', optional));
    plain.addPolicy(doc('p', optional));
    const metadata = fc.record(
      { team: fc.constantFrom('a', 'b'), tags: fc.constantFrom(['x'], ['y']), other: fc.uuid() },
      { requiredKeys: ['other'] },
    );
    fc.assert(
      fc.property(fc.record({ request: fc.record({ metadata, id: fc.uuid() }, { requiredKeys: ['id'] }) }), (input) => {
        const { revision: r1, ...a } = cached.evaluate(input);
        const { revision: r2, ...b } = plain.evaluate(input);
        expect(a).toEqual(b);
        void r1;
        void r2;
      }),
      { numRuns: 200 },
    );
    // (no metadata, or team absent / a / b) x (tags absent / x / y), whatever the ids
    expect(cached.stats().cache.size).toBeLessThanOrEqual(10);
  });

  test('the paths a `.?` chain reads are the paths of the plain chain', () => {
    const registry = new Registry(builtinLibrary);
    const paths = (src: string) => inputPaths([check(parse(src), { registry }).expr], new Set(['limit']));
    expect(paths("request.?metadata.?team.orValue('')")).toEqual([['request', 'metadata', 'team']]);
    expect(paths('request.?metadata.team.hasValue()')).toEqual([['request', 'metadata', 'team']]);
    expect(paths("has(request.?metadata.team) || request[?'model'].hasValue()")).toEqual([['request']]);
    expect(paths('request.messages.all(i, m, i < limit && m.role != user.role)')).toEqual([
      ['request', 'messages'],
      ['user', 'role'],
    ]);
    expect(paths('request.?tools.optMap(t, size(t)).orValue(0) > 0')).toEqual([['request', 'tools']]);
  });

  test('optional selections are not rule index guards', () => {
    const registry = new Registry(builtinLibrary);
    const whens = Array.from({ length: 20 }, (_, i) => check(parse(`request.?model == optional.of('m${i}')`), { registry }).expr);
    expect(buildIndex(whens, () => true)).toBeUndefined();
    const plain = Array.from({ length: 20 }, (_, i) => check(parse(`request.model == 'm${i}'`), { registry }).expr);
    expect(buildIndex(plain, () => true)).toBeDefined();
  });

  test('policies that read the clock or state are never cached', () => {
    const e = new PolicyEngine({ cache: { max: 100 } });
    e.addPolicy(doc('p', `    - { id: r, when: "now > timestamp('2020-01-01T00:00:00Z')", effect: warn }\n`));
    e.evaluate({});
    e.evaluate({});
    expect(e.stats().cache).toMatchObject({ hits: 0, misses: 0, size: 0 });
  });
});

describe('policy sources', () => {
  const good = (effect: string) => ({ text: doc('p', `    - { id: r, effect: ${effect} }\n`), filename: 'p.yaml' });

  test('loadFrom follows a source; a broken set keeps the last good one and says why', async () => {
    const source = new MemoryPolicySource([good('warn')]);
    const e = new PolicyEngine();
    const reloads: (string | undefined)[] = [];
    await e.loadFrom(source, { watch: true, onReload: (r) => reloads.push(r.error ? 'error' : r.revision) });
    expect(e.evaluate({}).effect).toBe('warn');
    source.set([good('deny')]);
    await new Promise((r) => setTimeout(r, 10));
    expect(e.evaluate({}).effect).toBe('deny');
    source.set([{ text: doc('p', `    - { id: r, when: "nosuch()", effect: allow }\n`), filename: 'p.yaml' }]);
    await new Promise((r) => setTimeout(r, 10));
    expect(e.evaluate({}).effect).toBe('deny');
    expect(e.lastReloadError).toBeInstanceOf(PolicyError);
    expect(reloads).toHaveLength(2);
    expect(reloads[1]).toBe('error');
    await e.close();
    source.set([good('allow')]);
    await new Promise((r) => setTimeout(r, 10));
    expect(e.evaluate({}).effect).toBe('deny'); // closed: no longer following
  });
});
