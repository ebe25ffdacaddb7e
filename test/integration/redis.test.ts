// RedisStateStore against the real Redis: shared counters, strict reads, two engine processes
// enforcing one limit, and an outage (a redis-server of the test's own is stopped and started
// again, so the machine's Redis stays up for everyone else).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PolicyEngine } from '../../src/entries/index.js';
import { RedisStateStore } from '../../src/entries/redis.js';
import { freePort, PrivateRedis, REDIS_URL, sleep, uniqueId, waitFor } from './helpers.js';

const root = resolve(__dirname, '../..');
const prefix = `lpe-test:${uniqueId()}:`;
const stores: RedisStateStore[] = [];
const admin = createClient({ url: REDIS_URL });

function store(options: Partial<ConstructorParameters<typeof RedisStateStore>[0]> = {}): RedisStateStore {
  const s = new RedisStateStore({ url: REDIS_URL, prefix, refreshMs: 50, flushMs: 5, ...options });
  stores.push(s);
  return s;
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
  // leave no keys behind
  for await (const keys of admin.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (keys.length) await admin.del(keys);
  await admin.close();
});

describe('RedisStateStore (one process, two stores)', () => {
  test('usage recorded by one store reaches another within the staleness bound', async () => {
    // The bound is counted in the stores' own operations, not in milliseconds: once a's flush
    // has landed in Redis, b sees the usage at its next refresh, or the one after when a
    // refresh was already under way as the flush landed.
    const a = store();
    const b = store();
    const now = () => Date.now();
    expect(b.sum('shared:1', 'requests', now() - 60_000, now())).toBe(0); // b now follows the key
    const first = b.stats().refreshes;
    await waitFor(() => b.stats().refreshes > first, 2000, "b's first full read of the key");
    const t0 = Date.now();
    for (let i = 0; i < 5; i++) a.record({ keys: ['shared:1'], at: now(), tokens: 10, costUsd: 0.1 });
    expect(a.sum('shared:1', 'requests', now() - 60_000, now())).toBe(5); // own usage: at once
    await waitFor(() => a.stats().flushed === 5, 2000, "a's flush");
    const landed = b.stats().refreshes;
    await waitFor(() => b.sum('shared:1', 'requests', now() - 60_000, now()) === 5, 2000, 'b to see 5');
    expect(b.stats().refreshes - landed).toBeGreaterThanOrEqual(1);
    expect(b.stats().refreshes - landed).toBeLessThanOrEqual(2);
    const latency = Date.now() - t0; // reported, not asserted
    // a metric read for the first time is read in full at the next refresh
    b.sum('shared:1', 'tokens', now() - 60_000, now());
    await waitFor(() => b.sum('shared:1', 'tokens', now() - 60_000, now()) === 50, 2000, 'tokens');
    expect(b.sum('shared:1', 'costUsd', now() - 60_000, now())).toBeCloseTo(0.5, 9); // same hashes
    expect(a.stats()).toMatchObject({ breaker: 'closed', buffered: 0, flushed: 5, dropped: 0 });
    console.log(`[redis] cross-process visibility: ${latency} ms (refreshMs 50, flushMs 5)`);
  });

  test('sliding windows: late usage lands in its second; windows count whole seconds at the far edge', async () => {
    const a = store();
    const b = store();
    const now = Math.floor(Date.now() / 1000) * 1000 + 500; // mid-second
    a.record({ keys: ['slide'], at: now - 90_000 });
    a.record({ keys: ['slide'], at: now - 30_000 });
    a.record({ keys: ['slide'], at: now - 60_000 + 200 }); // inside the 1m window
    a.record({ keys: ['slide'], at: now - 60_000 - 400 }); // 400 ms outside, same second as the edge
    a.record({ keys: ['slide'], at: now - 60_000 - 600 }); // the second before the edge's: out
    await waitFor(() => a.stats().buffered === 0, 2000, 'flush');
    await b.prefetch([{ key: 'slide', metric: 'requests', since: now - 120_000 }], now);
    expect(b.sum('slide', 'requests', now - 120_000, now)).toBe(5);
    expect(b.sum('slide', 'requests', now - 60_000, now)).toBe(3); // exact: 2; +1 from the edge second
    expect(b.sum('slide', 'requests', now - 45_000, now)).toBe(1);
    expect(b.sum('slide', 'requests', now - 59_000, now)).toBe(1); // the edge second is (now - 59.5 s, ...]
    expect(b.sum('slide', 'requests', now - 60_300, now)).toBe(3);
  });

  test('calendar periods and long windows read the minute and hour buckets', async () => {
    const a = store();
    const b = store();
    const now = Date.now();
    const day = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate());
    a.record({ keys: ['team:t'], at: now - 3 * 3_600_000, costUsd: 1.25 }); // 3 hours ago: minute buckets
    a.record({ keys: ['team:t'], at: now - 3 * 86_400_000, costUsd: 2 }); // 3 days ago: hour buckets
    a.record({ keys: ['team:t'], at: now - 1000, costUsd: 0.5 });
    await waitFor(() => a.stats().buffered === 0, 2000, 'flush');
    await b.prefetch([{ key: 'team:t', metric: 'costUsd', since: now - 7 * 86_400_000 }], now);
    expect(b.sum('team:t', 'costUsd', now - 7 * 86_400_000, now)).toBeCloseTo(3.75, 9);
    expect(b.sum('team:t', 'costUsd', now - 4 * 3_600_000, now)).toBeCloseTo(1.75, 9);
    const today = (now - 3 * 3_600_000 >= day ? 1.25 : 0) + 0.5;
    expect(b.sum('team:t', 'costUsd', day, now)).toBeCloseTo(today, 9);
  });

  test('evaluateAsync reads exactly the keys the policy needs, fresh from Redis', async () => {
    const a = store();
    const b = store({ refreshMs: 60_000 }); // no background refresh to speak of: only strict reads
    const engine = new PolicyEngine({ state: b });
    engine.addPolicy(policy(`    - { id: rate, when: "rate.count('user:' + user.id, '1m') >= 3", effect: deny }`));
    const input = { user: { id: 'u-strict' } };
    expect((await engine.evaluateAsync(input)).effect).toBe('allow');
    for (let i = 0; i < 3; i++) a.record({ keys: ['user:u-strict'], at: Date.now() });
    await waitFor(() => a.stats().buffered === 0, 2000, 'flush');
    expect((await engine.evaluateAsync(input)).effect).toBe('deny');
    expect(engine.evaluate(input).effect).toBe('deny');
  });
});

