// Audit: one record per decision (and per recorded usage), handed to a pluggable sink.
//
// The decision's hot path only stores references into a preallocated ring (no allocation, no
// serialisation, no hashing): the time, the duration, the input, the decision and the policy
// set. A background flusher turns a batch of entries into records (canonical JSON of the input,
// its SHA-256, the optional redacted copy) and awaits `sink.write(batch)`, one batch at a time.
// The ring is bounded; when it is full the oldest entry is dropped (counted, and announced in the
// next record as `dropped`) or moved to a fallback sink. `close()` writes everything queued.
//
// Because the input is read when the batch is built (at most `flushIntervalMs` later), a host
// that mutates an input object after deciding on it must set `snapshot: true`, which renders the
// input on the hot path instead (a few microseconds per decision).

import { PolicyError } from '../lang/errors.js';
import type { Decision, Effect } from './engine.js';
import type { Usage } from './state.js';

// ------------------------------------------------------------------ records

export interface AuditMatchedRule {
  policy: string;
  namespace: string;
  rule: string;
  effect: Effect;
}

export interface AuditRecordBase {
  /** Version of the record format (schemas/audit-record.schema.json). */
  v: 1;
  /** `<instance>-<seq>`: unique per engine instance. */
  id: string;
  /** 1, 2, 3, ... per engine instance, in the order records were queued; a gap is a record lost after it was queued. */
  seq: number;
  /** Milliseconds since the epoch (the engine clock) when the decision was made or the usage recorded. */
  time: number;
  /** Random id of the engine instance (or `audit.instance`). */
  instance: string;
  /** From `audit.tenant`, else the input's `context.tenant` when it is a string. */
  tenant?: string;
  /** The policy revision that decided. */
  revision: string;
  /** The policies of that revision, `namespace/name@version` (`@version` only when the policy has one). */
  policies: string[];
  /** Sampling rate this record was kept with, when below 1: it stands for 1/sampled decisions. */
  sampled?: number;
  /** Records dropped (queue full, or queued after close) since the previous record. */
  dropped?: number;
  /** Hash of the previous line: added by a chained file sink, not by the engine. */
  prevHash?: string;
}

export interface DecisionAuditRecord extends AuditRecordBase {
  kind: 'decision';
  /** `sha256:<hex>` of the canonical JSON of the input (or what `audit.digest` returns). */
  inputDigest?: string;
  effect: Effect;
  matched: AuditMatchedRule[];
  obligations: Record<string, unknown>[];
  errors: AuditDecisionError[];
  /** Time spent in `evaluate`, microseconds (0.1 µs resolution). */
  durationUs: number;
  /** Served from the decision cache. */
  cached?: true;
  /** The decision's reasons (rule messages may quote the input), only with `includeInput`. */
  reasons?: string[];
  /** The input after redaction, only with `includeInput`. */
  input?: unknown;
}

export interface AuditDecisionError {
  policy: string;
  rule?: string;
  code: string;
  message: string;
  handling: 'deny' | 'skip' | 'warn';
}

export interface UsageAuditRecord extends AuditRecordBase {
  kind: 'usage';
  usage: { keys: string[]; requests?: number; tokens?: number; costUsd?: number; at: number };
}

export type AuditRecord = DecisionAuditRecord | UsageAuditRecord;

// ------------------------------------------------------------------ sinks and options

/** Where records go. `write` gets one batch at a time (never two concurrently) and may be async. */
export interface AuditSink {
  write(records: readonly AuditRecord[]): void | Promise<void>;
  /** Makes what was written durable (called by close before `close`). */
  flush?(): void | Promise<void>;
  close?(): void | Promise<void>;
}

export interface AuditRedaction {
  /**
   * Paths whose values are replaced by `"[REDACTED]"`: dot-separated keys, `*` for any key or
   * array index (`user.email`, `request.messages.*.content`).
   */
  redactPaths?: string[];
  /** Applied to every other string of the copy (and to the reasons), e.g. a PII redactor. */
  redact?: (text: string, path: string) => string;
}

