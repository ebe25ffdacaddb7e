// HttpBundleSource: a policy set served over HTTP(S), polled with ETag / If-None-Match.
// Runtime-neutral: global fetch and timers only, so it runs in Node 18+, Deno, Bun,
// Cloudflare Workers and Vercel Edge. See docs/adapters/http.md.
//
// The body is either
//   - a bundle: JSON `{ "files": [{ "filename": "cost.yaml", "text": "..." }, ...] }`, or
//   - one policy text (YAML or JSON, several documents allowed), named after the URL's last
//     path segment.
// A JSON body with a `files` array is a bundle; anything else is a policy text. A signed bundle
// (policy/bundle.ts) is handed on whole, to be verified before anything of it loads.

import { isBundle, openSourceFiles, checkVerifyOptions, type BundleVerifyOptions } from '../../policy/bundle.js';
import type { PolicyFile, PolicySource } from '../../policy/source.js';

interface BodyReader {
  read(): Promise<{ done: boolean; value?: Uint8Array }>;
  cancel(reason?: unknown): Promise<void>;
}

interface FetchResponse {
  status: number;
  ok: boolean;
  statusText: string;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
  body?: { getReader(): BodyReader } | null;
}
type Fetch = (url: string, init: { headers: Record<string, string>; signal?: unknown }) => Promise<FetchResponse>;

declare const fetch: Fetch | undefined;
declare function setTimeout(fn: () => void, ms: number): unknown;
declare function clearTimeout(t: unknown): void;
declare const AbortController: (new () => { signal: unknown; abort(): void }) | undefined;

export interface HttpBundleSourceOptions {
  /** Polling period while watching, ms. Default 30,000. */
  intervalMs?: number;
  /** Headers sent with every request (e.g. `authorization`). */
  headers?: Record<string, string>;
  /** A request that has not answered in this long fails, ms. Default 10,000. */
  timeoutMs?: number;
  /** The fetch to use. Default: the global `fetch`. */
  fetch?: Fetch;
  /** The largest body accepted, bytes; a larger one fails the load (the last set stays). Default 4,000,000 (as `limits.maxPolicyBytes`). */
  maxBytes?: number;
  /** Serve signed bundles only, verified with this key before anything loads (docs/lifecycle.md#signed-bundles). */
  verify?: BundleVerifyOptions;
}

const DEFAULT_MAX_BYTES = 4_000_000;

export class HttpBundleSource implements PolicySource {
  readonly url: string;
  private readonly intervalMs: number;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly fetchFn: Fetch;
  private readonly maxBytes: number;
  private readonly verify: BundleVerifyOptions | undefined;
  /** The last set fetched, with its validator. */
  private etag: string | undefined;
  private body: string | undefined;
  private files: PolicyFile[] | undefined;
  /** A set the poll fetched and load() has not handed out yet. */
  private fresh: PolicyFile[] | undefined;
  /** Requests made, and how many were answered 304, for tests and stats. */
  requests = 0;
  notModified = 0;

  constructor(url: string, options: HttpBundleSourceOptions = {}) {
    this.url = url;
    this.intervalMs = options.intervalMs ?? 30_000;
    this.headers = { ...options.headers };
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    if (!(this.maxBytes > 0)) throw new Error(`HttpBundleSource: \`maxBytes\` must be a positive number, got ${String(options.maxBytes)}`);
    if (options.verify !== undefined) checkVerifyOptions(options.verify);
    this.verify = options.verify;
    const f = options.fetch ?? (typeof fetch === 'function' ? fetch : undefined);
    if (!f) throw new Error('HttpBundleSource: no global fetch in this runtime; pass `fetch`');
    this.fetchFn = f;
  }

  /** The set now: a conditional GET; 304 returns the set fetched before. Throws on any failure. */
  async load(): Promise<PolicyFile[]> {
    if (this.fresh) {
      const f = this.fresh;
      this.fresh = undefined;
      return f;
    }
    await this.fetchSet();
    return this.files!;
  }

