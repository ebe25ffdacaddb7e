// The runtime-neutral sinks (stdout JSON lines, HTTP batches) and the OpenTelemetry sink.
import type { Meter, Tracer } from '@opentelemetry/api';
import { describe, expect, test } from 'vitest';
import { OtelAuditSink } from '../../src/adapters/audit/otel.js';
import { HttpAuditError, HttpAuditSink, MemoryAuditSink, StdoutAuditSink } from '../../src/entries/audit.js';
import type { AuditRecord } from '../../src/entries/index.js';
import { allowInput, denyInput, engineWith, warnInput } from './helpers.js';

async function recordsOf(run: (e: ReturnType<typeof engineWith>) => void | Promise<void>, options = {}): Promise<AuditRecord[]> {
  const sink = new MemoryAuditSink();
  const e = engineWith({ audit: { sink, ...options }, cache: { max: 10 } });
  await run(e);
  await e.close();
  return sink.records;
}

describe('StdoutAuditSink', () => {
  test('one JSON line per record, pino fields first', async () => {
    let out = '';
    const sink = new StdoutAuditSink({ write: (c) => (out += c) });
    const e = engineWith({ audit: sink, clock: () => 1_700_000_000_000 });
    e.evaluate(allowInput());
    e.evaluate(denyInput);
    await e.record({ keys: ['k'] });
    await e.close();
    const lines = out.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(3);
    expect(lines[0]!.startsWith('{"level":30,"time":1700000000000,"msg":"policy decision","v":1,')).toBe(true);
    expect(JSON.parse(lines[1]!)).toMatchObject({ level: 40, msg: 'policy decision', effect: 'deny' });
    expect(JSON.parse(lines[2]!)).toMatchObject({ level: 30, msg: 'policy usage', kind: 'usage' });
  });

  test('levels and messages are configurable; the default writes to process.stdout', () => {
    const s = new StdoutAuditSink({ levels: { deny: 50 }, msg: { decision: 'd' } });
    const rec: AuditRecord = {
      v: 1,
      kind: 'decision',
      id: 'i-1',
      seq: 1,
      time: 5,
      instance: 'i',
      revision: 'r',
      policies: [],
      effect: 'deny',
      matched: [],
      obligations: [],
      errors: [],
      durationUs: 1,
    };
    expect(JSON.parse(s.line(rec))).toMatchObject({ level: 50, time: 5, msg: 'd' });
    const written: string[] = [];
    const orig = process.stdout.write;
    process.stdout.write = ((c: string) => {
      written.push(c);
      return true;
    }) as typeof process.stdout.write;
    try {
      s.write([rec]);
    } finally {
      process.stdout.write = orig;
    }
    expect(written).toHaveLength(1);
  });
});