export interface AuditOptions {
  sink: AuditSink;
  /** Entries held before the overflow rule applies. Default 10,000. */
  queueSize?: number;
  /** A flush starts as soon as this many entries are queued; also the most records per write. Default 1,000. */
  batchSize?: number;
  /** The longest an entry waits before a flush starts, ms. Default 1,000. */
  flushIntervalMs?: number;
  /**
   * When the queue is full: `'drop-oldest'` (default; counted in stats and in the next record),
   * or `{ spill: sink }` to move the oldest entries to a fallback sink (up to `queueSize` more).
   * Batches the sink fails to write also go to the spill sink when there is one.
   */
  overflow?: 'drop-oldest' | { spill: AuditSink };
  /** Fraction of decisions recorded, by effect (and of usage records). Default 1 for each. */
  sample?: { allow?: number; warn?: number; deny?: number; usage?: number };
  /** Records a decision only when this returns true. Runs on the hot path; an exception counts as true. */
  filter?: (decision: Decision, input: unknown) => boolean;
  /** Tenant of every record, or a function of the input; default: the input's `context.tenant`. */
  tenant?: string | ((input: unknown) => string | undefined);
  /** Include a copy of the input (and the decision's reasons) in each decision record. */
  includeInput?: boolean | AuditRedaction;
  /** Render the input on the hot path, for hosts that mutate input objects after deciding. */
  snapshot?: boolean;
  /**
   * The input digest from the input's canonical JSON. Default `sha256:<hex>`; `false` leaves it
   * out. Pass a keyed hash (HMAC) where inputs are guessable and the digest must not confirm a guess.
   */
  digest?: false | ((canonicalJson: string) => string | Promise<string>);
  /** Engine instance id in the records. Default: 16 random hex digits. */
  instance?: string;
  /** Called when a sink fails to write a batch (the records count as failed or spilled). Default: one console warning. */
  onError?: (error: unknown, records: readonly AuditRecord[]) => void;
  /** Random numbers in [0, 1) for sampling. Default Math.random. */
  random?: () => number;
}

export interface AuditStats {
  enabled: boolean;
  /** Entries waiting, including the batch being written. */
  queued: number;
  /** Records the sink accepted. */
  written: number;
  /** Entries dropped: queue full (drop-oldest), or queued after close. */
  dropped: number;
  /** Records the sink (and the spill sink) failed to write. */
  failed: number;
  /** Records written to the spill sink. */
  spilled: number;
  /** Decisions (and usage) left out by sampling. */
  sampledOut: number;
  /** Decisions left out by `filter`. */
  filteredOut: number;
}

export const AUDIT_DISABLED: Readonly<AuditStats> = Object.freeze({
  enabled: false,
  queued: 0,
  written: 0,
  dropped: 0,
  failed: 0,
  spilled: 0,
  sampledOut: 0,
  filteredOut: 0,
});

const OPTION_KEYS = new Set([
  'sink',
  'queueSize',
  'batchSize',
  'flushIntervalMs',
  'overflow',
  'sample',
  'filter',
  'tenant',
  'includeInput',
  'snapshot',
  'digest',
  'instance',
  'onError',
  'random',
]);

// ------------------------------------------------------------------ hashing

/** Hex SHA-256 of the UTF-8 bytes of a text. */
export type AuditHash = (text: string) => string | Promise<string>;

let installedHash: AuditHash | undefined;
let installedRank = 0;

/**
 * Installs the SHA-256 the default digest uses (the main entry a pure-JS one, the Node entry
 * node:crypto). A higher rank wins. Without one, WebCrypto (async) is used.
 * @internal
 */
export function setAuditHash(hash: AuditHash, rank: number): void {
  if (rank >= installedRank) {
    installedHash = hash;
    installedRank = rank;
  }
}

interface Subtle {
  digest(algorithm: string, data: Uint8Array): Promise<ArrayBuffer>;
}
const subtle = (globalThis as { crypto?: { subtle?: Subtle } }).crypto?.subtle;
const utf8 = new TextEncoder();

function hex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i]! < 16 ? '0' : '') + bytes[i]!.toString(16);
  return s;
}

function defaultHash(): AuditHash | undefined {
  if (installedHash) return installedHash;
  if (subtle) return async (text) => hex(new Uint8Array(await subtle.digest('SHA-256', utf8.encode(text))));
  return undefined;
}

// ------------------------------------------------------------------ canonical JSON

/**
 * Canonical JSON of any value, for the digest: object keys sorted by UTF-16 code units, no
 * whitespace, the values the engine reads as JSON would have them. Total: never throws.
 * Non-finite numbers are null (as JSON.stringify), bigints their decimal digits, Dates ISO
 * strings, byte arrays base64 strings; undefined, functions and symbols are left out of objects
 * (null in arrays); a cycle is `"[Circular]"`, nesting past 100 `"[Depth]"`, a throwing getter `"[Error]"`.
 */
