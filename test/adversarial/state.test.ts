// Adversarial inputs to the state layer (issue 17, items 3 and 10): whatever the amounts a
// caller records or a store reads back, a budget never fails open; whatever the interleaving of
// concurrent callers, consume and reserve never admit past a limit. Bounds are counted work:
// a fixed number of runs and operations per run, never wall time.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { MemoryStateStore, PolicyEngine, type ReserveSpec, type StateStore } from '../../src/entries/index.js';

const T0 = Date.UTC(2026, 0, 5, 10, 0, 0);
const LIMIT = 10;

const policy = `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: budget }
spec:
  rules:
    - { id: budget, when: "budget.spent('user:' + user.id, 'day') >= ${LIMIT}.0", effect: deny }
    - { id: rate, when: "rate.count('user:' + user.id, '1h') >= 50", effect: deny }
`;

// One engine and store per test, a fresh key per run: compiling a policy per run would be most of the work.
let run = 0;
const fresh = () => `r${++run}`;

/** Anything a buggy caller might pass as an amount: valid ones, and every kind of invalid one. */
const anyAmount = fc.oneof(
  fc.double({ min: 0, max: 5, noNaN: true }),
  fc.integer({ min: 0, max: 3 }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, -1e-9, -3, 1e300, Number.MAX_VALUE),
  fc.double(), // anything at all, NaN and infinities included
  fc.oneof(fc.string(), fc.constant(null), fc.boolean(), fc.constant(undefined), fc.constant({}), fc.bigInt()),
);

const valid = (v: unknown, whole: boolean) =>
  v === undefined ||
  (typeof v === 'number' && Number.isFinite(v) && v >= 0 && v <= Number.MAX_SAFE_INTEGER && (!whole || Number.isInteger(v)));

