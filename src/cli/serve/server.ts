// The decision server of `llm-policy serve`: node:http over one PolicyEngine. The routes are
// few and fixed, so a switch on the path is the whole router; bodies are read with a byte
// limit, parsed once, decided synchronously and answered in the same tick. Over keep-alive
// HTTP almost all of a decision's cost is Node's HTTP stack (docs/performance.md), so the
// server's own per-request work is kept to a few property writes: no timer, no promise, no
// extra listener per request; the deadline is Node's request timeout, swept by one interval.
// docs/serve.md describes the API; why node:http and not a framework is argued there too.
/// <reference types="node" />

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Decision, EvaluateOptions, PolicyEngine } from '../../entries/index.js';
import { jsonValue } from '../io.js';
import { CONTENT_TYPE, Registry, type Series } from './metrics.js';

export interface ServerOptions {
  engine: PolicyEngine;
  /** Largest request body, bytes. */
  maxBody: number;
  /** Most inputs in one batch. */
  maxBatch: number;
  /** Deadline for receiving a whole request (headers and body), ms. */
  timeoutMs: number;
  /** How long an idle keep-alive connection is kept open, ms. */
  keepAliveMs?: number;
  /**
   * Turns this process's exposition into the one `/metrics` answers: under `--workers`, every
   * worker's added up (cluster.ts). Default: this process's.
   */
  combineMetrics?: (local: string) => Promise<string>;
}

export interface ErrorBody {
  error: { code: string; message: string; hint?: string };
}

/** Readiness: whether a policy set is loaded, and why not. */
export interface Readiness {
  loaded: boolean;
  /** The last load or reload error (the engine keeps the last good set). */
  reloadError: string | undefined;
  draining: boolean;
}

export type Endpoint = 'decide' | 'batch' | 'healthz' | 'readyz' | 'metrics' | 'other';