  /** Polls every `intervalMs`; calls `onChange` when the set changed, and when fetching starts or stops failing. */
  watch(onChange: () => void): () => void {
    let stopped = false;
    let timer: unknown;
    let failing = false;
    const poll = async () => {
      if (stopped) return;
      try {
        const changed = await this.fetchSet();
        if (stopped) return;
        if (changed) this.fresh = this.files;
        if (changed || failing) onChange(); // a recovery clears the engine's reload error
        failing = false;
      } catch {
        if (!stopped && !failing) onChange(); // the engine's load() fails too, and reports why
        failing = true;
      }
      if (!stopped) schedule();
    };
    // unref where the runtime has it (Node): polling alone does not keep a process alive
    const schedule = () => {
      timer = setTimeout(() => void poll(), this.intervalMs);
      (timer as { unref?(): void }).unref?.();
    };
    schedule();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }

  /** One conditional GET. Returns whether the set changed; throws on failure (the last set stays). */
  private async fetchSet(): Promise<boolean> {
    const headers: Record<string, string> = {
      accept: 'application/json, application/yaml, text/yaml, text/plain;q=0.9, */*;q=0.5',
      ...this.headers,
    };
    if (this.etag && this.files) headers['if-none-match'] = this.etag;
    const ctl = typeof AbortController === 'function' ? new AbortController() : undefined;
    const t = ctl ? setTimeout(() => ctl.abort(), this.timeoutMs) : undefined;
    let res: FetchResponse;
    let text: string;
    this.requests++;
    try {
      res = await this.fetchFn(this.url, { headers, ...(ctl ? { signal: ctl.signal } : {}) });
      if (res.status === 304 && this.files) {
        this.notModified++;
        return false;
      }
      if (!res.ok) throw new Error(`GET ${this.url}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`);
      text = await this.read(res);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw new Error(msg.startsWith('GET ') ? msg : `GET ${this.url}: ${msg}`);
    } finally {
      if (t !== undefined) clearTimeout(t);
    }
    // verified before anything is kept, so a refused body leaves the last good set in place
    const files = this.verify ? await openSourceFiles([{ text, filename: this.name() }], this.verify) : this.parse(text);
    const etag = res.headers.get('etag') ?? undefined;
    const changed = this.body !== text;
    this.etag = etag;
    this.body = text;
    this.files = files;
    return changed;
  }

  /** The body as text, refused past `maxBytes` without reading the rest. */
  private async read(res: FetchResponse): Promise<string> {
    const tooLarge = () =>
      new Error(`GET ${this.url}: the response is larger than ${this.maxBytes} bytes (maxBytes); the last good policy set stays`);
    const declared = Number(res.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > this.maxBytes) {
      await res.body
        ?.getReader()
        .cancel()
        .catch(() => {});
      throw tooLarge();
    }
    const reader = res.body?.getReader?.();
    if (!reader) {
      const text = await res.text();
      // UTF-16 units understate UTF-8 bytes by at most 3x; count bytes only when it matters
      if (text.length > this.maxBytes || (text.length * 3 > this.maxBytes && new TextEncoder().encode(text).length > this.maxBytes))
        throw tooLarge();
      return text;
    }
    const decoder = new TextDecoder();
    let size = 0;
    let out = '';
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      if (!value) continue;
      size += value.length;
      if (size > this.maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      out += decoder.decode(value, { stream: true });
    }
    return out + decoder.decode();
  }

  private parse(text: string): PolicyFile[] {
    if (isBundle(text)) return [{ text, filename: this.name() }]; // engine.loadFrom checks it
    const trimmed = text.trimStart();
    if (trimmed.startsWith('{')) {
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined; // not JSON after all: let the policy parser report it
      }
      if (json && typeof json === 'object' && Array.isArray((json as { files?: unknown }).files)) {
        const files = (json as { files: unknown[] }).files;
        return files.map((f, i) => {
          const o = f as { filename?: unknown; text?: unknown };
          if (!o || typeof o !== 'object' || typeof o.text !== 'string' || (o.filename !== undefined && typeof o.filename !== 'string')) {
            throw new Error(`GET ${this.url}: bundle file ${i} must be { filename: string, text: string }`);
          }
          return { text: o.text, filename: (o.filename as string | undefined) ?? `${this.name()}#${i}` };
        });
      }
    }
    return [{ text, filename: this.name() }];
  }

  private name(): string {
    const path = this.url.replace(/[?#].*$/, '').replace(/\/+$/, '');
    return path.slice(path.lastIndexOf('/') + 1) || 'bundle';
  }
}
