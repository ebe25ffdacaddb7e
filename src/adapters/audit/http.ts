// HttpAuditSink: POSTs batches of records to a collector, retrying with exponential backoff
// and jitter. Runtime-neutral (global fetch, or the one given). Bounded: it holds only the batch
// being sent, and the engine's queue (queueSize, drop-oldest) bounds what waits behind it while
// a collector is down; a batch still failing after `retries` attempts counts as failed (or goes
// to the spill sink) and the flusher moves on.

import type { AuditRecord, AuditSink } from '../../audit/index.js';
import { installJsAuditHash } from './digest.js';

type Fetch = (
  url: string,
  init: { method: string; headers: Record<string, string>; body: string; signal?: AbortSignal },
) => Promise<{ ok: boolean; status: number; headers?: { get(name: string): string | null } }>;

export interface HttpAuditSinkOptions {
  url: string;
  headers?: Record<string, string>;
  /** `json`: `{"records":[...]}` (default); `ndjson`: one record per line. */
  format?: 'json' | 'ndjson';
  /** Records per request. Default 500. */
  maxBatch?: number;
  /** Attempts after the first. Default 5. */
  retries?: number;
  /** First backoff, ms; doubles per attempt, with full jitter. Default 200. */
  backoffMs?: number;
  /** Longest backoff (and longest Retry-After honoured), ms. Default 10,000. */
  maxBackoffMs?: number;
  /** Per request, ms. Default 10,000. */
  timeoutMs?: number;
  fetch?: Fetch;
  /** For tests: the wait between attempts and the jitter source. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

export class HttpAuditError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly attempts: number,
  ) {
    super(message);
    this.name = 'HttpAuditError';
  }
}

export class HttpAuditSink implements AuditSink {
  private readonly o: Required<Omit<HttpAuditSinkOptions, 'headers' | 'fetch'>> & { headers: Record<string, string>; fetch: Fetch };
  /** Requests sent, including retries. */
  requests = 0;

  constructor(options: HttpAuditSinkOptions) {
    installJsAuditHash();
    const f = options.fetch ?? (globalThis as { fetch?: Fetch }).fetch;
    if (!f) throw new Error('HttpAuditSink: no fetch in this runtime; pass `fetch`');
    this.o = {
      url: options.url,
      headers: options.headers ?? {},
      format: options.format ?? 'json',
      maxBatch: options.maxBatch ?? 500,
      retries: options.retries ?? 5,
      backoffMs: options.backoffMs ?? 200,
      maxBackoffMs: options.maxBackoffMs ?? 10_000,
      timeoutMs: options.timeoutMs ?? 10_000,
      fetch: f,
      sleep: options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
      random: options.random ?? Math.random,
    };
  }

  async write(records: readonly AuditRecord[]): Promise<void> {
    for (let i = 0; i < records.length; i += this.o.maxBatch) await this.post(records.slice(i, i + this.o.maxBatch));
  }

  private async post(batch: readonly AuditRecord[]): Promise<void> {
    const o = this.o;
    const ndjson = o.format === 'ndjson';
    const body = ndjson ? `${batch.map((r) => JSON.stringify(r)).join('\n')}\n` : JSON.stringify({ records: batch });
    const headers = { 'content-type': ndjson ? 'application/x-ndjson' : 'application/json', ...o.headers };
    for (let attempt = 0; ; attempt++) {
      let status: number | undefined;
      let retryAfterMs: number | undefined;
      let reason: string;
      const ctrl = typeof AbortController === 'function' ? new AbortController() : undefined;
      const timer = ctrl ? setTimeout(() => ctrl.abort(), o.timeoutMs) : undefined;
      try {
        this.requests++;
        const res = await o.fetch(o.url, { method: 'POST', headers, body, ...(ctrl ? { signal: ctrl.signal } : {}) });
        if (res.ok) return;
        status = res.status;
        reason = `HTTP ${status}`;
        const ra = res.headers?.get('retry-after');
        if (ra && /^\d+$/.test(ra.trim())) retryAfterMs = Number(ra.trim()) * 1000;
        // a client error other than timeout / too many requests will not change on retry
        if (status < 500 && status !== 408 && status !== 429)
          throw new HttpAuditError(`audit collector refused the batch: ${reason}`, status, attempt + 1);
      } catch (e) {
        if (e instanceof HttpAuditError) throw e;
        reason = e instanceof Error ? e.message : String(e);
      } finally {
        if (timer !== undefined) clearTimeout(timer);
      }
      if (attempt >= o.retries)
        throw new HttpAuditError(`audit collector unreachable after ${attempt + 1} attempts: ${reason}`, status, attempt + 1);
      const backoff = Math.min(o.maxBackoffMs, o.backoffMs * 2 ** attempt) * o.random();
      await o.sleep(retryAfterMs !== undefined ? Math.min(o.maxBackoffMs, retryAfterMs) : backoff);
    }
  }
}
