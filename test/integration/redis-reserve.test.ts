// RedisStateStore's writes under attack and under concurrency, against the real Redis: bad
// amounts never reach Redis, a tampered key fails closed, consume and reserve are atomic across
// stores (each store stands for a process: its own connection and local view), and a killed
// process's reservations lapse by their TTL.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PolicyEngine } from '../../src/entries/index.js';
import { RedisStateStore } from '../../src/entries/redis.js';
import type { Reservation } from '../../src/decide/state.js';
import { REDIS_URL, sleep, uniqueId, waitFor } from './helpers.js';

const root = resolve(__dirname, '../..');
const prefix = `lpe-test-rsv:${uniqueId()}:`;
const stores: RedisStateStore[] = [];
const admin = createClient({ url: REDIS_URL });

function store(options: Partial<ConstructorParameters<typeof RedisStateStore>[0]> = {}): RedisStateStore {
  const s = new RedisStateStore({ url: REDIS_URL, prefix, refreshMs: 50, flushMs: 5, ...options });
  stores.push(s);
  return s;
}

async function keysInRedis(): Promise<string[]> {
  const out: string[] = [];
  for await (const keys of admin.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) out.push(...keys);
  return out.filter((k) => !k.startsWith(`${prefix}proc|`));
}

const policy = (rules: string) => `apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: limits }
spec:
  rules:
${rules}`;

beforeAll(async () => {
  admin.on('error', () => {});
  await admin.connect();
});

afterAll(async () => {
  for (const s of stores) await s.close(1000);
  for await (const keys of admin.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (keys.length) await admin.del(keys);
  await admin.close();
});

describe('bad amounts never reach Redis', () => {
  test.each([
    ['costUsd', Number.NaN],
    ['costUsd', Number.POSITIVE_INFINITY],
    ['costUsd', -0.5],
    ['costUsd', '0.5'],
    ['tokens', 1.5],
    ['tokens', Number.NaN],
    ['requests', -1],
  ])('%s = %s is rejected with an error naming it, and nothing is written', async (field, value) => {
    const s = store();
    const key = `bad:${uniqueId()}`;
    expect(() => s.record({ keys: [key], at: Date.now(), [field]: value } as never)).toThrow(new RegExp(`\`${field}\``));
    await sleep(30); // longer than flushMs: a batch would have gone out
    expect((await keysInRedis()).filter((k) => k.includes(key))).toEqual([]);
    expect(s.stats()).toMatchObject({ buffered: 0, flushed: 0 });
  });

  test('engine.record rejects NaN before the store sees it; the budget still denies', async () => {
    const s = store();
    const engine = new PolicyEngine({ state: s });
    engine.addPolicy(policy(`    - { id: budget, when: "budget.spent('user:' + user.id, 'day') >= 1.0", effect: deny }`));
    const id = uniqueId();
    await engine.record({ keys: [`user:${id}`], costUsd: 2 });
    await expect(engine.record({ keys: [`user:${id}`], costUsd: Number.NaN })).rejects.toThrow(/`costUsd` must be a finite number/);
    expect(engine.evaluate({ user: { id } }).effect).toBe('deny');
    await waitFor(() => s.stats().buffered === 0, 2000, 'flush');
    expect(engine.evaluate({ user: { id } }).effect).toBe('deny');
  });
});

describe('a tampered key fails closed', () => {
  test.each(['nan', 'inf', '-5', 'abc'])('a bucket holding `%s` makes the budget rule deny with invalid_state', async (junk) => {
    const writer = store();
    const reader = store();
    const engine = new PolicyEngine({ state: reader });
    engine.addPolicy(policy(`    - { id: budget, when: "budget.spent('team:' + user.team, '1h') >= 10.0", effect: deny }`));
    const team = uniqueId();
    const now = Date.now();
    writer.record({ keys: [`team:${team}`], at: now, costUsd: 1 });
    await waitFor(() => writer.stats().buffered === 0, 2000, 'flush');
    const input = { user: { team } };
    expect((await engine.evaluateAsync(input)).effect).toBe('allow');
    // something else writes the cost field of the current second
    const sec = Math.floor(now / 1000);
    await admin.hSet(`${prefix}team:${team}|s|${Math.floor(sec / 60)}`, `${sec}c`, junk);
    const d = await engine.evaluateAsync(input);
    expect(d.effect).toBe('deny');
    expect(d.errors[0]).toMatchObject({ code: 'invalid_state', rule: 'budget' });
    expect(d.errors[0]!.message).toContain(`team:${team}`);
  });

  test('a batch that meets a tampered field applies the rest once and reports it; the breaker stays closed', async () => {
    const errors: string[] = [];
    const s = store({ onError: (e) => errors.push(e.message) });
    const key = `tamper:${uniqueId()}`;
    const now = Date.now();
    const sec = Math.floor(now / 1000);
    await admin.hSet(`${prefix}${key}|s|${Math.floor(sec / 60)}`, `${sec}c`, 'abc');
    s.record({ keys: [key, `${key}:other`], at: now, costUsd: 0.25 });
    await waitFor(() => s.stats().buffered === 0, 2000, 'flush');
    expect(s.stats()).toMatchObject({ breaker: 'closed', flushed: 1, errors: 0 });
    expect(errors.some((m) => m.includes('not a number'))).toBe(true);
    // the other key got its usage, the requests field of the tampered key too: applied once
    const check = store();
    await check.prefetch([{ key: `${key}:other`, metric: 'costUsd', since: now - 60_000 }], now);
    expect(check.sum(`${key}:other`, 'costUsd', now - 60_000, now)).toBeCloseTo(0.25, 9);
    await check.prefetch([{ key, metric: 'requests', since: now - 60_000 }], now);
    expect(check.sum(key, 'requests', now - 60_000, now)).toBe(1);
  });
});

describe('consume is atomic across processes', () => {
  test('20 concurrent consumes from two stores against a limit of 5 admit exactly 5', async () => {
    const a = new PolicyEngine({ state: store() });
    const b = new PolicyEngine({ state: store() });
    const key = `rate:${uniqueId()}`;
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).consume({ key, limit: 5, period: '1m' })));
    expect(results.filter(Boolean)).toHaveLength(5);
    const check = store();
    const now = Date.now();
    await check.prefetch([{ key, metric: 'requests', since: now - 60_000 }], now);
    expect(check.sum(key, 'requests', now - 60_000, now)).toBe(5);
  });

  test('consume counts usage recorded but not yet flushed by the same store', async () => {
    const s = store({ flushMs: 10_000 }); // nothing is flushed during the test
    const engine = new PolicyEngine({ state: s });
    const key = `rate:${uniqueId()}`;
    for (let i = 0; i < 3; i++) await engine.record({ keys: [key] });
    expect(s.stats().buffered).toBe(3);
    expect(await engine.consume({ key, limit: 5, period: '1m', amount: 2 })).toBe(true);
    expect(await engine.consume({ key, limit: 5, period: '1m' })).toBe(false);
  });
});