const ROUTES = 'POST /v1/decide, POST /v1/decide/batch, GET /healthz, GET /readyz, GET /metrics';
const JSON_TYPE = 'application/json';
/** Upper bounds of the request duration histogram, seconds: 50 µs to 1 s. */
const LATENCY_BUCKETS = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];
const EFFECTS = ['allow', 'warn', 'deny'] as const;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export class DecisionServer {
  readonly server: Server;
  readonly metrics = new Registry();
  readonly readiness: Readiness = { loaded: false, reloadError: undefined, draining: false };
  private readonly engine: PolicyEngine;
  private readonly o: Required<Omit<ServerOptions, 'combineMetrics'>>;
  private readonly combineMetrics: ((local: string) => Promise<string>) | undefined;
  private readonly decided: Record<(typeof EFFECTS)[number], { value: number }>;
  private readonly requests = new Map<string, { value: number }>();
  private readonly requestSeries: Series;
  /** The cell of the answer almost every request gets, without building its key. */
  private readonly decideOk: { value: number };
  private readonly observe: { decide: (s: number) => void; batch: (s: number) => void };
  private readonly reloads: Series;

  constructor(options: ServerOptions) {
    this.engine = options.engine;
    const { combineMetrics, ...rest } = options;
    this.o = { keepAliveMs: 60_000, ...rest };
    this.combineMetrics = combineMetrics;
    const m = this.metrics;
    const decisions = m.counter('llm_policy_decisions_total', 'Decisions made, by effect.');
    this.decided = {
      allow: decisions.cell({ effect: 'allow' }),
      warn: decisions.cell({ effect: 'warn' }),
      deny: decisions.cell({ effect: 'deny' }),
    };
    this.requestSeries = m.counter('llm_policy_http_requests_total', 'HTTP requests answered, by endpoint and status code.');
    this.decideOk = this.cell('decide', 200);
    const latency = m.histogram(
      'llm_policy_http_request_duration_seconds',
      'Time from a decide request arriving to its answer being written, by endpoint (body read, parse, decide, serialise).',
      LATENCY_BUCKETS,
    );
    this.observe = { decide: latency.observer({ endpoint: 'decide' }), batch: latency.observer({ endpoint: 'batch' }) };
    this.reloads = m.counter(
      'llm_policy_reloads_total',
      'Policy set loads from the source after the first, by result (a failed one keeps the last good set).',
    );
    this.reloads.cell({ result: 'ok' });
    this.reloads.cell({ result: 'error' });
    const gauges = {
      ready: m.gauge('llm_policy_ready', '1 when a policy set is loaded and the server is not shutting down.'),
      reloadError: m.gauge('llm_policy_reload_error', '1 while the last reload failed (decisions use the last good set).'),
      revision: m.gauge('llm_policy_revision_info', 'The policy revision deciding now (always 1; the revision is the label).'),
      policies: m.gauge('llm_policy_policies', 'Policies in the revision deciding now.'),
      cacheHits: m.counter('llm_policy_cache_hits_total', 'Decisions answered from the decision cache (--cache).'),
      cacheMisses: m.counter('llm_policy_cache_misses_total', 'Decision cache lookups that missed.'),
      cacheEntries: m.gauge('llm_policy_cache_entries', 'Decisions held in the decision cache.'),
      auditQueued: m.gauge('llm_policy_audit_queue_length', 'Audit records waiting to be written, including the batch being written.'),
      audit: m.counter(
        'llm_policy_audit_records_total',
        'Audit records by outcome: written, dropped (queue full), failed, spilled, sampled_out, filtered_out.',
      ),
    };
    m.collect(() => {
      const s = this.engine.stats();
      const r = this.readiness;
      gauges.ready.cell().value = r.loaded && !r.draining ? 1 : 0;
      gauges.reloadError.cell().value = r.reloadError !== undefined && r.loaded ? 1 : 0;
      gauges.revision.clear();
      gauges.revision.cell({ revision: s.revision }).value = 1;
      gauges.policies.cell().value = r.loaded ? this.engine.policies().length : 0;
      gauges.cacheHits.cell().value = s.cache.hits;
      gauges.cacheMisses.cell().value = s.cache.misses;
      gauges.cacheEntries.cell().value = s.cache.size;
      gauges.auditQueued.cell().value = s.audit.queued;
      const a = s.audit;
      for (const [outcome, n] of [
        ['written', a.written],
        ['dropped', a.dropped],
        ['failed', a.failed],
        ['spilled', a.spilled],
        ['sampled_out', a.sampledOut],
        ['filtered_out', a.filteredOut],
      ] as const)
        gauges.audit.cell({ outcome }).value = n;
    });

    this.server = createServer(
      {
        keepAliveTimeout: this.o.keepAliveMs,
        // The deadline for a whole request, headers and body: Node's HTTP parser records when
        // each request began and one interval sweeps the connections with a request in
        // progress, so no request pays for a timer of its own. A request past it reaches
        // `clientError` below, which answers the JSON 408.
        requestTimeout: this.o.timeoutMs,
        headersTimeout: this.o.timeoutMs,
        connectionsCheckingInterval: Math.max(50, Math.min(1000, this.o.timeoutMs / 4)),
      },
      (req, res) => this.handle(req, res),
    );
    // an idle keep-alive connection closed by the client mid-request is not an error worth a crash
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      if (err.code === 'ECONNRESET' || !socket.writable) return void socket.destroy();
      // an answer already on its way on this connection cannot be followed by an error
      const current = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
      if (current?.headersSent) return void socket.destroy();
      const endpoint = (socket as Socket & { [ENDPOINT]?: Endpoint })[ENDPOINT] ?? 'other';
      if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
        this.count(endpoint, 408);
        const body = JSON.stringify(
          errorBody(
            'request_timeout',
            `the request did not arrive within ${this.o.timeoutMs} ms`,
            'send the whole request at once, or raise `--timeout`',
          ),
        );
        return void socket.end(
          `HTTP/1.1 408 Request Timeout\r\ncontent-type: ${JSON_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
        );
      }
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
      this.count(endpoint, status);
      const body = JSON.stringify(errorBody('bad_request', `malformed HTTP request: ${err.code ?? err.message}`));
      socket.end(
        `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
          `content-type: ${JSON_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
      );
    });
  }

  /** Counts a reload from the policy source (the first load is not one). */
  reloaded(ok: boolean): void {
    this.reloads.cell({ result: ok ? 'ok' : 'error' }).value++;
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /**
   * Stops accepting connections, lets requests in flight finish (answers after this close
   * their connection), and resolves once every connection is gone, or after `graceMs` with
   * the stragglers cut.
   */
  close(graceMs: number): Promise<void> {
    this.readiness.draining = true;
    return new Promise((resolve) => {
      const cut = setTimeout(() => this.server.closeAllConnections(), graceMs);
      // a connection that answers its last request after this point is idle only then
      const idle = setInterval(() => this.server.closeIdleConnections(), 100);
      this.server.close(() => {
        clearTimeout(cut);
        clearInterval(idle);
        resolve();
      });
      this.server.closeIdleConnections();
    });
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const started = performance.now();
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    let endpoint: Endpoint = 'other';
    try {
      switch (path) {
        case '/v1/decide':
        case '/v1/decide/batch': {
          const batch = path.length > 10;
          endpoint = batch ? 'batch' : 'decide';
          if (req.method !== 'POST') throw notAllowed(req, path, 'POST');
          if (q >= 0)
            throw new HttpError(
              400,
              'invalid_request',
              `\`${path}\` takes no query parameters, got \`${url.slice(q)}\``,
              'put options in the body: `{"input": {...}, "options": {"explain": true}}`',
            );
          if (!this.readiness.loaded)
            throw new HttpError(
              503,
              'not_ready',
              'no policy set is loaded yet',
              this.readiness.reloadError ? `the last load failed: ${this.readiness.reloadError}` : 'wait for `GET /readyz` to answer 200',
            );
          (req.socket as Socket & { [ENDPOINT]?: Endpoint })[ENDPOINT] = endpoint;
          this.readBody(req, res, endpoint, (text) => {
            if (batch) {
              this.send(res, endpoint, 200, this.decideBatch(parseBody(text)));
              this.observe.batch((performance.now() - started) / 1000);
            } else {
              const body = this.decideOne(parseBody(text));
              this.decideOk.value++;
              this.reply(res, 200, body, JSON_TYPE);
              this.observe.decide((performance.now() - started) / 1000);
            }
          });
          return;
        }
        case '/healthz':
          endpoint = 'healthz';
          if (req.method !== 'GET' && req.method !== 'HEAD') throw notAllowed(req, path, 'GET, HEAD');
          return this.send(res, endpoint, 200, '{"status":"ok"}');
        case '/readyz': {
          endpoint = 'readyz';
          if (req.method !== 'GET' && req.method !== 'HEAD') throw notAllowed(req, path, 'GET, HEAD');
          const r = this.readiness;
          if (r.draining) return this.send(res, endpoint, 503, '{"status":"draining"}');
          if (!r.loaded)
            return this.send(
              res,
              endpoint,
              503,
              JSON.stringify({ status: 'not_ready', reason: r.reloadError ?? 'loading the policy set' }),
            );
          const ready: Record<string, unknown> = {
            status: 'ready',
            revision: this.engine.revision,
            policies: this.engine.policies().length,
          };
          if (r.reloadError !== undefined) ready.reloadError = r.reloadError;
          return this.send(res, endpoint, 200, JSON.stringify(ready));
        }
        case '/metrics': {
          endpoint = 'metrics';
          if (req.method !== 'GET' && req.method !== 'HEAD') throw notAllowed(req, path, 'GET, HEAD');
          const local = this.metrics.render();
          if (this.combineMetrics === undefined) return this.send(res, endpoint, 200, local, CONTENT_TYPE);
          this.combineMetrics(local).then(
            (text) => this.send(res, 'metrics', 200, text, CONTENT_TYPE),
            (e: unknown) => this.fail(req, res, 'metrics', e),
          );
          return;
        }
        default:
          throw new HttpError(404, 'not_found', `no route \`${req.method} ${path}\``, `routes: ${ROUTES}`);
      }
    } catch (e) {
      this.fail(req, res, endpoint, e);
    }
  }

  /**
   * Reads the body within the size limit, then calls `done` (whose throws become error
   * answers). The deadline is Node's request timeout (see the constructor): a body that stops
   * arriving ends in `clientError`, not here.
   */
  private readBody(req: IncomingMessage, res: ServerResponse, endpoint: Endpoint, done: (text: string) => void): void {
    const max = this.o.maxBody;
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > max) return this.fail(req, res, endpoint, tooLarge(max));
    // a small body arrives as one chunk: kept as is, joined only when there are more
    let first: Buffer | undefined;
    let chunks: Buffer[] | undefined;
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      if (over) return;
      size += c.length;
      if (size > max) {
        over = true;
        this.fail(req, res, endpoint, tooLarge(max));
      } else if (first === undefined) first = c;
      else (chunks ??= [first]).push(c);
    });
    req.on('end', () => {
      (req.socket as Socket & { [ENDPOINT]?: Endpoint })[ENDPOINT] = undefined;
      if (over) return;
      try {
        done(chunks !== undefined ? Buffer.concat(chunks, size).toString('utf8') : first === undefined ? '' : first.toString('utf8'));
      } catch (e) {
        this.fail(req, res, endpoint, e);
      }
    });
  }

  private decideOne(body: Record<string, unknown>): string {
    checkKeys(body, 'input', '{"input": {...}, "options": {...}}');
    if (!('input' in body))
      throw new HttpError(400, 'invalid_request', 'missing field `input`', 'the body is `{"input": {...}}`: wrap the input object in it');
    const input = inputObject(body.input, '`input`');
    const o = options(body.options);
    const d = this.engine.evaluate(input, o);
    this.decided[d.effect].value++;
    return o?.explain ? JSON.stringify(d, jsonValue) : JSON.stringify(d);
  }

  private decideBatch(body: Record<string, unknown>): string {
    checkKeys(body, 'inputs', '{"inputs": [{...}, ...], "options": {...}}');
    const inputs = body.inputs;
    if (!Array.isArray(inputs))
      throw new HttpError(
        400,
        'invalid_request',
        inputs === undefined ? 'missing field `inputs`' : `\`inputs\` must be a list of input objects, got ${kind(inputs)}`,
        'the body is `{"inputs": [{...}, ...]}`',
      );
    if (inputs.length > this.o.maxBatch)
      throw new HttpError(
        413,
        'batch_too_large',
        `a batch holds at most ${this.o.maxBatch} inputs, got ${inputs.length}`,
        'split the batch, or raise `--max-batch`',
      );
    for (let i = 0; i < inputs.length; i++) inputObject(inputs[i], `\`inputs[${i}]\``);
    const o = options(body.options);
    const decisions: Decision[] = new Array(inputs.length);
    const decided = this.decided;
    for (let i = 0; i < inputs.length; i++) {
      const d = this.engine.evaluate(inputs[i], o);
      decided[d.effect].value++;
      decisions[i] = d;
    }
    return o?.explain ? JSON.stringify({ decisions }, jsonValue) : JSON.stringify({ decisions });
  }

  private send(res: ServerResponse, endpoint: Endpoint, status: number, body: string, type = JSON_TYPE): void {
    this.count(endpoint, status);
    this.reply(res, status, body, type);
  }

  private reply(res: ServerResponse, status: number, body: string, type: string): void {
    if (this.readiness.draining) res.setHeader('connection', 'close');
    // the flat list form: Node stores it without walking an object's keys
    res.writeHead(status, ['content-type', type, 'content-length', String(Buffer.byteLength(body))]);
    res.end(body);
  }

  private fail(_req: IncomingMessage, res: ServerResponse, endpoint: Endpoint, e: unknown): void {
    if (res.headersSent || res.destroyed) return;
    const err =
      e instanceof HttpError
        ? e
        : new HttpError(
            500,
            'internal',
            `internal error: ${e instanceof Error ? e.message : String(e)}`,
            'please report this with the request',
          );
    if (err.status === 405) res.setHeader('allow', err.hint!.replace(/^.*: /, ''));
    // A body not read to its end (an early answer: 404, 405, 413) is read and discarded by Node
    // after the answer, so the connection stays usable; Node's request deadline bounds that.
    this.send(res, endpoint, err.status, JSON.stringify(errorBody(err.code, err.message, err.hint)));
  }

  private count(endpoint: Endpoint, status: number): void {
    this.cell(endpoint, status).value++;
  }

  private cell(endpoint: Endpoint, status: number): { value: number } {
    const key = `${endpoint} ${status}`;
    let c = this.requests.get(key);
    if (c === undefined) this.requests.set(key, (c = this.requestSeries.cell({ endpoint, code: String(status) })));
    return c;
  }
}

