import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MemoryPolicySource } from '../../src/entries/sources.js';
import { MemoryStateStore, PolicyEngine, PolicyError, type StateRead, type StateStore } from '../../src/entries/index.js';
import { builtinLibrary } from '../../builtins/index.js';
import { canonicalKey, digest, inputPaths } from '../../src/decide/cache.js';
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

  test('evicts the key recorded least recently, whatever was read since', () => {
    const s = new MemoryStateStore({ maxKeys: 3 });
    for (const k of ['a', 'b', 'c']) s.record({ keys: [k], at: T0 });
    s.record({ keys: ['a'], at: T0 + 1 }); // a is now the newest
    expect(s.sum('b', 'requests', T0 - 1, T0 + 1)).toBe(1); // a read does not protect b
    s.record({ keys: ['d'], at: T0 + 2 });
    expect(s.size).toBe(3);
    expect(['a', 'b', 'c', 'd'].map((k) => s.sum(k, 'requests', T0 - 1, T0 + 2))).toEqual([2, 0, 1, 1]);
  });

  test('rejects a maxKeys that is not a positive integer', () => {
    for (const maxKeys of [0, -1, 1.5, Number.NaN])
      expect(() => new MemoryStateStore({ maxKeys })).toThrow(/`maxKeys` must be a positive integer/);
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

  // the key renders numbers and strings in one pass (a double as its eight bytes); it must still
  // split exactly where the canonical rendering of some read value differs
  test('two inputs share a key exactly when every read value renders alike', () => {
    const value = fc.oneof(
      fc.constantFrom(0, -0, Number.NaN, 1, -1, 2 ** 31, 2 ** 53, 0.1, 1.5, Infinity, -Infinity),
      fc.double(),
      fc.integer(),
      fc.string({ maxLength: 4 }),
      fc.boolean(),
      fc.constant(null),
      fc.bigInt({ min: -3n, max: 3n }),
      fc.array(fc.oneof(fc.constantFrom(1, 1.5, -0, 'a'), fc.string({ maxLength: 2 })), { maxLength: 3 }),
      fc.dictionary(fc.constantFrom('k', 'l'), fc.constantFrom(1, 0.5, 'x')),
    );
    const input = fc.record({ a: fc.record({ x: value, y: value }, { requiredKeys: [] }), b: value }, { requiredKeys: [] });
    const paths = [['a', 'x'], ['a', 'y'], ['b']];
    const read = (i: Record<string, unknown>) =>
      paths.map((p) => {
        let v: unknown = i;
        for (const k of p) v = v !== null && typeof v === 'object' && Object.hasOwn(v, k) ? (v as Record<string, unknown>)[k] : undefined;
        return v === undefined ? 'missing' : canonicalKey(v);
      });
    const pair = fc.oneof(
      fc.tuple(input, input),
      input.map((i) => [i, structuredClone(i)] as const),
      fc.tuple(input, value).map(([i, v]) => [i, { ...i, b: v }] as const),
      // near misses: values equal in JavaScript, or in a looser sense, yet apart in CEL (or not)
      fc
        .tuple(
          input,
          fc.constantFrom<unknown>(0, -0, Number.NaN, 1, 1.5, '1', true, null, 1n, [1], [-0]),
          fc.constantFrom<unknown>(0, -0, Number.NaN, 1, 1.5, '1', true, null, 1n, [1], [-0]),
        )
        .map(
          ([i, v, w]) =>
            [
              { ...i, b: v },
              { ...i, b: w },
            ] as const,
        ),
    );
    fc.assert(
      fc.property(pair, ([x, y]) => {
        const same = JSON.stringify(read(x)) === JSON.stringify(read(y));
        expect(digest('r', paths, x, 10_000) === digest('r', paths, y, 10_000)).toBe(same);
      }),
      { numRuns: 2000 },
    );
  });

  test('a cached engine hits on inputs equal on the read paths and misses on any read difference', () => {
    const e = new PolicyEngine({ cache: { max: 1000 } });
    // `request.run` is fresh in each run, so a run never hits what an earlier one cached
    e.addPolicy(
      doc(
        'p',
        `    - { id: t, when: "request.temperature > 1.5 || request.model == 'x' || request.run == ''", effect: warn, message: m }\n`,
      ),
    );
    const num = fc.oneof(fc.double(), fc.constantFrom(0, -0, 1.5, 1.51, Number.NaN, 2, 2 ** 40));
    fc.assert(
      fc.property(num, num, fc.constantFrom('x', 'y'), fc.uuid(), (a, b, model, id) => {
        const before = e.stats().cache;
        e.evaluate({ request: { temperature: a, model, run: id, id: 1 } });
        const second = e.evaluate({ request: { temperature: b, model, run: id, id: 2 } });
        const after = e.stats().cache;
        // -0 and 0 are apart, as every NaN is together, as in the canonical rendering
        const same = Object.is(a, b);
        expect([after.hits - before.hits, after.misses - before.misses]).toEqual(same ? [1, 1] : [0, 2]);
        expect(second.effect).toBe(b > 1.5 || model === 'x' ? 'warn' : 'allow');
      }),
      { numRuns: 500 },
    );
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

describe('bad amounts (issue 17, item 3)', () => {
  const budgetPolicy = doc('b', `    - { id: budget, when: "budget.spent('user:a', 'day') >= 1.0", effect: deny }\n`);

  test.each([
    ['costUsd', Number.NaN],
    ['costUsd', Number.POSITIVE_INFINITY],
    ['costUsd', Number.NEGATIVE_INFINITY],
    ['costUsd', -5],
    ['costUsd', '0.5'],
    ['tokens', 2.5],
    ['tokens', -1],
    ['requests', Number.NaN],
    ['at', Number.NaN],
  ])('engine.record rejects %s = %s with an error naming both, and the budget still denies', async (field, value) => {
    const e = new PolicyEngine({ clock: () => T0 });
    e.addPolicy(budgetPolicy);
    await e.record({ keys: ['user:a'], costUsd: 2 });
    expect(e.evaluate({}).effect).toBe('deny');
    const shown = typeof value === 'string' ? `"${value}"` : String(value);
    await expect(e.record({ keys: ['user:a'], [field]: value } as never)).rejects.toThrow(
      `invalid usage: \`${field}\` must be a ${field === 'costUsd' || field === 'at' ? '' : 'whole '}`.replace('a  ', 'a '),
    );
    await expect(e.record({ keys: ['user:a'], [field]: value } as never)).rejects.toThrow(`got \`${shown}\``);
    expect(e.evaluate({}).effect).toBe('deny');
  });

  test('a negative cost cannot wipe out a budget, and an empty key list is refused', async () => {
    const e = new PolicyEngine({ clock: () => T0 });
    e.addPolicy(budgetPolicy);
    await e.record({ keys: ['user:a'], costUsd: 2 });
    await expect(e.record({ keys: ['user:a'], costUsd: -2 })).rejects.toThrow(TypeError);
    await expect(e.record({ keys: [], costUsd: 1 })).rejects.toThrow(/`keys` must be a non-empty list/);
    await expect(e.record({ keys: [''], costUsd: 1 })).rejects.toThrow(/non-empty strings/);
    expect(e.evaluate({}).effect).toBe('deny');
  });

  test('MemoryStateStore.record checks what it is given directly: nothing is written', () => {
    const s = new MemoryStateStore();
    expect(() => s.record({ keys: ['k'], at: T0, costUsd: Number.NaN })).toThrow(/`costUsd`/);
    expect(() => s.record({ keys: ['k'], at: T0, tokens: Number.POSITIVE_INFINITY })).toThrow(/`tokens`/);
    expect(() => s.record({ keys: ['k'], at: Number.NaN })).toThrow(/`at`/);
    expect(s.size).toBe(0);
    expect(s.sum('k', 'costUsd', T0 - 60_000, T0)).toBe(0);
  });

  test.each([Number.NaN, Number.POSITIVE_INFINITY, -1])('a sum read back as %s fails the rule closed with invalid_state', (bad) => {
    const store: StateStore = { sum: () => bad, record: () => undefined };
    const e = new PolicyEngine({ state: store, clock: () => T0 });
    e.addPolicy(budgetPolicy);
    const d = e.evaluate({});
    expect(d.effect).toBe('deny');
    expect(d.errors).toEqual([expect.objectContaining({ code: 'invalid_state', rule: 'budget' })]);
    expect(d.errors[0]!.message).toBe(
      `the state store returned \`${bad}\` for \`costUsd\` of \`user:a\`: no recorded usage adds up to that; repair or delete the stored key`,
    );
  });

  test('a NaN limit in a policy is an error, not a comparison that always passes', () => {
    const e = new PolicyEngine({ clock: () => T0 });
    e.addPolicy(doc('b', `    - { id: r, when: "budget.remaining('user:a', double('NaN'), 'day') <= 0.0", effect: deny }\n`));
    expect(e.evaluate({}).errors[0]).toMatchObject({ code: 'invalid_argument' });
    expect(e.evaluate({}).effect).toBe('deny');
  });
});

describe('consume (issue 17, item 10)', () => {
  test('concurrent evaluate-then-record passes a limit many times over; consume admits exactly the limit', async () => {
    const e = new PolicyEngine({ clock: () => T0 });
    e.addPolicy(doc('r', `    - { id: rate, when: "rate.count('user:a', '1m') >= 5", effect: deny }\n`));
    // check-then-record: every caller decides before any has recorded
    const racing = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const d = await e.evaluateAsync({});
        await new Promise((r) => setTimeout(r, 0)); // the LLM call
        if (d.allowed) await e.record({ keys: ['user:a'] });
        return d.allowed;
      }),
    );
    expect(racing.filter(Boolean)).toHaveLength(20);
    const consumed = await Promise.all(Array.from({ length: 20 }, () => e.consume({ key: 'user:b', limit: 5, period: '1m' })));
    expect(consumed.filter(Boolean)).toHaveLength(5);
    expect(e.evaluate({}).effect).toBe('deny');
  });

  test('every limit must hold; several limits on one key add the amount once', async () => {
    let now = T0;
    const s = new MemoryStateStore();
    const e = new PolicyEngine({ clock: () => now, state: s });
    const limits = [
      { key: 'user:a', limit: 3, period: '1m' },
      { key: 'user:a', limit: 10, period: 'day' },
      { key: 'team:t', limit: 4, period: '1m' },
    ];
    expect(await e.consume(limits)).toBe(true);
    expect(s.sum('user:a', 'requests', T0 - 60_000, T0)).toBe(1);
    expect(await e.consume({ key: 'team:t', limit: 4, period: '1m', amount: 2 })).toBe(true);
    expect(await e.consume(limits)).toBe(true);
    expect(await e.consume(limits)).toBe(false); // team:t is full; user:a is not charged
    expect(s.sum('user:a', 'requests', T0 - 60_000, T0)).toBe(2);
    now += 61_000;
    expect(await e.consume(limits)).toBe(true);
  });

  test('bad limits are refused with the field named', async () => {
    const e = new PolicyEngine({ clock: () => T0 });
    await expect(e.consume({ key: 'k', limit: Number.NaN, period: '1m' })).rejects.toThrow(/`limit` must be a finite number/);
    await expect(e.consume({ key: 'k', limit: 1, period: '1 minute' })).rejects.toThrow(/`period` must be a duration/);
    await expect(e.consume({ key: '', limit: 1, period: '1m' })).rejects.toThrow(/`key` must be a non-empty string/);
    await expect(e.consume({ key: 'k', limit: 1, period: '1m', amount: 0.5 })).rejects.toThrow(/`amount` must be a whole number/);
    await expect(e.reserve({ key: 'k', limit: 1, period: 'day', amount: Number.NaN })).rejects.toThrow(/`amount` must be a finite number/);
  });
});

describe('reservations', () => {
  const reservePolicy = doc(
    'b',
    `    - id: budget
      when: "!budget.reserve('user:' + user.id, request.estimate, 1.0, 'day')"
      effect: deny
      message: "{{ budget.available('user:' + user.id, 1.0, 'day') }} available"
`,
  );

  test('budget.reserve asks; an allowed decision carries the hold; a denied one does not', async () => {
    const e = new PolicyEngine({ clock: () => T0 });
    e.addPolicy(reservePolicy);
    const d = e.evaluate({ user: { id: 'a' }, request: { estimate: 0.4 } });
    expect(d.obligations).toEqual([{ reserve: { key: 'user:a', amount: 0.4, limit: 1, period: 'day', metric: 'costUsd' } }]);
    expect(e.evaluate({ user: { id: 'a' }, request: { estimate: 1.5 } })).toMatchObject({ effect: 'deny', obligations: [] });
    // deciding holds nothing: only engine.reserve (or the middleware) does
    expect(e.evaluate({ user: { id: 'a' }, request: { estimate: 0.4 } }).effect).toBe('allow');
    const r1 = await e.reserve(d.obligations.map((o) => o.reserve as never));
    const r2 = await e.reserve(d.obligations.map((o) => o.reserve as never));
    expect(r1 && r2).toBeTruthy();
    expect(await e.reserve(d.obligations.map((o) => o.reserve as never))).toBeUndefined();
    const held = e.evaluate({ user: { id: 'a' }, request: { estimate: 0.4 } });
    expect(held.effect).toBe('deny');
    expect(Number.parseFloat(held.reasons[0]!)).toBeCloseTo(0.2, 12);
    await e.settle(r1!, { keys: ['user:a'], costUsd: 0.1 });
    await e.release(r2!);
    expect(Number.parseFloat(e.evaluate({ user: { id: 'a' }, request: { estimate: 2 } }).reasons[0]!)).toBeCloseTo(0.9, 12);
  });

  test('an abandoned reservation lapses at its TTL; settling it late still records the spend', async () => {
    let now = T0;
    const s = new MemoryStateStore();
    const e = new PolicyEngine({ clock: () => now, state: s });
    const r = (await e.reserve({ key: 'k', amount: 0.9, limit: 1, period: 'day' }, { ttlMs: 30_000 }))!;
    expect(await e.reserve({ key: 'k', amount: 0.5, limit: 1, period: 'day' })).toBeUndefined();
    expect(s.reserved('k', 'costUsd', now)).toBeCloseTo(0.9, 12);
    now += 30_000;
    expect(s.reserved('k', 'costUsd', now)).toBe(0);
    expect(s.reservations).toBe(0);
    const r2 = await e.reserve({ key: 'k', amount: 0.5, limit: 1, period: 'day' });
    expect(r2).toBeDefined();
    await e.settle(r, { keys: ['k'], costUsd: 0.3 }); // the slow call came back after all
    expect(s.sum('k', 'costUsd', T0 - 1, now)).toBeCloseTo(0.3, 12);
    expect(s.reserved('k', 'costUsd', now)).toBeCloseTo(0.5, 12);
    await e.settle(r, { keys: ['k'], costUsd: 0.3 }); // twice: the usage counts again, no hold is dropped twice
    expect(s.reserved('k', 'costUsd', now)).toBeCloseTo(0.5, 12);
  });

  test('a store without reservations says so', async () => {
    const store: StateStore = { sum: () => 0, record: () => undefined };
    const e = new PolicyEngine({ state: store });
    await expect(e.reserve({ key: 'k', amount: 1, limit: 2, period: 'day' })).rejects.toThrow(/the state store has no `reserve`/);
    await expect(e.consume({ key: 'k', limit: 2, period: 'day' })).rejects.toThrow(/the state store has no `consume`/);
  });
});

describe('siblings of the class', () => {
  test('a clock that returns NaN fails state rules closed instead of reading empty windows', async () => {
    const e = new PolicyEngine({ clock: () => Number.NaN });
    e.addPolicy(doc('b', `    - { id: budget, when: "budget.spent('user:a', 'day') >= 1.0", effect: deny }\n`));
    const d = e.evaluate({});
    expect(d.effect).toBe('deny');
    expect(d.errors[0]).toMatchObject({ code: 'invalid_state', message: expect.stringContaining('the engine clock returned `NaN`') });
    await expect(e.record({ keys: ['user:a'], costUsd: 1 })).rejects.toThrow(/`at` must be a time/);
  });
});