describe('HttpAuditSink', () => {
  type Call = { url: string; body: string; headers: Record<string, string> };
  const fakeFetch =
    (statuses: (number | Error)[], calls: Call[], retryAfter?: string) =>
    async (url: string, init: { headers: Record<string, string>; body: string }) => {
      calls.push({ url, body: init.body, headers: init.headers });
      const s = statuses.length > 1 ? statuses.shift()! : statuses[0]!;
      if (s instanceof Error) throw s;
      return { ok: s < 300, status: s, headers: { get: (n: string) => (n === 'retry-after' ? (retryAfter ?? null) : null) } };
    };

  test('posts batches of at most maxBatch records as JSON or NDJSON', async () => {
    const records = await recordsOf((e) => {
      for (let i = 0; i < 7; i++) e.evaluate(allowInput(i));
    });
    const calls: Call[] = [];
    const sink = new HttpAuditSink({
      url: 'https://collector/audit',
      maxBatch: 3,
      headers: { authorization: 'Bearer t' },
      fetch: fakeFetch([200], calls),
    });
    await sink.write(records);
    expect(calls.map((c) => (JSON.parse(c.body) as { records: unknown[] }).records.length)).toEqual([3, 3, 1]);
    expect(calls[0]!.headers).toEqual({ 'content-type': 'application/json', authorization: 'Bearer t' });
    const nd: Call[] = [];
    await new HttpAuditSink({ url: 'u', format: 'ndjson', fetch: fakeFetch([200], nd) }).write(records);
    expect(
      nd[0]!.body
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l).seq),
    ).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(nd[0]!.headers['content-type']).toBe('application/x-ndjson');
  });

  test('retries server errors, timeouts and network errors with exponential backoff and jitter', async () => {
    const calls: Call[] = [];
    const waits: number[] = [];
    const sink = new HttpAuditSink({
      url: 'u',
      fetch: fakeFetch([503, new Error('ECONNRESET'), 429, 200], calls),
      backoffMs: 100,
      random: () => 0.5,
      sleep: async (ms) => void waits.push(ms),
    });
    await sink.write(await recordsOf((e) => void e.evaluate(denyInput)));
    expect(calls).toHaveLength(4);
    expect(waits).toEqual([50, 100, 200]);
    expect(sink.requests).toBe(4);
  });

  test('honours Retry-After (capped), and gives up after `retries`', async () => {
    const waits: number[] = [];
    const calls: Call[] = [];
    const sink = new HttpAuditSink({
      url: 'u',
      retries: 2,
      maxBackoffMs: 5_000,
      fetch: fakeFetch([503], calls, '60'),
      sleep: async (ms) => void waits.push(ms),
    });
    await expect(sink.write(await recordsOf((e) => void e.evaluate(denyInput)))).rejects.toThrow(HttpAuditError);
    expect(calls).toHaveLength(3);
    expect(waits).toEqual([5_000, 5_000]);
  });

  test('a client error is not retried', async () => {
    const calls: Call[] = [];
    const sink = new HttpAuditSink({ url: 'u', fetch: fakeFetch([400], calls), sleep: async () => {} });
    const err = await sink.write(await recordsOf((e) => void e.evaluate(denyInput))).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(HttpAuditError);
    expect(err).toMatchObject({ status: 400, attempts: 1 });
    expect(calls).toHaveLength(1);
  });

  test('through the engine: a collector down counts failed records, and the queue stays bounded', async () => {
    const errors: unknown[] = [];
    const sink = new HttpAuditSink({ url: 'u', retries: 1, fetch: fakeFetch([500], []), sleep: async () => {} });
    const e = engineWith({ audit: { sink, queueSize: 50, batchSize: 10, onError: (x) => errors.push(x) } });
    for (let i = 0; i < 200; i++) e.evaluate(allowInput(i));
    await e.close();
    expect(e.stats().audit).toMatchObject({ queued: 0, written: 0, failed: 50, dropped: 150 });
    expect(errors).toHaveLength(5);
  });

  test('aborts a request that takes longer than timeoutMs', async () => {
    let aborted = false;
    const slow = (_u: string, init: { signal?: AbortSignal }) =>
      new Promise<never>((_, reject) =>
        init.signal!.addEventListener('abort', () => {
          aborted = true;
          reject(new Error('aborted'));
        }),
      );
    const sink = new HttpAuditSink({ url: 'u', retries: 0, timeoutMs: 10, fetch: slow as never });
    await expect(sink.write(await recordsOf((e) => void e.evaluate(denyInput)))).rejects.toThrow(/unreachable after 1 attempts: aborted/);
    expect(aborted).toBe(true);
  });
});