const EXPLAIN = Object.freeze({ explain: true });
/** The endpoint of the request a connection is receiving, for counting a time-out in /metrics. */
const ENDPOINT = Symbol('endpoint');

export function errorBody(code: string, message: string, hint?: string): ErrorBody {
  return { error: hint === undefined ? { code, message } : { code, message, hint } };
}

function notAllowed(req: IncomingMessage, path: string, allow: string): HttpError {
  return new HttpError(405, 'method_not_allowed', `\`${path}\` does not take \`${req.method}\``, `allowed: ${allow}`);
}

function tooLarge(max: number): HttpError {
  return new HttpError(413, 'payload_too_large', `the request body is larger than ${max} bytes`, 'send less, or raise `--max-body`');
}

/** The body as a JSON object, or a 400 saying where the JSON broke. */
function parseBody(text: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    if (text.trim() === '')
      throw new HttpError(400, 'invalid_json', 'the request body is empty', 'send a JSON object such as `{"input": {...}}`');
    const m = (e instanceof Error ? e.message : String(e))
      .replace(/ in JSON/, '')
      .replace(/^[A-Z](?![A-Z])/, (c) => c.toLowerCase())
      .replace(/\.$/, '');
    throw new HttpError(
      400,
      'invalid_json',
      `invalid JSON: ${m}`,
      'the body must be one JSON object, sent with `content-type: application/json`',
    );
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new HttpError(400, 'invalid_request', `the body must be a JSON object, got ${kind(v)}`, 'send `{"input": {...}}`');
  return v as Record<string, unknown>;
}