describe('two engine processes share one limit', () => {
  const built = existsSync(resolve(root, 'dist/redis.js')) && existsSync(resolve(root, 'dist/index.js'));

  /** One child: decides every `gapMs` for `durationMs` from `startAt`, records what it allowed. */
  const child = (env: Record<string, string>) => `
    const { PolicyEngine } = await import('llm-policy-engine');
    const { RedisStateStore } = await import('llm-policy-engine/redis');
    const E = process.env;
    const store = new RedisStateStore({ url: E.URL, prefix: E.PREFIX, refreshMs: +E.REFRESH, flushMs: +E.FLUSH });
    const engine = new PolicyEngine({ state: store });
    engine.addPolicy(\`apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: shared-limit }
spec:
  rules:
    - { id: limit, when: "rate.count('${env.KEY}', '1m') >= ${env.LIMIT}", effect: deny }\`);
    engine.evaluate({}); // the store follows the key from now on
    await new Promise((r) => setTimeout(r, Math.max(0, +E.START_AT - Date.now())));
    let allowed = 0, decisions = 0, errors = 0;
    const admittedAt = [];
    // the refresh interval the timer actually achieves (the bound's refreshMs on a busy machine)
    let lastRefresh = store.stats().lastRefreshAt, maxRefreshGap = 0;
    const end = Date.now() + +E.DURATION;
    while (Date.now() < end) {
      try {
        const d = engine.evaluate({});
        decisions++;
        if (d.allowed) { allowed++; admittedAt.push(Date.now()); await engine.record({ keys: ['${env.KEY}'] }); }
      } catch { errors++; }
      await new Promise((r) => setTimeout(r, +E.GAP));
      const r = store.stats().lastRefreshAt;
      if (r !== lastRefresh) { maxRefreshGap = Math.max(maxRefreshGap, r - lastRefresh); lastRefresh = r; }
    }
    const stats = store.stats();
    await engine.close();
    console.log(JSON.stringify({ allowed, decisions, errors, seconds: +E.DURATION / 1000, flushed: stats.flushed, dropped: stats.dropped, admittedAt, maxRefreshGap }));
  `;

  async function run(refreshMs: number, flushMs: number, limit: number, gapMs: number) {
    if (!built) throw new Error('dist/redis.js is missing: run `npm run build` before `npm run test:integration`');
    const key = `limit:${uniqueId()}`;
    const startAt = Date.now() + 1500;
    const env = {
      URL: REDIS_URL,
      PREFIX: prefix,
      REFRESH: String(refreshMs),
      FLUSH: String(flushMs),
      KEY: key,
      LIMIT: String(limit),
      START_AT: String(startAt),
      DURATION: '2500',
      GAP: String(gapMs),
    };
    const outs = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<{
            allowed: number;
            decisions: number;
            errors: number;
            seconds: number;
            flushed: number;
            dropped: number;
            admittedAt: number[];
            maxRefreshGap: number;
          }>((res, rej) => {
            const p = spawn(process.execPath, ['--input-type=module', '-e', child(env)], {
              cwd: root,
              env: { ...process.env, ...env },
              stdio: ['ignore', 'pipe', 'pipe'],
            });
            let out = '';
            let err = '';
            p.stdout.on('data', (d) => (out += d));
            p.stderr.on('data', (d) => (err += d));
            p.on('exit', (code) =>
              code === 0 ? res(JSON.parse(out.trim().split('\n').pop()!)) : rej(new Error(`child exited ${code}: ${err}`)),
            );
          }),
      ),
    );
    // Every allowed request was recorded: Redis holds the true total.
    const check = store();
    const now = Date.now();
    await check.prefetch([{ key, metric: 'requests', since: now - 60_000 }], now);
    const inRedis = check.sum(key, 'requests', now - 60_000, now);
    const total = outs[0]!.allowed + outs[1]!.allowed;
    // The documented bound: overshoot <= what the other process admits within any interval of
    // length S (<= rate * S), S = refreshMs + flushMs + 3 round trips (allowing 5 ms each), with
    // refreshMs the interval the refresh timer achieved (it can lag on a busy machine).
    const refresh = Math.max(refreshMs, ...outs.map((o) => o.maxRefreshGap));
    const S = refresh + flushMs + 3 * 5;
    const within = (ts: number[]) => {
      let most = 0;
      for (let i = 0, j = 0; i < ts.length; i++) {
        while (ts[i]! - ts[j]! > S) j++;
        most = Math.max(most, i - j + 1);
      }
      return most;
    };
    const bound = Math.max(...outs.map((o) => within(o.admittedAt)));
    const rate = Math.max(...outs.map((o) => o.decisions / o.seconds));
    console.log(
      `[redis] two processes, limit ${limit}/min, refreshMs ${refreshMs}, flushMs ${flushMs}: allowed ${outs.map((o) => o.allowed).join(' + ')} = ${total}, overshoot ${total - limit}, bound ${bound} (admitted by one process within S = ${S} ms; rate * S = ${Math.ceil((rate * S) / 1000)} at ${rate.toFixed(0)} decisions/s; refresh gaps up to ${refresh} ms)`,
    );
    expect(outs.every((o) => o.errors === 0 && o.dropped === 0)).toBe(true);
    expect(inRedis).toBe(total);
    expect(total).toBeGreaterThanOrEqual(limit);
    expect(total - limit).toBeLessThanOrEqual(bound);
    return { total, bound };
  }

  test('refreshMs 50: total allowed <= N + the documented overshoot', async () => {
    await run(50, 5, 300, 2);
  });

  test('refreshMs 250 (the default): total allowed <= N + the documented overshoot', async () => {
    await run(250, 20, 300, 2);
  });
});