describe('OtelAuditSink', () => {
  function fakes() {
    const adds: Record<string, { value: number; attrs: unknown }[]> = {};
    const callbacks: Record<string, (o: { observe(v: number): void }) => void> = {};
    const spans: {
      name: string;
      options: { startTime?: unknown; attributes?: Record<string, unknown> };
      events: unknown[];
      status?: unknown;
      end?: unknown;
    }[] = [];
    const instrument = (name: string) => ({
      add: (value: number, attrs?: unknown) => (adds[name] ??= []).push({ value, attrs }),
      record: (value: number, attrs?: unknown) => (adds[name] ??= []).push({ value, attrs }),
      addCallback: (cb: (o: { observe(v: number): void }) => void) => (callbacks[name] = cb),
    });
    const meter = {
      createCounter: instrument,
      createHistogram: instrument,
      createObservableGauge: instrument,
      createObservableCounter: instrument,
    } as unknown as Meter;
    const tracer = {
      startSpan: (name: string, options: (typeof spans)[number]['options']) => {
        const s: (typeof spans)[number] = { name, options, events: [] };
        spans.push(s);
        return {
          addEvent: (...a: unknown[]) => s.events.push(a),
          setStatus: (st: unknown) => (s.status = st),
          end: (t?: unknown) => (s.end = t ?? 'now'),
        };
      },
    } as unknown as Tracer;
    return { adds, callbacks, spans, meter, tracer };
  }

  test('a span per decision with its times and attributes, and the metrics', async () => {
    const f = fakes();
    const otel = new OtelAuditSink({ tracer: f.tracer, meter: f.meter });
    const e = engineWith({ audit: { sink: otel, queueSize: 3 }, clock: () => 1_700_000_000_500, cache: { max: 5 } });
    otel.observe(e);
    e.evaluate(denyInput);
    e.evaluate(warnInput);
    e.evaluate({ request: { model: 'x', max_tokens: 1 } });
    e.evaluate(denyInput);
    e.evaluate(denyInput);
    await e.record({ keys: ['k'], tokens: 5, costUsd: 0.25 });
    await e.close();
    expect(f.spans).toHaveLength(2);
    const span = f.spans[0]!;
    expect(span.name).toBe('llm_policy.decision');
    expect(span.options.attributes).toMatchObject({
      'llm_policy.effect': 'deny',
      'llm_policy.matched': ['acme/gate/too-many-tokens', 'default/other/ok'],
      'llm_policy.input_digest': expect.stringMatching(/^sha256:/),
    });
    expect(span.end).toEqual([1_700_000_000, 500_000_000]);
    expect(f.adds['llm_policy.decisions']!.map((a) => a.attrs)).toEqual([{ effect: 'deny' }, { effect: 'deny' }]);
    expect(f.adds['llm_policy.rule.matches']!.length).toBe(4);
    expect(f.adds['llm_policy.decision.duration']).toHaveLength(2);
    // queue of 3: two decisions dropped, announced by the first record written
    expect(f.adds['llm_policy.audit.dropped']).toEqual([{ value: 3, attrs: undefined }]);
    expect(f.adds['llm_policy.usage.tokens']).toEqual([{ value: 5, attrs: undefined }]);
    const seen: number[] = [];
    f.callbacks['llm_policy.audit.queued']!({ observe: (v) => seen.push(v) });
    f.callbacks['llm_policy.audit.failed']!({ observe: (v) => seen.push(v) });
    expect(seen).toEqual([0, 0]);
  });

  test('events mode: one span per batch, an event per decision; sampled records weigh 1/rate; cache hits', async () => {
    const f = fakes();
    const otel = new OtelAuditSink({ tracer: f.tracer, meter: f.meter, mode: 'events', tenantAttribute: true });
    const e = engineWith({ audit: { sink: otel, sample: { allow: 0.5 }, random: () => 0 }, cache: { max: 5 } });
    otel.observe(e);
    e.evaluate(allowInput(1));
    e.evaluate(allowInput(1));
    e.evaluate({ request: { model: 'x', max_tokens: 1 } });
    await e.close();
    expect(f.spans).toHaveLength(1);
    expect(f.spans[0]!.events).toHaveLength(3);
    expect(f.adds['llm_policy.decisions']!.map((a) => a.value)).toEqual([2, 2, 1]);
    expect(f.adds['llm_policy.decisions']![0]!.attrs).toEqual({ effect: 'allow', tenant: 'acme' });
    expect(f.adds['llm_policy.cache.hits']).toEqual([{ value: 2, attrs: undefined }]);
    expect(f.adds['llm_policy.rule.errors']![0]!.attrs).toMatchObject({ policy: 'acme/gate' });
    const ratio: number[] = [];
    f.callbacks['llm_policy.cache.hit_ratio']!({ observe: (v) => ratio.push(v) });
    expect(ratio).toEqual([1 / 3]);
  });

  test('with the global (no-op) API and mode none', async () => {
    const otel = new OtelAuditSink({ mode: 'none' });
    const spans = new OtelAuditSink();
    const e = engineWith({
      audit: {
        sink: {
          write: (r) => {
            otel.write(r);
            return spans.write(r);
          },
        },
      },
    });
    otel.observe(e);
    e.evaluate(denyInput);
    await e.close();
    expect(e.stats().audit).toMatchObject({ written: 1, failed: 0 });
  });
});