function checkKeys(body: Record<string, unknown>, main: string, shape: string): void {
  for (const k of Object.keys(body)) {
    if (k === main || k === 'options') continue;
    const hint =
      main === 'input' && k === 'inputs'
        ? 'a list of inputs goes to `POST /v1/decide/batch`'
        : main === 'inputs' && k === 'input'
          ? 'one input goes to `POST /v1/decide`'
          : `the body is \`${shape}\`${main === 'input' ? '; to send the input itself, wrap it as `{"input": ...}`' : ''}`;
    throw new HttpError(400, 'invalid_request', `unknown field \`${k}\` in the body`, hint);
  }
}

function inputObject(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new HttpError(
      400,
      'invalid_request',
      `${what} must be a JSON object, got ${kind(v)}`,
      'an input is an object such as `{"user": {...}, "request": {...}}`',
    );
  return v as Record<string, unknown>;
}

/**
 * The options object, as `evaluate` takes it (undefined when it asks for nothing, the fast path).
 * Unknown options are refused, not ignored.
 */
function options(v: unknown): EvaluateOptions | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new HttpError(400, 'invalid_request', `\`options\` must be a JSON object, got ${kind(v)}`, 'e.g. `"options": {"explain": true}`');
  let explain = false;
  let tenant: string | undefined;
  for (const [k, x] of Object.entries(v)) {
    if (k === 'explain') {
      if (typeof x !== 'boolean') throw new HttpError(400, 'invalid_request', `\`options.explain\` must be true or false, got ${kind(x)}`);
      explain = x;
    } else if (k === 'tenant') {
      if (typeof x !== 'string' || x === '')
        throw new HttpError(400, 'invalid_request', `\`options.tenant\` must be a tenant name (a non-empty string), got ${kind(x)}`);
      tenant = x;
    } else throw new HttpError(400, 'invalid_request', `unknown option \`${k}\``, 'options: `explain`, `tenant`');
  }
  if (tenant !== undefined) return explain ? { explain, tenant } : { tenant };
  return explain ? EXPLAIN : undefined;
}

function kind(v: unknown): string {
  if (v === null) return '`null`';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'an object';
  return `${typeof v === 'string' ? 'a string' : typeof v === 'number' ? 'a number' : typeof v === 'boolean' ? 'a boolean' : typeof v} \`${JSON.stringify(v)}\``;
}