export function canonicalJson(value: unknown): string {
  return canon(value, [], 0);
}

function canon(v: unknown, stack: object[], depth: number): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? JSON.stringify(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'object':
      break;
    default:
      return 'null';
  }
  if (v === null) return 'null';
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'null' : JSON.stringify(v.toISOString());
  if (ArrayBuffer.isView(v)) return JSON.stringify(base64(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)));
  if (stack.includes(v)) return '"[Circular]"';
  if (depth >= 100) return '"[Depth]"';
  stack.push(v);
  let out: string;
  if (Array.isArray(v)) {
    out = '[';
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out += ',';
      const x = read(v, i);
      out += x === undefined || typeof x === 'function' || typeof x === 'symbol' ? 'null' : canon(x, stack, depth + 1);
    }
    out += ']';
  } else {
    let keys: string[];
    try {
      keys = Object.keys(v);
    } catch {
      keys = [];
    }
    if (keys.length > 1) keys.sort();
    out = '{';
    let first = true;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      const x = read(v as Record<string, unknown>, k);
      if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
      if (first) first = false;
      else out += ',';
      out += JSON.stringify(k) + ':' + canon(x, stack, depth + 1);
    }
    out += '}';
  }
  stack.pop();
  return out;
}

function read(o: object, k: string | number): unknown {
  try {
    return (o as Record<string | number, unknown>)[k];
  } catch {
    return '[Error]';
  }
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
function base64(b: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    s += B64[n >> 18]! + B64[(n >> 12) & 63]! + B64[(n >> 6) & 63]! + B64[n & 63]!;
  }
  if (i < b.length) {
    const n = (b[i]! << 16) | ((b[i + 1] ?? 0) << 8);
    s += B64[n >> 18]! + B64[(n >> 12) & 63]! + (i + 1 < b.length ? B64[(n >> 6) & 63]! : '=') + '=';
  }
  return s;
}

// ------------------------------------------------------------------ redacted copy

interface PathNode {
  mask: boolean;
  children: Map<string, PathNode>;
  star: PathNode | undefined;
}

function pathTrie(paths: string[]): PathNode {
  const root: PathNode = { mask: false, children: new Map(), star: undefined };
  for (const p of paths) {
    let n = root;
    for (const part of p.split('.')) {
      if (part === '*') n = n.star ??= { mask: false, children: new Map(), star: undefined };
      else {
        let c = n.children.get(part);
        if (!c) n.children.set(part, (c = { mask: false, children: new Map(), star: undefined }));
        n = c;
      }
    }
    n.mask = true;
  }
  return root;
}

const REDACTED = '[REDACTED]';
const NO_NODES: PathNode[] = [];

/** A JSON-safe copy of the input with masked paths and redacted strings. Total. */
export function redactedCopy(value: unknown, redaction: AuditRedaction = {}): unknown {
  const trie = pathTrie(redaction.redactPaths ?? []);
  return copy(value, [trie], redaction.redact, '', [], 0);
}