describe('reservations', () => {
  test('200 concurrent requests against a $1 budget, from two stores: never spent or reserved past the limit', async () => {
    const sa = store();
    const sb = store();
    const a = new PolicyEngine({ state: sa });
    const b = new PolicyEngine({ state: sb });
    const key = `budget:${uniqueId()}`;
    const limit = 1;
    let rnd = 7;
    const random = () => (rnd = (rnd * 1103515245 + 12345) % 2147483648) / 2147483648;
    let committed = 0; // held + settled, as the test counts it
    let peak = 0;
    let admitted = 0;
    let spent = 0;
    let maxEstimate = 0;
    // Redis's own view, sampled while the requests run: spent plus held, read in one script call
    const sampler = store();
    let sampled = 0;
    let samples = 0;
    let running = true;
    const sampling = (async () => {
      while (running) {
        const t = Date.now();
        await sampler.prefetch([{ key, metric: 'costUsd', since: t - 86_400_000, reserved: true }], t);
        sampled = Math.max(sampled, sampler.sum(key, 'costUsd', t - 86_400_000, t) + sampler.reserved(key, 'costUsd', t));
        samples++;
      }
    })();
    await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const engine = i % 2 ? a : b;
        const estimate = 0.005 + Math.round(random() * 1000) / 100_000; // $0.005 - $0.015
        maxEstimate = Math.max(maxEstimate, estimate);
        await sleep(Math.floor(random() * 20));
        const r = await engine.reserve({ key, amount: estimate, limit, period: 'day' });
        if (!r) return;
        admitted++;
        committed += estimate;
        peak = Math.max(peak, committed);
        await sleep(Math.floor(random() * 30)); // the LLM call
        const fail = random() < 0.1;
        const actual = Math.round(estimate * (0.3 + 0.7 * random()) * 1e6) / 1e6;
        if (fail) await engine.release(r);
        else await engine.settle(r, { keys: [key], costUsd: actual });
        committed -= estimate - (fail ? 0 : actual);
        if (!fail) spent += actual;
      }),
    );
    // a release records no usage: wait for the holds' removal too, not only for the usage
    const idle = (x: ReturnType<typeof store>) => x.stats().buffered === 0 && x.stats().releasing === 0;
    await waitFor(() => idle(sa) && idle(sb), 2000, 'flush');
    running = false;
    await sampling;
    const check = store();
    const now = Date.now();
    await check.prefetch([{ key, metric: 'costUsd', since: now - 86_400_000, reserved: true }], now);
    const inRedis = check.sum(key, 'costUsd', now - 86_400_000, now);
    console.log(
      `[redis] 200 concurrent reservations, $${limit} budget: ${admitted} admitted, spent $${inRedis.toFixed(4)}; spent+held at most $${sampled.toFixed(4)} in Redis (${samples} samples), $${peak.toFixed(4)} as the callers count it; largest estimate $${maxEstimate}`,
    );
    expect(inRedis).toBeCloseTo(spent, 6);
    expect(inRedis).toBeLessThanOrEqual(limit + 1e-9);
    expect(peak).toBeLessThanOrEqual(limit + 1e-9);
    expect(samples).toBeGreaterThan(0);
    expect(sampled).toBeLessThanOrEqual(limit + 1e-9);
    expect(admitted).toBeGreaterThan(60); // the budget was used, not refused wholesale
    expect(check.reserved(key, 'costUsd', now)).toBe(0); // every hold settled or released
  });

  test('a reservation holds against other stores, and settle replaces it with the actual cost', async () => {
    const a = new PolicyEngine({ state: store() });
    const sb = store();
    const b = new PolicyEngine({ state: sb });
    b.addPolicy(
      policy(`    - id: budget
      when: "!budget.reserve('user:' + user.id, 0.3, 1.0, 'day')"
      effect: deny
      message: "{{ budget.available('user:' + user.id, 1.0, 'day') }} left"`),
    );
    const id = uniqueId();
    const key = `user:${id}`;
    const r = (await a.reserve({ key, amount: 0.8, limit: 1, period: 'day' }))!;
    expect(r).toBeDefined();
    const held = await b.evaluateAsync({ user: { id } });
    expect(held.effect).toBe('deny');
    expect(Number.parseFloat(held.reasons[0]!)).toBeCloseTo(0.2, 9);
    expect(await b.reserve({ key, amount: 0.3, limit: 1, period: 'day' })).toBeUndefined();
    await a.settle(r, { keys: [key], costUsd: 0.1 });
    await waitFor(async () => (await b.evaluateAsync({ user: { id } })).effect === 'allow', 2000, 'the release');
    const d = await b.evaluateAsync({ user: { id } });
    expect(d.obligations).toEqual([{ reserve: { key, amount: 0.3, limit: 1, period: 'day', metric: 'costUsd' } }]);
    expect(sb.sum(key, 'costUsd', Date.now() - 60_000, Date.now())).toBeCloseTo(0.1, 9);
  });

  test("a killed process's reservation is released by its TTL", async () => {
    if (!existsSync(resolve(root, 'dist/redis.js')))
      throw new Error('dist/redis.js is missing: run `npm run build` before `npm run test:integration`');
    const key = `killed:${uniqueId()}`;
    const child = spawn(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
        const { PolicyEngine } = await import('llm-policy-engine');
        const { RedisStateStore } = await import('llm-policy-engine/redis');
        const engine = new PolicyEngine({ state: new RedisStateStore({ url: process.env.URL, prefix: process.env.PREFIX }) });
        const r = await engine.reserve({ key: process.env.KEY, amount: 0.9, limit: 1, period: 'day' }, { ttlMs: 1500 });
        console.log(r ? 'reserved' : 'refused');
        setInterval(() => {}, 1000); // the call that never ends
      `,
      ],
      { cwd: root, env: { ...process.env, URL: REDIS_URL, PREFIX: prefix, KEY: key }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    await waitFor(
      () => out.includes('reserved') || out.includes('refused') || child.exitCode !== null,
      15_000,
      `the child to reserve (${err})`,
    );
    expect(out.trim()).toBe('reserved');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const engine = new PolicyEngine({ state: store() });
    // while the hold lives, the budget has $0.10 left
    expect(await engine.reserve({ key, amount: 0.5, limit: 1, period: 'day' })).toBeUndefined();
    // poll until the TTL lets go; count the tries rather than time them
    let refused = 0;
    let r: Reservation | undefined;
    for (let i = 0; i < 200 && !r; i++) {
      r = await engine.reserve({ key, amount: 0.5, limit: 1, period: 'day' });
      if (!r) {
        refused++;
        await sleep(25);
      }
    }
    expect(r).toBeDefined();
    expect(refused).toBeGreaterThan(0);
    // the expired entry was deleted on the way: only the new hold is left
    expect(Object.keys(await admin.hGetAll(`${prefix}${key}|r`))).toEqual([`${r!.id}:2`]);
  });
});
