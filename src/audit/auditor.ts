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
import type { Decision, DecisionObserver } from '../decide/engine.js';
import type { Usage } from '../decide/state.js';
import { hexEncode as hex } from '../util/encoding.js';
import { canonicalJson } from '../util/canonical.js';
import { defaultHash, type AuditHash } from './hash.js';
import { copy, pathTrie, safeRedact, type PathNode } from './redact.js';
import type {
  AuditDecisionError,
  AuditMatchedRule,
  AuditOptions,
  AuditRecord,
  AuditRedaction,
  AuditSink,
  AuditStats,
  DecisionAuditRecord,
  UsageAuditRecord,
} from './types.js';

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

export class Auditor implements DecisionObserver {
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
      const entryInput = this.snapshot ? this.snap(input, d) : input;
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

  private snap(input: unknown, d: Decision): Snapshot {
    const copy = this.include ? this.copyInput(input) : undefined;
    return new Snapshot(this.digest() ? canonicalJson(input) : '', this.tenantOf(input, d), copy);
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
    const tenant = snap ? snap.tenant : this.tenantOf(input, d);
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
      matched[k] = { policy: m.policy, namespace: m.namespace, version: m.version, rule: m.rule, effect: m.effect };
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
    if (d.shadow !== undefined)
      rec.shadow = d.shadow.map((o) => ({
        policy: o.policy,
        namespace: o.namespace,
        version: o.version,
        effect: o.effect,
        matched: o.matched.map((m) => m.rule),
        differs: o.differs,
      }));
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
      (x) => {
        rec.inputDigest = x;
        return rec;
      },
      () => {
        delete rec.inputDigest;
        return rec;
      },
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

  private tenantOf(input: unknown, d: Decision): string | undefined {
    const t = this.tenantOption;
    if (typeof t === 'string') return t;
    try {
      if (typeof t === 'function') {
        const v = t(input);
        return typeof v === 'string' ? v : undefined;
      }
      // the tenant the decision was made for, else the one the input names
      if (d.tenant !== undefined) return d.tenant;
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

function wrapDefault(hash: AuditHash | undefined): ((json: string) => string | Promise<string>) | undefined {
  if (hash === undefined) return undefined;
  return (json) => {
    const h = hash(json);
    return typeof h === 'string' ? `sha256:${h}` : h.then((x) => `sha256:${x}`);
  };
}