function copy(v: unknown, nodes: PathNode[], redact: AuditRedaction['redact'], path: string, stack: object[], depth: number): unknown {
  switch (typeof v) {
    case 'string':
      if (redact === undefined) return v;
      try {
        return redact(v, path);
      } catch {
        return REDACTED;
      }
    case 'number':
      return Number.isFinite(v) ? v : null;
    case 'boolean':
      return v;
    case 'bigint':
      return v.toString();
    case 'object':
      break;
    default:
      return null;
  }
  if (v === null) return null;
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  if (ArrayBuffer.isView(v)) return base64(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  if (stack.includes(v)) return '[Circular]';
  if (depth >= 100) return '[Depth]';
  stack.push(v);
  const step = (key: string): PathNode[] => {
    if (nodes.length === 0) return NO_NODES;
    const next: PathNode[] = [];
    for (const n of nodes) {
      const c = n.children.get(key);
      if (c) next.push(c);
      if (n.star) next.push(n.star);
    }
    return next;
  };
  let result: unknown;
  if (Array.isArray(v)) {
    const arr: unknown[] = [];
    for (let i = 0; i < v.length; i++) {
      const next = step(String(i));
      const x = read(v, i);
      if (next.some((n) => n.mask)) arr.push(REDACTED);
      else
        arr.push(
          x === undefined || typeof x === 'function' || typeof x === 'symbol'
            ? null
            : copy(x, next, redact, path ? `${path}.${i}` : String(i), stack, depth + 1),
        );
    }
    result = arr;
  } else {
    const obj: Record<string, unknown> = {};
    let keys: string[];
    try {
      keys = Object.keys(v);
    } catch {
      keys = [];
    }
    for (const k of keys) {
      const x = read(v as Record<string, unknown>, k);
      if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
      const next = step(k);
      // defineProperty: a `__proto__` key stays an ordinary key of the copy
      const value = next.some((n) => n.mask) ? REDACTED : copy(x, next, redact, path ? `${path}.${k}` : k, stack, depth + 1);
      Object.defineProperty(obj, k, { value, enumerable: true, writable: true, configurable: true });
    }
    result = obj;
  }
  stack.pop();
  return result;
}

// ------------------------------------------------------------------ the auditor

/** What the auditor needs of a compiled policy. */
export interface AuditedPolicy {
  namespace: string;
  name: string;
  version: string | undefined;
}

const DECISION = 1;
const USAGE = 2;

/** An input rendered on the hot path (`snapshot: true`). */
class Snapshot {
  constructor(
    readonly json: string,
    readonly tenant: string | undefined,
    readonly copy: unknown,
  ) {}
}

/** A usage entry: what was recorded, against which revision. */
interface UsageEntry {
  usage: Usage & { at: number };
  revision: string;
}

/** An entry moved out of the ring (spill). */
interface Entry {
  kind: number;
  time: number;
  dur: number;
  rate: number;
  hit: number;
  input: unknown;
  result: unknown;
  pols: readonly AuditedPolicy[];
}

type Timer = ReturnType<typeof setTimeout>;

const perf = (globalThis as { performance?: { now(): number } }).performance;
function perfNow(): number {
  return perf ? perf.now() : Date.now();
}

const setImmediateFn = (globalThis as { setImmediate?: (fn: () => void) => { unref?: () => void } }).setImmediate;

/** Runs fn after the current task: setImmediate (unref'ed) in Node, else a zero timeout. */
function later(fn: () => void): void {
  if (setImmediateFn) setImmediateFn(fn).unref?.();
  else unref(setTimeout(fn, 0));
}

function unref(t: Timer): Timer {
  (t as { unref?: () => void }).unref?.();
  return t;
}

function isSink(v: unknown): v is AuditSink {
  return typeof v === 'object' && v !== null && typeof (v as AuditSink).write === 'function';
}

function randomInstance(): string {
  const c = (globalThis as { crypto?: { getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  const b = new Uint8Array(8);
  if (c?.getRandomValues) c.getRandomValues(b);
  else for (let i = 0; i < 8; i++) b[i] = Math.floor(Math.random() * 256);
  return hex(b);
}

export class Auditor {
  readonly instance: string;
  private readonly sink: AuditSink;
  private readonly spill: AuditSink | undefined;
  private readonly cap: number;
  private readonly batchSize: number;
  private readonly intervalMs: number;
  private readonly rAllow: number;
  private readonly rWarn: number;
  private readonly rDeny: number;
  private readonly rUsage: number;
  private readonly filter: AuditOptions['filter'];
  private readonly tenantOption: AuditOptions['tenant'];
  private readonly include: AuditRedaction | undefined;
  private readonly trie: PathNode | undefined;
  private readonly snapshot: boolean;
  /** The digest function: the option, else the installed hash (resolved at the first record). */
  private digestFn: ((json: string) => string | Promise<string>) | false | undefined;
  private readonly onError: (error: unknown, records: readonly AuditRecord[]) => void;
  private readonly random: () => number;
  private readonly clock: () => number;
  /**
   * With the default clock, a decision's time is derived at flush from its performance.now()
   * stamp (no Date.now() on the hot path): wall time at flush minus the monotonic time since.
   */
  private readonly perfTime: boolean;
  private wallAt = 0;
  private perfAt = 0;

  // the ring: entry k lives at (head + k) % cap
  private head = 0;
  private count = 0;
  private readonly kinds: Uint8Array;
  private readonly times: Float64Array;
  private readonly durs: Float64Array;
  private readonly rates: Float64Array;
  private readonly hits: Uint8Array;
  private readonly inputs: unknown[];
  private readonly results: unknown[];
  private readonly pols: (readonly AuditedPolicy[])[];
  private readonly spillQueue: Entry[] = [];

  private seq = 0;
  private inflight = 0;
  private written = 0;
  private dropped = 0;
  private failed = 0;
  private spilled = 0;
  private sampledOut = 0;
  private filteredOut = 0;
  /** Drops not yet announced in a record. */
  private dropNotice = 0;

  private timer: Timer | undefined;
  private soon = false;
  private draining: Promise<void> | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;
  private lastPols: readonly AuditedPolicy[] | undefined;
  private lastNames: string[] = [];

  constructor(option: AuditSink | AuditOptions, clock: () => number) {
    const o: AuditOptions = isSink(option) ? { sink: option } : option;
    const bad = Object.keys(o)
      .filter((k) => !OPTION_KEYS.has(k))
      .map((k) => `unknown audit option \`${k}\``);
    if (!isSink(o.sink)) bad.push('`audit.sink` must be an object with a `write(records)` method');
    const int = (name: string, v: number | undefined, dflt: number, min: number): number => {
      if (v === undefined) return dflt;
      if (!Number.isInteger(v) || v < min) bad.push(`\`audit.${name}\` must be an integer of at least ${min}`);
      return v;
    };
    this.cap = int('queueSize', o.queueSize, 10_000, 1);
    this.batchSize = int('batchSize', o.batchSize, 1_000, 1);
    this.intervalMs = int('flushIntervalMs', o.flushIntervalMs, 1_000, 0);
    const s = o.sample ?? {};
    for (const k of Object.keys(s)) {
      const r = (s as Record<string, unknown>)[k];
      if (!['allow', 'warn', 'deny', 'usage'].includes(k))
        bad.push(`unknown sampling key \`audit.sample.${k}\` (allow, warn, deny, usage)`);
      else if (typeof r !== 'number' || !(r >= 0 && r <= 1)) bad.push(`\`audit.sample.${k}\` must be a number from 0 to 1`);
    }
    if (o.overflow !== undefined && o.overflow !== 'drop-oldest' && !(typeof o.overflow === 'object' && isSink(o.overflow.spill)))
      bad.push("`audit.overflow` must be 'drop-oldest' or { spill: sink }");
    if (bad.length) throw new PolicyError(bad.map((message) => ({ code: 'invalid_option' as const, message })));
    this.sink = o.sink;
    this.spill = typeof o.overflow === 'object' ? o.overflow.spill : undefined;
    this.rAllow = s.allow ?? 1;
    this.rWarn = s.warn ?? 1;
    this.rDeny = s.deny ?? 1;
    this.rUsage = s.usage ?? 1;
    this.filter = o.filter;
    this.tenantOption = o.tenant;
    this.include = o.includeInput === true ? {} : o.includeInput || undefined;
    this.trie = this.include ? pathTrie(this.include.redactPaths ?? []) : undefined;
    this.snapshot = o.snapshot === true;
    this.digestFn = o.digest;
    let warned = false;
    this.onError =
      o.onError ??
      ((error) => {
        if (warned) return;
        warned = true;
        console.warn(
          `llm-policy-engine: the audit sink failed to write a batch (${error instanceof Error ? error.message : String(error)}); further failures are counted in engine.stats().audit.failed`,
        );
      });
    this.random = o.random ?? Math.random;
    this.clock = clock;
    this.perfTime = clock === Date.now && perf !== undefined;
    this.instance = o.instance ?? randomInstance();
    const cap = this.cap;
    this.kinds = new Uint8Array(cap);
    this.times = new Float64Array(cap);
    this.durs = new Float64Array(cap);
    this.rates = new Float64Array(cap);
    this.hits = new Uint8Array(cap);
    this.inputs = new Array(cap).fill(undefined);
    this.results = new Array(cap).fill(undefined);
    this.pols = new Array(cap).fill(undefined);
  }

  // ---------------------------------------------------------------- hot path

  /** Queues a decision. Never throws. */
  /** Queues a decision that `evaluate` began at `started` (performance.now()). Never throws. */
  decision(policies: readonly AuditedPolicy[], input: unknown, d: Decision, started: number, cached: boolean): void {
    try {
      const e = d.effect;
      const rate = e === 'allow' ? this.rAllow : e === 'deny' ? this.rDeny : this.rWarn;
      if (rate < 1 && !(this.random() < rate)) {
        this.sampledOut++;
        return;
      }
      if (this.filter !== undefined && !this.passes(d, input)) {
        this.filteredOut++;
        return;
      }
      // everything that could throw (a custom clock) before taking a slot
      const end = perfNow();
      const time = this.perfTime ? end : this.clock();
      const entryInput = this.snapshot ? this.snap(input) : input;
      const i = this.slot();
      if (i < 0) return;
      this.kinds[i] = DECISION;
      this.times[i] = time;
      this.durs[i] = end - started;
      this.rates[i] = rate;
      this.hits[i] = cached ? 1 : 0;
      this.inputs[i] = entryInput;
      this.results[i] = d;
      this.pols[i] = policies;
      this.kick();
    } catch {
      // an audit problem never reaches the caller; a clock that throws loses the record
      this.dropped++;
      this.dropNotice++;
    }
  }

  /** Queues a usage record. Never throws. */
  usage(usage: Usage & { at: number }, revision: string, policies: readonly AuditedPolicy[]): void {
    try {
      const rate = this.rUsage;
      if (rate < 1 && !(this.random() < rate)) {
        this.sampledOut++;
        return;
      }
      const i = this.slot();
      if (i < 0) return;
      this.kinds[i] = USAGE;
      this.times[i] = usage.at;
      this.durs[i] = 0;
      this.rates[i] = rate;
      this.hits[i] = 0;
      this.inputs[i] = undefined;
      this.results[i] = { usage, revision } satisfies UsageEntry;
      this.pols[i] = policies;
      this.kick();
    } catch {
      this.dropped++;
      this.dropNotice++;
    }
  }

  private passes(d: Decision, input: unknown): boolean {
    try {
      return this.filter!(d, input) !== false;
    } catch {
      return true;
    }
  }

  private snap(input: unknown): Snapshot {
    const copy = this.include ? this.copyInput(input) : undefined;
    return new Snapshot(this.digest() ? canonicalJson(input) : '', this.tenantOf(input), copy);
  }

  /** A free slot at the tail of the ring (making room by the overflow rule), or -1 when closed. */
  private slot(): number {
    if (this.closed) {
      this.dropped++;
      this.dropNotice++;
      return -1;
    }
    const cap = this.cap;
    if (this.count === cap) {
      const h = this.head;
      if (this.spill !== undefined && this.spillQueue.length < cap) {
        this.spillQueue.push({
          kind: this.kinds[h]!,
          time: this.times[h]!,
          dur: this.durs[h]!,
          rate: this.rates[h]!,
          hit: this.hits[h]!,
          input: this.inputs[h],
          result: this.results[h],
          pols: this.pols[h]!,
        });
      } else {
        this.dropped++;
        this.dropNotice++;
      }
      this.head = h + 1 === cap ? 0 : h + 1;
      this.count--;
    }
    let i = this.head + this.count;
    if (i >= cap) i -= cap;
    this.count++;
    return i;
  }

  /**
   * Starts a flush as soon as the current task ends when a batch is full (setImmediate where
   * there is one), else makes sure one is due within the interval. Both are unref'ed: they do
   * not keep a Node process alive (see flushAuditOnExit).
   */
  private kick(): void {
    if (this.count >= this.batchSize) {
      if (!this.soon) {
        this.soon = true;
        try {
          later(() => {
            this.soon = false;
            void this.flush();
          });
        } catch {
          this.soon = false;
        }
      }
    } else if (this.timer === undefined) {
      try {
        this.timer = unref(
          setTimeout(() => {
            this.timer = undefined;
            void this.flush();
          }, this.intervalMs),
        );
      } catch {
        // no timers here (e.g. a global scope that forbids them): close() or flushAudit() writes
        this.timer = undefined;
      }
    }
  }

  // ---------------------------------------------------------------- flushing

  /** Writes everything queued so far (one batch at a time). Resolves when the queue was empty. */
  flush(): Promise<void> {
    if (this.draining) return this.draining;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (!this.closed && this.count > 0 && this.timer === undefined) this.kick();
    });
    return this.draining;
  }

  /** Writes batches until the queue is empty. Never rejects: every failure is counted. */
  private async drain(): Promise<void> {
    while (this.count > 0 || this.spillQueue.length > 0) {
      if (this.count > 0) {
        const n = Math.min(this.count, this.batchSize);
        this.inflight = n;
        let records: AuditRecord[];
        try {
          records = await this.take(n);
        } catch (err) {
          // building records failed (a bug, or a digest that threw): the batch is lost, counted
          this.failed += n;
          this.report(err, []);
          continue;
        } finally {
          this.inflight = 0;
        }
        this.inflight = records.length;
        try {
          await this.sink.write(records);
          this.written += records.length;
        } catch (err) {
          this.report(err, records);
          await this.toSpill(records);
        } finally {
          this.inflight = 0;
        }
      }
      if (this.spillQueue.length > 0) {
        const entries = this.spillQueue.splice(0, this.batchSize);
        this.anchor();
        try {
          const records = await Promise.all(
            entries.map((e) => this.build(e.kind, e.time, e.dur, e.rate, e.hit, e.input, e.result, e.pols)),
          );
          await this.toSpill(records);
        } catch (err) {
          this.failed += entries.length;
          this.report(err, []);
        }
      }
    }
  }

  private report(err: unknown, records: readonly AuditRecord[]): void {
    try {
      this.onError(err, records);
    } catch {
      // the host's error handler failing must not stop the flusher
    }
  }

  private async toSpill(records: AuditRecord[]): Promise<void> {
    if (this.spill === undefined) {
      this.failed += records.length;
      return;
    }
    try {
      await this.spill.write(records);
      this.spilled += records.length;
    } catch (err) {
      this.failed += records.length;
      this.report(err, records);
    }
  }

  /** Takes n entries from the head of the ring and builds their records. */
  private take(n: number): Promise<AuditRecord[]> | AuditRecord[] {
    this.anchor();
    const out: (AuditRecord | Promise<AuditRecord>)[] = [];
    let async = false;
    const cap = this.cap;
    for (let k = 0; k < n; k++) {
      const i = this.head;
      const kind = this.kinds[i]!;
      const input = this.inputs[i];
      const result = this.results[i];
      const pols = this.pols[i]!;
      this.inputs[i] = undefined;
      this.results[i] = undefined;
      this.pols[i] = undefined as unknown as AuditedPolicy[];
      this.head = i + 1 === cap ? 0 : i + 1;
      this.count--;
      try {
        const r = this.build(kind, this.times[i]!, this.durs[i]!, this.rates[i]!, this.hits[i]!, input, result, pols);
        if (r instanceof Promise) async = true;
        out.push(r);
      } catch (err) {
        // a bug must not stop the flusher: the record is lost, counted
        this.failed++;
        this.report(err, []);
      }
    }
    return async ? Promise.all(out) : (out as AuditRecord[]);
  }

  /** Pairs the wall clock with performance.now() for the batch about to be built. */
  private anchor(): void {
    if (!this.perfTime) return;
    this.wallAt = Date.now();
    this.perfAt = perfNow();
  }

  private build(
    kind: number,
    time: number,
    dur: number,
    rate: number,
    hit: number,
    input: unknown,
    result: unknown,
    pols: readonly AuditedPolicy[],
  ): AuditRecord | Promise<AuditRecord> {
    if (kind === DECISION && this.perfTime) time = Math.round(this.wallAt - (this.perfAt - time));
    const seq = ++this.seq;
    const id = `${this.instance}-${seq}`;
    const policies = this.namesOf(pols);
    const notice = this.dropNotice;
    this.dropNotice = 0;
    if (kind === USAGE) {
      const { usage: u, revision } = result as UsageEntry;
      const usage = { keys: [...u.keys] } as UsageAuditRecord['usage'];
      if (u.requests !== undefined) usage.requests = u.requests;
      if (u.tokens !== undefined) usage.tokens = u.tokens;
      if (u.costUsd !== undefined) usage.costUsd = u.costUsd;
      usage.at = u.at;
      const rec = { v: 1, kind: 'usage', id, seq, time, instance: this.instance } as UsageAuditRecord;
      if (typeof this.tenantOption === 'string') rec.tenant = this.tenantOption;
      rec.revision = revision;
      rec.policies = policies;
      rec.usage = usage;
      if (rate < 1) rec.sampled = rate;
      if (notice > 0) rec.dropped = notice;
      return rec;
    }
    const d = result as Decision;
    const snap = input instanceof Snapshot ? input : undefined;
    const tenant = snap ? snap.tenant : this.tenantOf(input);
    const rec = { v: 1, kind: 'decision', id, seq, time, instance: this.instance } as DecisionAuditRecord;
    if (tenant !== undefined) rec.tenant = tenant;
    rec.revision = d.revision;
    rec.policies = policies;
    // the digest is filled in below; placed here so that it comes before the decision in the JSON
    const digestFn = this.digest();
    if (digestFn !== undefined) rec.inputDigest = '';
    rec.effect = d.effect;
    const matched: AuditMatchedRule[] = (rec.matched = new Array(d.matched.length));
    for (let k = 0; k < matched.length; k++) {
      const m = d.matched[k]!;
      matched[k] = { policy: m.policy, namespace: m.namespace, rule: m.rule, effect: m.effect };
    }
    rec.obligations = d.obligations;
    const errors: AuditDecisionError[] = (rec.errors = new Array(d.errors.length));
    for (let k = 0; k < errors.length; k++) {
      const e = d.errors[k]!;
      errors[k] =
        e.rule === undefined
          ? { policy: e.policy, code: e.code, message: e.message, handling: e.handling }
          : { policy: e.policy, rule: e.rule, code: e.code, message: e.message, handling: e.handling };
    }
    rec.durationUs = Math.round(dur * 10_000) / 10;
    if (hit) rec.cached = true;
    if (rate < 1) rec.sampled = rate;
    if (notice > 0) rec.dropped = notice;
    if (this.include) {
      const redact = this.include.redact;
      rec.reasons = redact ? d.reasons.map((r) => safeRedact(redact, r, '')) : [...d.reasons];
      rec.input = snap ? snap.copy : this.copyInput(input);
    }
    if (digestFn === undefined) return rec;
    let digest: string | Promise<string>;
    try {
      digest = digestFn(snap ? snap.json : canonicalJson(input));
    } catch {
      delete rec.inputDigest;
      return rec;
    }
    if (typeof digest === 'string') {
      rec.inputDigest = digest;
      return rec;
    }
    return digest.then(
      (x) => ((rec.inputDigest = x), rec),
      () => (delete rec.inputDigest, rec),
    );
  }

  private digest(): ((json: string) => string | Promise<string>) | undefined {
    if (this.digestFn === undefined) this.digestFn = wrapDefault(defaultHash()) ?? false;
    return this.digestFn || undefined;
  }

  private namesOf(pols: readonly AuditedPolicy[]): string[] {
    if (pols === this.lastPols) return this.lastNames;
    this.lastPols = pols;
    this.lastNames = pols.map((p) => `${p.namespace}/${p.name}${p.version !== undefined ? `@${p.version}` : ''}`);
    return this.lastNames;
  }

  private tenantOf(input: unknown): string | undefined {
    const t = this.tenantOption;
    if (typeof t === 'string') return t;
    try {
      if (typeof t === 'function') {
        const v = t(input);
        return typeof v === 'string' ? v : undefined;
      }
      const ctx = typeof input === 'object' && input !== null ? (input as { context?: unknown }).context : undefined;
      const v = typeof ctx === 'object' && ctx !== null ? (ctx as { tenant?: unknown }).tenant : undefined;
      return typeof v === 'string' ? v : undefined;
    } catch {
      return undefined;
    }
  }

  private copyInput(input: unknown): unknown {
    return copy(input, [this.trie!], this.include!.redact, '', [], 0);
  }

  // ---------------------------------------------------------------- lifecycle

  stats(): AuditStats {
    return {
      enabled: true,
      queued: this.count + this.spillQueue.length + this.inflight,
      written: this.written,
      dropped: this.dropped,
      failed: this.failed,
      spilled: this.spilled,
      sampledOut: this.sampledOut,
      filteredOut: this.filteredOut,
    };
  }

  /** Stops taking entries (later ones count as dropped), writes everything queued, then flushes and closes the sinks. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      while (this.draining || this.count > 0 || this.spillQueue.length > 0) await this.flush();
      const errors: unknown[] = [];
      for (const s of this.spill ? [this.sink, this.spill] : [this.sink]) {
        try {
          await s.flush?.();
        } catch (e) {
          errors.push(e);
        }
        try {
          await s.close?.();
        } catch (e) {
          errors.push(e);
        }
      }
      if (errors.length) throw errors[0];
    })();
    return this.closing;
  }
}

function safeRedact(redact: NonNullable<AuditRedaction['redact']>, text: string, path: string): string {
  try {
    return redact(text, path);
  } catch {
    return REDACTED;
  }
}

function wrapDefault(hash: AuditHash | undefined): ((json: string) => string | Promise<string>) | undefined {
  if (hash === undefined) return undefined;
  return (json) => {
    const h = hash(json);
    return typeof h === 'string' ? `sha256:${h}` : h.then((x) => `sha256:${x}`);
  };
}
