import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MemoryPolicySource, MemoryStateStore, PolicyEngine, PolicyError, type StateRead, type StateStore } from '../../src/index.js';

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
    // Waits on the reloads themselves (onReload), never on a timer.
    class Watched extends MemoryPolicySource {
      watching = 0;
      override watch(onChange: () => void): () => void {
        this.watching++;
        const off = super.watch(onChange);
        return () => {
          this.watching--;
          off();
        };
      }
    }
    const source = new Watched([good('warn')]);
    const e = new PolicyEngine();
    const reloads: (string | undefined)[] = [];
    let reloaded: () => void = () => {};
    const nextReload = () => new Promise<void>((r) => (reloaded = r));
    await e.loadFrom(source, {
      watch: true,
      onReload: (r) => {
        reloads.push(r.error ? 'error' : r.revision);
        reloaded();
      },
    });
    expect(e.evaluate({}).effect).toBe('warn');
    let next = nextReload();
    source.set([good('deny')]);
    await next;
    expect(e.evaluate({}).effect).toBe('deny');
    next = nextReload();
    source.set([{ text: doc('p', `    - { id: r, when: "nosuch()", effect: allow }\n`), filename: 'p.yaml' }]);
    await next;
    expect(e.evaluate({}).effect).toBe('deny');
    expect(e.lastReloadError).toBeInstanceOf(PolicyError);
    expect(reloads).toHaveLength(2);
    expect(reloads[1]).toBe('error');
    expect(source.watching).toBe(1);
    await e.close();
    expect(source.watching).toBe(0); // closed: no longer following, so a new set cannot reach it
    source.set([good('allow')]);
    expect(e.evaluate({}).effect).toBe('deny');
  });
});