describe('Redis outage', () => {
  let server: PrivateRedis;

  beforeAll(async () => {
    server = new PrivateRedis(await freePort());
    await server.start();
  });

  afterAll(async () => {
    if (!server.ping()) await server.start().catch(() => {});
    await server.stop();
  });

  test('the breaker opens, decisions go on with state.stale(), usage is buffered and flushed when Redis is back', async () => {
    const errors: string[] = [];
    const s = new RedisStateStore({
      url: server.url,
      prefix,
      refreshMs: 50,
      flushMs: 5,
      commandTimeoutMs: 300,
      breaker: { failures: 2, resetMs: 200 },
      onError: (e) => errors.push(e.message),
    });
    stores.push(s);
    const engine = new PolicyEngine({ state: s });
    // fail closed on stale state for the free tier, open for the others
    engine.addPolicy(
      policy(`    - { id: stale, when: "user.tier == 'free' && state.stale()", effect: deny, message: state unknown }
    - { id: rate, when: "rate.count('user:' + user.id, '1m') >= 1000", effect: deny }`),
    );
    const free = { user: { id: 'f', tier: 'free' } };
    const pro = { user: { id: 'p', tier: 'pro' } };
    for (let i = 0; i < 3; i++) await engine.record({ keys: ['user:p'] });
    await waitFor(() => s.stats().flushed === 3, 2000, 'first flush');
    expect(engine.evaluate(free).effect).toBe('allow');
    expect(s.stale()).toBe(false);

    const down = Date.now();
    await server.stop();
    // decide and record while Redis is gone: nothing throws
    let during = 0;
    const decisions: string[] = [];
    const until = Date.now() + 1500;
    while (Date.now() < until) {
      decisions.push(engine.evaluate(free).effect, engine.evaluate(pro).effect);
      await engine.record({ keys: ['user:p'] });
      during++;
      await sleep(10);
    }
    const opened = s.stats();
    expect(opened.breaker).not.toBe('closed');
    expect(s.stale()).toBe(true);
    expect(engine.evaluate(free)).toMatchObject({ effect: 'deny', reasons: ['state unknown'] });
    expect(engine.evaluate(pro).effect).toBe('allow');
    expect(opened.buffered).toBe(during);
    expect(opened.dropped).toBe(0);
    // the local view still counts this process's usage, buffered or not
    expect(s.sum('user:p', 'requests', Date.now() - 60_000, Date.now())).toBe(3 + during);
    expect(errors.length).toBeGreaterThan(0);

    const restart = Date.now();
    await server.start();
    const recovered = await waitFor(
      () => s.stats().breaker === 'closed' && s.stats().buffered === 0 && !s.stale(),
      5000,
      'the buffer to flush',
    );
    // Redis lost everything on the stop (no persistence): what it holds now is the buffer
    const check = new RedisStateStore({ url: server.url, prefix, refreshMs: 50 });
    stores.push(check);
    const now = Date.now();
    await check.prefetch([{ key: 'user:p', metric: 'requests', since: now - 60_000 }], now);
    expect(check.sum('user:p', 'requests', now - 60_000, now)).toBe(during);
    expect(s.stats()).toMatchObject({ breaker: 'closed', buffered: 0, dropped: 0, flushed: 3 + during });
    expect(engine.evaluate(free).effect).toBe('allow');
    // after the outage the view is re-read from Redis: 3 earlier requests were lost with the server's data
    await waitFor(() => s.sum('user:p', 'requests', Date.now() - 60_000, Date.now()) === during, 2000, 'resync');
    console.log(
      `[redis] outage: ${during} usage records buffered over ${restart - down} ms down; flushed ${recovered} ms after the restart; ${errors.length} failed calls, breaker ${opened.breaker} while down`,
    );
  });

  test('the buffer is bounded: records beyond maxBuffered are dropped and counted', async () => {
    const s = new RedisStateStore({
      url: server.url,
      prefix,
      refreshMs: 50,
      flushMs: 5,
      commandTimeoutMs: 300,
      maxBuffered: 10,
      breaker: { failures: 1, resetMs: 100 },
    });
    stores.push(s);
    await server.stop();
    for (let i = 0; i < 25; i++) s.record({ keys: ['bounded'], at: Date.now() });
    expect(s.stats()).toMatchObject({ buffered: 10, dropped: 15 });
    await server.start();
    await waitFor(() => s.stats().buffered === 0, 5000, 'flush');
    expect(s.stats()).toMatchObject({ flushed: 10, dropped: 15 });
  });
});