describe('arbitrary usage never makes a budget fail open', () => {
  test('engine.record accepts exactly the valid usages, and the decision follows the accepted spend', async () => {
    const e = new PolicyEngine({ clock: () => T0 });
    e.addPolicy(policy);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ costUsd: anyAmount, tokens: anyAmount, requests: anyAmount }, { requiredKeys: [] }), { maxLength: 25 }),
        async (usages) => {
          const user = { id: fresh() };
          let spent = 0;
          let requests = 0;
          for (const u of usages) {
            const ok = valid(u.costUsd, false) && valid(u.tokens, true) && valid(u.requests, true);
            const r = e.record({ keys: [`user:${user.id}`], ...u } as never);
            if (ok) {
              await r;
              spent += (u.costUsd as number | undefined) ?? 0;
              requests += (u.requests as number | undefined) ?? 1;
            } else await expect(r).rejects.toBeInstanceOf(TypeError);
            const d = e.evaluate({ user });
            // never allow when the accepted spend or count says deny
            if (spent >= LIMIT || requests >= 50) expect(d.effect).toBe('deny');
            else expect(d.effect).toBe('allow');
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('whatever a store reads back, the rule denies unless it is a valid number under the limit', () => {
    let value = 0;
    const store: StateStore = { sum: (_k, m) => (m === 'costUsd' ? value : 0), record: () => undefined };
    const e = new PolicyEngine({ state: store, clock: () => T0 });
    e.addPolicy(policy);
    fc.assert(
      fc.property(fc.oneof(fc.double(), fc.constantFrom(Number.NaN, -0, -1, Number.POSITIVE_INFINITY, 9.99, 10)), (v) => {
        value = v;
        const d = e.evaluate({ user: { id: 'a' } });
        const fine = v >= 0 && v < LIMIT;
        expect(d.effect).toBe(fine ? 'allow' : 'deny');
        if (!(v >= 0 && v !== Number.POSITIVE_INFINITY)) expect(d.errors[0]?.code).toBe('invalid_state');
      }),
      { numRuns: 500 },
    );
  });

  test('arbitrary amounts and limits passed to reserve are refused or checked, never half-written', async () => {
    const s = new MemoryStateStore();
    const e = new PolicyEngine({ clock: () => T0, state: s });
    await fc.assert(
      fc.asyncProperty(anyAmount, anyAmount, async (amount, limit) => {
        const key = fresh();
        const before = s.reservations;
        const ok = valid(amount, false) && amount !== undefined && valid(limit, false) && limit !== undefined;
        const r = e.reserve({ key, amount: amount as number, limit: limit as number, period: 'day' });
        if (!ok) {
          await expect(r).rejects.toBeInstanceOf(TypeError);
          expect(s.reservations).toBe(before);
        } else {
          const got = await r;
          expect(got !== undefined).toBe((amount as number) <= (limit as number));
          expect(s.reserved(key, 'costUsd', T0)).toBe(got ? (amount as number) + 0 : 0);
        }
      }),
      { numRuns: 300 },
    );
  });
});

/** Runs `tasks` concurrently; the scheduler picks the order in which their steps resume. */
function interleave<T>(s: fc.Scheduler, tasks: (() => Promise<T>)[]): Promise<T[]> {
  return s.waitFor(Promise.all(tasks.map((t) => t())));
}

describe('concurrency never admits past a limit', () => {
  test('consume: whatever the interleaving, the admitted total stays within the limit and is what the store holds', async () => {
    const store = new MemoryStateStore();
    const e = new PolicyEngine({ clock: () => T0, state: store });
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 20 }),
        async (s, amounts, limit) => {
          const key = fresh();
          const admitted = await interleave(
            s,
            amounts.map((amount) => async () => {
              await s.schedule(Promise.resolve()); // arrive in any order
              return (await e.consume({ key, amount, limit, period: '1m' })) ? amount : 0;
            }),
          );
          const total = admitted.reduce((a, b) => a + b, 0);
          expect(total).toBeLessThanOrEqual(limit);
          expect(store.sum(key, 'requests', T0 - 60_000, T0)).toBe(total);
          // nothing was refused that fitted once everything else was in
          for (let i = 0; i < amounts.length; i++) if (admitted[i] === 0) expect(total + amounts[i]!).toBeGreaterThan(limit);
        },
      ),
      { numRuns: 200 },
    );
  });

  test('reserve, settle, release and expiry: spent + held never passes the limit', async () => {
    const call = fc.record({
      estimate: fc.integer({ min: 1, max: 300 }).map((c) => c / 1000),
      used: fc.double({ min: 0, max: 1, noNaN: true }),
      outcome: fc.constantFrom('settle', 'release', 'abandon'),
    });
    let now = T0;
    const store = new MemoryStateStore();
    const e = new PolicyEngine({ clock: () => now, state: store });
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.array(call, { minLength: 1, maxLength: 40 }), async (s, calls) => {
        now = T0;
        const key = fresh();
        const limit = 1;
        let worst = 0;
        const observe = () => {
          worst = Math.max(worst, store.sum(key, 'costUsd', T0 - 1, now) + store.reserved(key, 'costUsd', now));
        };
        await interleave(
          s,
          calls.map((c) => async () => {
            await s.schedule(Promise.resolve());
            const r = await e.reserve({ key, amount: c.estimate, limit, period: 'day' }, { ttlMs: 60_000 });
            observe();
            if (!r) return;
            await s.schedule(Promise.resolve()); // the LLM call
            if (c.outcome === 'settle') await e.settle(r, { keys: [key], costUsd: Math.round(c.estimate * c.used * 1e6) / 1e6 });
            else if (c.outcome === 'release') await e.release(r);
            else now += 20_000; // the caller died; time passes, its hold lapses at the TTL
            observe();
          }),
        );
        expect(worst).toBeLessThanOrEqual(limit + 1e-9);
        now += 60_000;
        expect(store.reserved(key, 'costUsd', now)).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  test('200 concurrent requests against a $1 budget: reservations never pass it; check-then-record does', async () => {
    const store = new MemoryStateStore();
    const e = new PolicyEngine({ clock: () => T0, state: store });
    e.addPolicy(`apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: budget }
spec:
  rules:
    - { id: reserve, when: "!budget.reserve(request.key, request.estimate, 1.0, 'day')", effect: deny }
`);
    const request = fc.record({
      estimate: fc.integer({ min: 5, max: 15 }).map((c) => c / 1000),
      used: fc.double({ min: 0.2, max: 1, noNaN: true }),
    });
    let overspent = 0;
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), fc.array(request, { minLength: 200, maxLength: 200 }), async (s, requests) => {
        const key = fresh();
        const naive = fresh();
        let worst = 0;
        const observe = (k: string) => {
          worst = Math.max(worst, store.sum(k, 'costUsd', T0 - 1, T0) + store.reserved(k, 'costUsd', T0));
        };
        await interleave(
          s,
          requests.map((q) => async () => {
            const cost = Math.round(q.estimate * q.used * 1e6) / 1e6;
            // with reservations: the decision asks, the host holds, settles after the call
            const d = e.evaluate({ request: { key, estimate: q.estimate } });
            await s.schedule(Promise.resolve());
            const holds = d.obligations.map((o) => o.reserve as ReserveSpec);
            const r = d.allowed ? await e.reserve(holds) : undefined;
            observe(key);
            await s.schedule(Promise.resolve()); // the LLM call
            if (r) await e.settle(r, { keys: [key], costUsd: cost });
            observe(key);
            // check-then-record: the same traffic, deciding on spend alone
            const n = e.evaluate({ request: { key: naive, estimate: q.estimate } });
            await s.schedule(Promise.resolve());
            if (n.allowed) await e.record({ keys: [naive], costUsd: q.estimate });
          }),
        );
        expect(worst).toBeLessThanOrEqual(1 + 1e-9);
        expect(store.reserved(key, 'costUsd', T0)).toBe(0);
        overspent = Math.max(overspent, store.sum(naive, 'costUsd', T0 - 1, T0) - 1);
      }),
      { numRuns: 20 },
    );
    // the same interleavings break a check-then-record budget: the test can tell the difference
    expect(overspent).toBeGreaterThan(0.1);
  });
});
