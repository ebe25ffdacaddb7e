// The audit hook of the engine: one record per decision and per record(), the bounded queue,
// sampling, redaction, and close() losing nothing.
import { createHash } from 'node:crypto';
import { describe, expect, test, vi } from 'vitest';
import { MemoryAuditSink, canonicalJson, redactedCopy } from '../../src/entries/audit.js';
import { PolicyEngine, PolicyError, type AuditRecord, type AuditSink, type DecisionAuditRecord } from '../../src/entries/index.js';
import { GatedSink, ObservedSink, SRC, allowInput, bundleScript, denyInput, engineWith, warnInput } from './helpers.js';

const sha = (s: string) => `sha256:${createHash('sha256').update(s).digest('hex')}`;
const decisions = (sink: MemoryAuditSink) => sink.records.filter((r): r is DecisionAuditRecord => r.kind === 'decision');

describe('records', () => {
  test('one record per decision, with the decision, the revision and the digest of the input', async () => {
    const sink = new MemoryAuditSink();
    let t = Date.UTC(2026, 0, 5);
    const e = engineWith({ audit: { sink, instance: 'i1' }, clock: () => t++ });
    const d1 = e.evaluate(denyInput);
    const d2 = e.evaluate(warnInput);
    e.evaluate(allowInput(1));
    await e.close();
    expect(sink.records).toHaveLength(3);
    const [r1, r2, r3] = decisions(sink);
    expect(r1).toMatchObject({
      v: 1,
      kind: 'decision',
      id: 'i1-1',
      seq: 1,
      instance: 'i1',
      tenant: 'acme',
      revision: e.revision,
      policies: ['acme/gate@1.2.0', 'default/other'],
      effect: 'deny',
      matched: [
        { policy: 'gate', namespace: 'acme', version: '1.2.0', rule: 'too-many-tokens', effect: 'deny' },
        { policy: 'other', namespace: 'default', version: expect.stringMatching(/^#[0-9a-f]{8}$/), rule: 'ok', effect: 'allow' },
      ],
      obligations: [],
      errors: [],
      inputDigest: sha(canonicalJson(denyInput)),
    });
    expect(r1!.time).toBe(Date.UTC(2026, 0, 5));
    expect(r1!.durationUs).toBeGreaterThan(0);
    expect(r1).not.toHaveProperty('input');
    expect(r1).not.toHaveProperty('reasons');
    expect(r1!.matched).toEqual(d1.matched.map(({ message: _m, ...m }) => m));
    expect(r2).toMatchObject({ seq: 2, effect: 'warn', obligations: d2.obligations });
    expect(r2).not.toHaveProperty('tenant');
    expect(r3).toMatchObject({ seq: 3, effect: 'allow' });
    // canonical: key order does not change the digest
    const swapped = { context: { tenant: 'acme' }, user: denyInput.user, request: { temperature: 0.5, max_tokens: 5000, model: 'small' } };
    expect(sha(canonicalJson(swapped))).toBe(r1!.inputDigest);
  });

  test('errors are recorded with their handling', async () => {
    const sink = new MemoryAuditSink();
    const e = engineWith({ audit: sink });
    e.evaluate({ request: { model: 'small', max_tokens: 1 }, user: {} });
    await e.close();
    expect(decisions(sink)[0]).toMatchObject({
      effect: 'deny',
      errors: [{ policy: 'acme/gate', rule: 'broken', code: expect.any(String), handling: 'deny' }],
    });
  });

  test('one record per record() of usage', async () => {
    const sink = new MemoryAuditSink();
    const e = engineWith({ audit: { sink, tenant: 't9' }, clock: () => 1_000 });
    await e.record({ keys: ['user:u1'], tokens: 120, costUsd: 0.01 });
    await e.record({ keys: ['team:t'], at: 500 });
    await e.close();
    expect(sink.records).toEqual([
      expect.objectContaining({
        kind: 'usage',
        seq: 1,
        time: 1_000,
        tenant: 't9',
        revision: e.revision,
        usage: { keys: ['user:u1'], tokens: 120, costUsd: 0.01, at: 1_000 },
      }),
      expect.objectContaining({ kind: 'usage', seq: 2, time: 500, usage: { keys: ['team:t'], at: 500 } }),
    ]);
  });

  test('cached decisions are marked', async () => {
    const sink = new MemoryAuditSink();
    const e = new PolicyEngine({ audit: sink, cache: { max: 10 } });
    e.addPolicy(
      'apiVersion: llmpolicy/v1\nkind: Policy\nmetadata: { name: p }\nspec:\n  rules:\n    - { id: r, when: request.n > 2, effect: deny }',
    );
    e.evaluate({ request: { n: 3 } });
    e.evaluate({ request: { n: 3 } });
    await e.close();
    expect(sink.records.map((r) => (r as DecisionAuditRecord).cached)).toEqual([undefined, true]);
  });

  test('a tenant function, and an explain decision recorded like any other', async () => {
    const sink = new MemoryAuditSink();
    const e = engineWith({ audit: { sink, tenant: (i) => (i as { user?: { email?: string } }).user?.email } });
    e.evaluate(warnInput, { explain: true });
    await e.close();
    expect(sink.records[0]).toMatchObject({ tenant: 'bob@example.com', effect: 'warn' });
    expect(sink.records[0]).not.toHaveProperty('trace');
  });

  test('evaluateAsync records one decision; the key discovery rounds record none', async () => {
    const sink = new MemoryAuditSink();
    const e = new PolicyEngine({ audit: sink });
    e.addPolicy(
      "apiVersion: llmpolicy/v1\nkind: Policy\nmetadata: { name: p }\nspec:\n  rules:\n    - { id: r, when: \"rate.count('u:' + user.id, '1m') > 2\", effect: deny }",
    );
    await e.evaluateAsync({ user: { id: 'a' } });
    await e.close();
    expect(sink.records).toHaveLength(1);
  });
});

describe('input', () => {
  const input = {
    request: {
      model: 'm',
      max_tokens: 5000,
      temperature: 0.1,
      messages: [
        { role: 'user', content: 'call me at 555-1234' },
        { role: 'system', content: 'be nice' },
      ],
    },
    user: { email: 'ann@example.com', id: 7n },
    at: new Date(Date.UTC(2026, 0, 5)),
    secret: 'x',
  };

  test('is left out by default, copied with masked paths and a redact function with includeInput', async () => {
    const sink = new MemoryAuditSink();
    const e = engineWith({
      audit: {
        sink,
        includeInput: {
          redactPaths: ['user.email', 'secret', 'request.messages.*.role'],
          redact: (s) => s.replace(/\d{3}-\d{4}/g, '[PHONE]').replace(/\S+@\S+/g, '[EMAIL]'),
        },
      },
    });
    e.evaluate(input);
    await e.close();
    const r = decisions(sink)[0]!;
    expect(r.input).toEqual({
      request: {
        model: 'm',
        max_tokens: 5000,
        temperature: 0.1,
        messages: [
          { role: '[REDACTED]', content: 'call me at [PHONE]' },
          { role: '[REDACTED]', content: 'be nice' },
        ],
      },
      user: { email: '[REDACTED]', id: '7' },
      at: '2026-01-05T00:00:00.000Z',
      secret: '[REDACTED]',
    });
    // the rule message quotes the email: the reasons go through redact too
    expect(r.reasons).toEqual(['[EMAIL] asked for 5000 tokens']);
    expect(JSON.stringify(r)).not.toContain('ann@example.com');
  });

  test('includeInput: true copies the input as is', async () => {
    const sink = new MemoryAuditSink();
    const e = engineWith({ audit: { sink, includeInput: true } });
    e.evaluate(denyInput);
    await e.close();
    expect(decisions(sink)[0]!.input).toEqual(denyInput);
  });

  test('without snapshot the input is read at flush time; with it, at decision time', async () => {
    for (const snapshot of [false, true]) {
      const sink = new MemoryAuditSink();
      const e = engineWith({ audit: { sink, snapshot, includeInput: true } });
      const i = structuredClone(denyInput);
      e.evaluate(i);
      const digestBefore = sha(canonicalJson(i));
      i.request.model = 'changed';
      await e.close();
      const r = decisions(sink)[0]!;
      expect(r.inputDigest === digestBefore).toBe(snapshot);
      expect((r.input as typeof i).request.model).toBe(snapshot ? 'small' : 'changed');
    }
  });

  test('canonicalJson is total: cycles, getters that throw, odd values', () => {
    const o: Record<string, unknown> = { b: 1, a: [undefined, () => 1, NaN, 2n, new Uint8Array([104, 105])], u: undefined };
    o.self = o;
    Object.defineProperty(o, 'bad', {
      enumerable: true,
      get: () => {
        throw new Error('no');
      },
    });
    expect(canonicalJson(o)).toBe('{"a":[null,null,null,2,"aGk="],"b":1,"bad":"[Error]","self":"[Circular]"}');
    expect(canonicalJson(undefined)).toBe('null');
    let deep: unknown = 1;
    for (let i = 0; i < 200; i++) deep = [deep];
    expect(canonicalJson(deep)).toContain('"[Depth]"');
    const p = JSON.parse('{"__proto__": {"polluted": true}}');
    const c = redactedCopy(p) as Record<string, unknown>;
    expect(Object.keys(c)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('a redact function that throws masks the string', async () => {
    const sink = new MemoryAuditSink();
    const e = engineWith({
      audit: {
        sink,
        includeInput: {
          redact: () => {
            throw new Error('x');
          },
        },
      },
    });
    e.evaluate(warnInput);
    await e.close();
    expect((decisions(sink)[0]!.input as typeof warnInput).request.model).toBe('[REDACTED]');
  });

  test('a digest that throws or rejects leaves the digest out, and nothing else', async () => {
    const a = new MemoryAuditSink();
    const b = new MemoryAuditSink();
    const e1 = engineWith({
      audit: {
        sink: a,
        digest: () => {
          throw new Error('x');
        },
      },
    });
    const e2 = engineWith({ audit: { sink: b, digest: () => Promise.reject(new Error('x')) } });
    e1.evaluate(denyInput);
    e2.evaluate(denyInput);
    await Promise.all([e1.close(), e2.close()]);
    for (const s of [a, b]) {
      expect(s.records).toHaveLength(1);
      expect(s.records[0]).not.toHaveProperty('inputDigest');
      expect(s.records[0]).toMatchObject({ effect: 'deny' });
    }
  });

  test('an async digest keeps the order', async () => {
    const sink = new MemoryAuditSink();
    const e = engineWith({ audit: { sink, batchSize: 3, digest: async (json) => `len:${json.length}` } });
    for (let i = 0; i < 10; i++) e.evaluate(allowInput(i));
    await e.close();
    expect(sink.records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect((sink.records[0] as DecisionAuditRecord).inputDigest).toMatch(/^len:\d+$/);
  });

  test('digest: false leaves it out; a custom digest (e.g. an HMAC) replaces it', async () => {
    const a = new MemoryAuditSink();
    const b = new MemoryAuditSink();
    const e1 = engineWith({ audit: { sink: a, digest: false } });
    const e2 = engineWith({ audit: { sink: b, digest: (json) => `hmac:${json.length}` } });
    e1.evaluate(denyInput);
    e2.evaluate(denyInput);
    await Promise.all([e1.close(), e2.close()]);
    expect(a.records[0]).not.toHaveProperty('inputDigest');
    expect(b.records[0]).toMatchObject({ inputDigest: `hmac:${canonicalJson(denyInput).length}` });
  });
});

describe('sampling and filtering', () => {
  test('by effect, with the rate in the record', async () => {
    const sink = new MemoryAuditSink();
    let n = 0;
    const e = engineWith({ audit: { sink, sample: { allow: 0.25, warn: 1, deny: 1 }, random: () => (n++ % 4) / 4 } });
    for (let i = 0; i < 100; i++) e.evaluate(allowInput(i));
    for (let i = 0; i < 10; i++) e.evaluate(denyInput);
    await e.close();
    const allows = decisions(sink).filter((r) => r.effect === 'allow');
    expect(allows).toHaveLength(25);
    expect(allows.every((r) => r.sampled === 0.25)).toBe(true);
    const denies = decisions(sink).filter((r) => r.effect === 'deny');
    expect(denies).toHaveLength(10);
    expect(denies.every((r) => !('sampled' in r))).toBe(true);
    expect(e.stats().audit).toMatchObject({ written: 35, sampledOut: 75 });
    // seq counts recorded decisions: gaps mean loss, not sampling
    expect(sink.records.map((r) => r.seq)).toEqual(Array.from({ length: 35 }, (_, i) => i + 1));
  });

  test('a filter decides on the hot path; one that throws keeps the record', async () => {
    const sink = new MemoryAuditSink();
    const e = engineWith({
      audit: {
        sink,
        filter: (d, input) => {
          if ((input as { boom?: boolean }).boom) throw new Error('x');
          return d.effect !== 'allow';
        },
      },
    });
    e.evaluate(allowInput());
    e.evaluate(denyInput);
    e.evaluate({ ...allowInput(), boom: true });
    await e.close();
    expect(sink.records.map((r) => (r as DecisionAuditRecord).effect)).toEqual(['deny', 'allow']);
    expect(e.stats().audit.filteredOut).toBe(1);
  });
});

describe('queue', () => {
  test('full: drop-oldest counts the drops, in stats and in the next record', async () => {
    const sink = new MemoryAuditSink();
    const e = engineWith({ audit: { sink, queueSize: 10, batchSize: 100, flushIntervalMs: 60_000 } });
    for (let i = 0; i < 25; i++) e.evaluate(allowInput(i));
    expect(e.stats().audit).toMatchObject({ enabled: true, queued: 10, dropped: 15, written: 0 });
    await e.close();
    expect(sink.records).toHaveLength(10);
    expect(sink.records[0]!.dropped).toBe(15);
    expect(sink.records.slice(1).every((r) => r.dropped === undefined)).toBe(true);
    // the newest ten survive, in order
    expect(decisions(sink).map((r) => r.inputDigest)).toEqual(Array.from({ length: 10 }, (_, k) => sha(canonicalJson(allowInput(15 + k)))));
    expect(e.stats().audit).toMatchObject({ queued: 0, written: 10, dropped: 15 });
  });

  test('full: spill moves the oldest entries to the fallback sink', async () => {
    const sink = new MemoryAuditSink();
    const spill = new MemoryAuditSink();
    const e = engineWith({ audit: { sink, queueSize: 10, batchSize: 100, flushIntervalMs: 60_000, overflow: { spill } } });
    for (let i = 0; i < 25; i++) e.evaluate(allowInput(i));
    // ten in the queue, ten more (the oldest) waiting for the spill sink, five beyond both dropped
    expect(e.stats().audit).toMatchObject({ queued: 20, dropped: 5 });
    await e.close();
    expect(sink.records).toHaveLength(10);
    expect(spill.records).toHaveLength(10);
    expect(e.stats().audit).toMatchObject({ written: 10, spilled: 10, dropped: 5 });
    expect(spill.closed).toBe(true);
  });

  test('a failing sink: the batch counts as failed (or spills), onError hears of it, the flusher goes on', async () => {
    let fail = true;
    const seen: unknown[] = [];
    const good = new MemoryAuditSink();
    const flaky: AuditSink = { write: (r) => (fail ? Promise.reject(new Error('down')) : good.write(r)) };
    const e = engineWith({ audit: { sink: flaky, onError: (err, recs) => seen.push([(err as Error).message, recs.length]) } });
    e.evaluate(denyInput);
    e.evaluate(denyInput);
    await e.flushAudit();
    fail = false;
    e.evaluate(denyInput);
    await e.close();
    expect(seen).toEqual([['down', 2]]);
    expect(e.stats().audit).toMatchObject({ failed: 2, written: 1 });
    expect(good.records.map((r) => r.seq)).toEqual([3]);

    const spill = new MemoryAuditSink();
    const e2 = engineWith({
      audit: {
        sink: {
          write: () => {
            throw new Error('down');
          },
        },
        overflow: { spill },
        onError: () => {},
      },
    });
    e2.evaluate(denyInput);
    await e2.close();
    expect(spill.records).toHaveLength(1);
    expect(e2.stats().audit).toMatchObject({ failed: 0, spilled: 1 });
  });

  test('flushes by batch size without waiting for the interval', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] }); // the interval cannot elapse
    try {
      const sink = new ObservedSink();
      const e = engineWith({ audit: { sink, batchSize: 5, flushIntervalMs: 60_000 } });
      for (let i = 0; i < 12; i++) e.evaluate(allowInput(i));
      // full batches are flushed right after the current task: with the clock frozen, no
      // interval can have elapsed, so only the batch size can have started this flush
      await sink.reached(10);
      expect(sink.batches).toBeGreaterThanOrEqual(2);
      await e.close();
      expect(sink.records).toHaveLength(12);
    } finally {
      vi.useRealTimers();
    }
  });

  test('flushes by interval', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      const sink = new ObservedSink();
      const e = engineWith({ audit: { sink, batchSize: 1000, flushIntervalMs: 20 } });
      e.evaluate(allowInput());
      await vi.advanceTimersByTimeAsync(19);
      expect(sink.records).toHaveLength(0); // not due yet
      await vi.advanceTimersByTimeAsync(1);
      await sink.reached(1);
      e.evaluate(allowInput());
      await vi.advanceTimersByTimeAsync(19);
      expect(sink.records).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      await sink.reached(2);
      expect(sink.batches).toBe(2);
      await e.close();
    } finally {
      vi.useRealTimers();
    }
  });

  test('close writes everything, closes the sink, and later decisions count as dropped', async () => {
    const sink = new MemoryAuditSink();
    const e = engineWith({ audit: { sink, queueSize: 100_000, batchSize: 7 } });
    for (let i = 0; i < 1000; i++) e.evaluate(allowInput(i));
    await e.close();
    expect(sink.records).toHaveLength(1000);
    expect(sink.records.map((r) => r.seq)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(sink.closed).toBe(true);
    expect(e.evaluate(denyInput).effect).toBe('deny');
    expect(e.stats().audit).toMatchObject({ dropped: 1, queued: 0 });
    await e.close(); // idempotent
  });

  test('records queued while a slow write is in flight are written in order', async () => {
    const sink = new GatedSink();
    const e = engineWith({ audit: { sink, batchSize: 10 } });
    for (let round = 0; round < 10; round++) {
      for (let i = 0; i < 15; i++) e.evaluate(allowInput(i));
      const release = await sink.nextWrite(); // a write is in flight, held at the gate ...
      for (let i = 0; i < 3; i++) e.evaluate(allowInput(i)); // ... while more decisions queue up
      release();
    }
    sink.openGate();
    await e.close();
    expect(sink.seqs).toEqual(Array.from({ length: 180 }, (_, i) => i + 1));
  });
});

describe('engine', () => {
  test('without audit, stats say so and nothing is scheduled', () => {
    const e = engineWith({});
    e.evaluate(allowInput());
    expect(e.stats().audit).toEqual({
      enabled: false,
      queued: 0,
      written: 0,
      dropped: 0,
      failed: 0,
      spilled: 0,
      sampledOut: 0,
      filteredOut: 0,
    });
  });

  test('bad audit options are rejected with every problem', () => {
    const bad = () =>
      new PolicyEngine({ audit: { sink: {} as AuditSink, queueSize: 0, sample: { allow: 2, maybe: 1 } as never, nope: 1 } as never });
    expect(bad).toThrow(PolicyError);
    try {
      bad();
    } catch (e) {
      expect((e as PolicyError).issues.map((i) => i.message)).toEqual([
        'unknown audit option `nope`',
        '`audit.sink` must be an object with a `write(records)` method',
        '`audit.queueSize` must be an integer of at least 1',
        '`audit.sample.allow` must be a number from 0 to 1',
        'unknown sampling key `audit.sample.maybe` (allow, warn, deny, usage)',
      ]);
    }
  });

  test('a hot path that cannot record never throws: a clock that throws on the audit path', () => {
    const sink = new MemoryAuditSink();
    let calls = 0;
    const e = engineWith({
      audit: sink,
      clock: () => {
        if (++calls > 0) throw new Error('clock');
        return 0;
      },
    });
    expect(e.evaluate(allowInput()).effect).toBe('allow');
    expect(e.stats().audit.dropped).toBe(1);
  });

  test('the pending timer does not keep the process alive', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'audit-exit-'));
    const main = await bundleScript(
      dir,
      'main',
      `
      import { PolicyEngine } from ${JSON.stringify(`${SRC}entries/index.ts`)};
      import { MemoryAuditSink } from ${JSON.stringify(`${SRC}entries/audit.ts`)};
      const sink = new MemoryAuditSink();
      const e = new PolicyEngine({ audit: { sink, flushIntervalMs: 60_000 } });
      e.evaluate({});
      const t0 = Date.now();
      process.on('exit', () => console.log(JSON.stringify({ ms: Date.now() - t0, written: sink.records.length })));
    `,
    );
    const out = JSON.parse(execFileSync(process.execPath, [main], { encoding: 'utf8', timeout: 20_000 }));
    const { rmSync } = await import('node:fs');
    rmSync(dir, { recursive: true, force: true });
    expect(out.ms).toBeLessThan(5_000);
    expect(out.written).toBe(0); // without close() or the exit hook, queued records are lost at exit
  });
});

test('records are plain data (JSON round trip)', async () => {
  const sink = new MemoryAuditSink();
  const e = engineWith({ audit: { sink, includeInput: true } });
  e.evaluate(denyInput);
  await e.record({ keys: ['k'] });
  await e.close();
  expect(JSON.parse(JSON.stringify(sink.records)) as AuditRecord[]).toEqual(sink.records);
});
