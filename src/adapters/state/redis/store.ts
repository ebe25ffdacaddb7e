/// <reference types="node" />
// RedisStateStore: rate counters and spend shared by many processes through Redis, read
// synchronously from a local view (see docs/adapters/redis.md).
//
// Layout in Redis: usage is counted in buckets at three resolutions, like MemoryStateStore's
// series: 1-second buckets (kept 62 minutes), 1-minute buckets (kept 50 hours) and 1-hour
// buckets (kept 401 days). A bucket is a field of a hash that holds one minute (seconds), one
// hour (minutes) or one day (hours) of one key, with a TTL, so Redis drops old usage itself:
//   <prefix><key>|s|<minute index>   fields <second index><r|t|c>
//   <prefix><key>|m|<hour index>     fields <minute index><r|t|c>
//   <prefix><key>|h|<day index>      fields <hour index><r|t|c>
//
// The local view mirrors those buckets for the keys this process reads. A background refresh
// (every `refreshMs`) re-reads the newest buckets of the keys read in the last `idleMs`, and
// the whole window of a key when it is first read, every `resyncMs`, and after an outage.
// record() adds usage to the local view at once and queues it; batches go to Redis (one in
// flight at a time, at most `flushMs` after the usage) through one Lua script that applies
// them atomically and idempotently.
//
// consume and reserve are one script call each (ATOMIC_SCRIPT): the limits are checked against
// what Redis holds, plus this process's usage not yet flushed, and the write happens in the same
// step, so no other process can slip in between. Open reservations live in one hash per key,
// `<prefix><key>|r`, field `<id>:<metric>`, value `<metric>:<amount>:<expires at>`; settling or
// releasing one rides on the next batch (its usage and the hold's removal in one script call).

import { createClient } from 'redis';
import {
  checkHolds,
  checkTime,
  checkUsage,
  heldAmounts,
  type Hold,
  type Metric,
  type RecordedUsage,
  type Reservation,
  type StateRead,
  type StateStore,
  type Usage,
} from '../../../decide/state.js';
import { Buckets, METRIC_CODE, METRIC_INDEX } from './buckets.js';
import { ATOMIC_SCRIPT, STATE_SCRIPT } from './script.js';

const SECOND = 1000;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

/** The resolutions: bucket size, the hash that holds a run of buckets, how long they are kept. */
const LEVELS = [
  { size: SECOND, hash: MINUTE, tag: 's', keep: HOUR + MINUTE, ttlSeconds: 62 * 60 },
  { size: MINUTE, hash: HOUR, tag: 'm', keep: 49 * HOUR, ttlSeconds: 50 * 3600 },
  { size: HOUR, hash: DAY, tag: 'h', keep: 400 * DAY, ttlSeconds: 401 * 86400 },
] as const;

/** What the store needs of a Redis client: node-redis v4, v5 and v6 clients have it. */
export interface RedisCommandClient {
  sendCommand(args: string[]): Promise<unknown>;
}

export interface RedisStateStoreOptions {
  /** `redis://[[user]:password@]host[:port][/db]`; the store creates, connects and closes its client. */
  url?: string;
  /**
   * A connected node-redis client (one connection, not a cluster or pool) that the caller owns
   * and closes. Give it `disableOfflineQueue: true` so that commands fail at once while it reconnects.
   */
  client?: RedisCommandClient;
  /** Prefix of every Redis key the store writes. Default `lpe:`. */
  prefix?: string;
  /** How often the view of recently read keys is refreshed, ms. Default 250. */
  refreshMs?: number;
  /** Longest wait before recorded usage is sent, ms (usage recorded meanwhile joins the batch). Default 20. */
  flushMs?: number;
  /** A tracked key's whole window is re-read this often (catches usage recorded late or by skewed clocks), ms. Default 30,000. */
  resyncMs?: number;
  /** A key not read for this long is no longer refreshed, ms. Default 60,000. */
  idleMs?: number;
  /** A command that has not answered in this long counts as failed, ms. Default 1,000. */
  commandTimeoutMs?: number;
  /** Circuit breaker: opens after `failures` consecutive failed calls; tries again after `resetMs`. Defaults 3 and 1,000. */
  breaker?: { failures?: number; resetMs?: number };
  /** Usage records held while Redis cannot be reached; beyond it new records are dropped (counted). Default 100,000. */
  maxBuffered?: number;
  /** Bucket increments sent in one script call at most. Default 2,000. */
  maxBatch?: number;
  /** Keys held in the local view; the least recently used go first. Default 100,000. */
  maxKeys?: number;
  /** Called with every failed Redis call (the store never throws them). */
  onError?: (error: Error) => void;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface RedisStateStoreStats {
  breaker: BreakerState;
  /** Usage records recorded but not yet acknowledged by Redis. */
  buffered: number;
  /** Holds settled or released whose removal Redis has not acknowledged yet (a release records no usage, so `buffered` does not count it). */
  releasing: number;
  /** Usage records dropped because the buffer was full (never sent). */
  dropped: number;
  /** Usage records Redis acknowledged. */
  flushed: number;
  /** Failed Redis calls, in all and in a row. */
  errors: number;
  consecutiveFailures: number;
  /** Keys in the local view, and how many of them the refresh follows. */
  keys: number;
  tracked: number;
  /** Successful refreshes, and when the last one finished (ms since the epoch, real time). */
  refreshes: number;
  lastRefreshAt: number;
  lastError: string | undefined;
}

/** One key's view: its buckets at the three resolutions, and what the refresh needs to know. */
class KeyView {
  readonly levels = LEVELS.map((l) => new Buckets(l.size));
  /** Real time of the last read; 0 = never read (only recorded). */
  lastRead = 0;
  /** Metrics read (bit per metric). */
  metrics = 0;
  /** Longest window read since the last full sync, and the one before. */
  span = 0;
  prevSpan = 0;
  synced = false;
  needsFull = false;
  /** Start of the window the last full sync covered (engine time). */
  syncedFrom = Infinity;
  /** Engine time up to which the view has been refreshed. */
  syncedTo = 0;
  /** Real time of the last full sync. */
  fullAt = 0;
  /** Whether the windows read reach past the last hour (then the minute and hour buckets are refreshed too). */
  deep = false;
  /** The key's open reservations are read (budget.reserved...): the refresh follows its hold hash. */
  followHolds = false;
  /** Open holds as Redis last said, by field (`<id>:<metric>`): [metric, amount, expires at]. */
  holds = new Map<string, [number, number, number]>();
  /** The hold hash held an entry that is not a hold: reads of it fail closed. */
  holdsBad = false;
  /** Holds this process settled or released whose removal Redis has not applied yet. */
  readonly releasing = new Set<string>();

  constructor(readonly key: string) {}

  reserved(m: number, now: number): number {
    if (this.holdsBad) return NaN;
    let s = 0;
    for (const [field, h] of this.holds) if (h[0] === m && h[2] > now && !this.releasing.has(field)) s += h[1];
    return s;
  }

  /** This process's usage of metric `m` in [since, now] that Redis has not acknowledged. */
  pending(m: number, since: number, now: number): number {
    const until = now + 1;
    const exactFrom = now - (now % MINUTE) - HOUR;
    const minuteFrom = now - (now % HOUR) - 48 * HOUR;
    const [s, mi, h] = this.levels as [Buckets, Buckets, Buckets];
    return (
      s.pending(m, Math.max(since, exactFrom), until) +
      mi.pending(m, Math.max(since, minuteFrom), Math.min(exactFrom, until)) +
      h.pending(m, since, Math.min(minuteFrom, until))
    );
  }

  sum(m: number, since: number, now: number): number {
    const until = now + 1;
    const exactFrom = now - (now % MINUTE) - HOUR;
    const minuteFrom = now - (now % HOUR) - 48 * HOUR;
    const [s, mi, h] = this.levels as [Buckets, Buckets, Buckets];
    return (
      s.sum(m, Math.max(since, exactFrom), until) +
      mi.sum(m, Math.max(since, minuteFrom), Math.min(exactFrom, until)) +
      h.sum(m, since, Math.min(minuteFrom, until))
    );
  }

  prune(now: number): void {
    for (let l = 0; l < 3; l++) this.levels[l]!.prune(now - LEVELS[l]!.keep);
  }
}

/** Usage of one key in one second, waiting to be sent. */
interface Cell {
  view: KeyView;
  key: string;
  at: number;
  v: [number, number, number];
}

class Batch {
  seq = 0;
  readonly cells = new Map<string, Cell>();
  /** Holds settled or released: [view key, hold hash, field]. */
  readonly releases: [string, string, string][] = [];
  records = 0;
}

/** How to apply one read of the plan to the view. */
interface ReadOp {
  view: KeyView;
  level: number;
  /** Whole hash (HGETALL, covering [from, to)) or named buckets (HMGET). */
  full: boolean;
  /** The read is of the key's hold hash. */
  holds?: boolean;
  from: number;
  to: number;
  /** For HMGET: the bucket start and metric of each field. */
  fields?: { start: number; m: number }[];
}

interface Plan {
  inc?: Batch;
  reads: { key: string; fields: string[] | 0 }[];
  ops: ReadOp[];
  /** Views whose whole window this plan reads, with the engine time it reads them up to. */
  full: { view: KeyView; from: number; to: number; deep: boolean }[];
  tails: { view: KeyView; to: number }[];
}

const SLACK = 2 * SECOND;

export class RedisStateStore implements StateStore {
  private readonly client: RedisCommandClient;
  private readonly owned: { close(): Promise<void>; destroy(): void } | undefined;
  private connecting: Promise<unknown> | undefined;
  private readonly prefix: string;
  private readonly procKey: string;
  private readonly o: Required<Omit<RedisStateStoreOptions, 'url' | 'client' | 'prefix' | 'breaker' | 'onError'>> & {
    failures: number;
    resetMs: number;
  };
  private readonly onError: ((e: Error) => void) | undefined;

  private readonly views = new Map<string, KeyView>();
  private readonly queue: Batch[] = [];
  private open = new Batch();
  private seq = 0;
  private buffered = 0;
  private dropped = 0;
  private flushed = 0;

  private breaker: BreakerState = 'closed';
  private failures = 0;
  private errors = 0;
  private openUntil = 0;
  private lastError: string | undefined;
  private refreshes = 0;
  private lastRefreshAt = Date.now();

  private flushing: Promise<void> | undefined;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshing = false;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly shas = new Map<string, string>();
  private closed = false;

  /** Engine time last seen (a read or a record) and the real time it was seen at. */
  private lastNow = 0;
  private lastNowReal = 0;

  constructor(options: RedisStateStoreOptions) {
    if (!options.client === !options.url) throw new Error('RedisStateStore: pass either `url` or `client`');
    const b = options.breaker ?? {};
    this.o = {
      refreshMs: options.refreshMs ?? 250,
      flushMs: options.flushMs ?? 20,
      resyncMs: options.resyncMs ?? 30_000,
      idleMs: options.idleMs ?? 60_000,
      commandTimeoutMs: options.commandTimeoutMs ?? 1000,
      maxBuffered: options.maxBuffered ?? 100_000,
      maxBatch: options.maxBatch ?? 2000,
      maxKeys: options.maxKeys ?? 100_000,
      failures: b.failures ?? 3,
      resetMs: b.resetMs ?? 1000,
    };
    this.onError = options.onError;
    this.prefix = options.prefix ?? 'lpe:';
    this.procKey = `${this.prefix}proc|${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
    if (options.client) {
      this.client = options.client;
    } else {
      const c = createClient({
        url: options.url,
        disableOfflineQueue: true,
        socket: { connectTimeout: this.o.commandTimeoutMs, reconnectStrategy: (n: number) => Math.min(50 * (n + 1), 1000) },
      });
      c.on('error', () => {
        /* failures surface through the commands that fail; the client reconnects by itself */
      });
      this.connecting = c.connect().catch(() => undefined);
      this.client = c as unknown as RedisCommandClient;
      this.owned = c as unknown as { close(): Promise<void>; destroy(): void };
    }
    this.timer = setInterval(() => void this.refresh(), this.o.refreshMs);
    this.timer.unref?.();
  }

  // ---- reads (synchronous) ------------------------------------------------------------

  sum(key: string, metric: Metric, since: number, now: number): number {
    const v = this.read(key, metric, since, now);
    return v.sum(METRIC_INDEX[metric], since, now);
  }

  private read(key: string, metric: Metric, since: number, now: number): KeyView {
    this.see(now);
    const v = this.view(key);
    v.lastRead = this.lastNowReal;
    const bit = 1 << METRIC_INDEX[metric];
    if (!(v.metrics & bit)) {
      v.metrics |= bit;
      v.needsFull = true;
    }
    const span = now - since;
    if (span > v.span) v.span = span;
    if (since < v.syncedFrom) v.needsFull = true;
    return v;
  }

  /** What open reservations hold on `key` now (the local view: this process's holds at once, others' as of the last refresh). */
  reserved(key: string, metric: Metric, now: number): number {
    this.see(now);
    const v = this.view(key);
    v.lastRead = this.lastNowReal;
    if (!v.followHolds) {
      v.followHolds = true;
      v.needsFull = true;
    }
    return v.reserved(METRIC_INDEX[metric], now);
  }

  /** Whether reads may be older than the staleness bound: the breaker is not closed, or refreshes stopped succeeding. */
  stale(): boolean {
    if (this.breaker !== 'closed') return true;
    return Date.now() - this.lastRefreshAt > 2 * this.o.refreshMs + this.o.commandTimeoutMs;
  }

  /** Strict reads: fetches the whole window of these reads from Redis now. Never throws; on failure the view stays as it was. */
  async prefetch(reads: StateRead[], now: number): Promise<void> {
    if (this.closed || reads.length === 0) return;
    const views = new Map<KeyView, number>();
    for (const r of reads) {
      const v = this.read(r.key, r.metric, r.since, now);
      if (r.reserved) v.followHolds = true;
      views.set(v, Math.min(views.get(v) ?? Infinity, r.since));
    }
    if (this.breaker === 'open' && Date.now() < this.openUntil) return;
    const plan: Plan = { reads: [], ops: [], full: [], tails: [] };
    for (const [v, since] of views) this.planFull(plan, v, Math.min(since, now - v.span), now);
    await this.run(plan);
  }

  // ---- writes ---------------------------------------------------------------------------

  record(usage: RecordedUsage | (Usage & { at: number })): void {
    if (this.closed) throw new Error('RedisStateStore is closed');
    const u = checkUsage(usage);
    if (this.buffered >= this.o.maxBuffered) {
      this.dropped++;
      return;
    }
    this.add(u);
  }

  private add(usage: RecordedUsage): void {
    this.see(usage.at);
    const vals: [number, number, number] = [usage.requests, usage.tokens, usage.costUsd];
    const at = usage.at;
    const sec = at - (((at % SECOND) + SECOND) % SECOND);
    for (const key of new Set(usage.keys)) {
      const view = this.view(key);
      for (let l = 0; l < 3; l++) for (let m = 0; m < 3; m++) view.levels[l]!.addUnsent(at, m, vals[m]!);
      const id = `${sec}\u0000${key}`;
      let cell = this.open.cells.get(id);
      if (!cell || cell.view !== view) {
        if (cell) this.seal(); // the view was evicted and made anew: keep its usage apart
        this.open.cells.set(id, (cell = { view, key, at: sec, v: [0, 0, 0] }));
      }
      for (let m = 0; m < 3; m++) cell.v[m] += vals[m]!;
      if (this.open.cells.size * 3 >= this.o.maxBatch) this.seal();
    }
    this.open.records++;
    this.buffered++;
    this.scheduleFlush(this.o.flushMs);
  }

  // ---- consume and reservations ----------------------------------------------------------

  consume(holds: readonly Hold[], at: number): Promise<boolean> {
    return this.atomic(checkHolds(holds), checkTime('consume', 'at', at), undefined);
  }

  reserve(reservation: Reservation, at: number): Promise<boolean> {
    const { id, expiresAt } = reservation;
    const holds = checkHolds(reservation.holds);
    if (typeof id !== 'string' || !/^[\w.-]{1,100}$/.test(id))
      throw new TypeError(
        `invalid reservation: \`id\` must be 1 to 100 letters, digits, \`-\`, \`_\` or \`.\`, got \`${String(id).slice(0, 60)}\``,
      );
    checkTime('reservation', 'expiresAt', expiresAt);
    return this.atomic(holds, checkTime('reserve', 'at', at), reservation);
  }

  /**
   * Drops the reservation's holds and records `usage` (when given): both go to Redis in one
   * batch, so no process sees the budget free before the spend is counted. The view stops
   * counting the holds at once.
   */
  settle(reservation: Reservation, usage: RecordedUsage | undefined): void {
    if (this.closed) throw new Error('RedisStateStore is closed');
    const u = usage === undefined ? undefined : checkUsage(usage);
    if (u !== undefined) {
      if (this.buffered >= this.o.maxBuffered) this.dropped++;
      else this.add(u);
    }
    // after the usage's cells: a batch sealed in between carries the usage, not the release
    for (const a of heldAmounts(reservation.holds)) {
      const field = `${reservation.id}:${METRIC_INDEX[a.metric]}`;
      this.open.releases.push([a.key, this.holdKey(a.key), field]);
      this.views.get(a.key)?.releasing.add(field);
    }
    this.scheduleFlush(this.o.flushMs);
  }

  private holdKey(key: string): string {
    return `${this.prefix}${key}|r`;
  }

  /** Checks the holds in Redis and, when all fit, writes the increments (consume) or the holds (reserve), in one script call. */
  private async atomic(holds: Hold[], at: number, reservation: Reservation | undefined): Promise<boolean> {
    const op = reservation ? 'reserve' : 'consume';
    if (this.closed) throw new Error('RedisStateStore is closed');
    if (this.breaker === 'open' && Date.now() < this.openUntil)
      throw new Error(`redis: cannot ${op}: the circuit is open after ${this.failures} failed calls (${this.lastError ?? 'no answer'})`);
    this.see(at);
    const amounts = heldAmounts(holds);
    const ttl = reservation ? Math.max(1, Math.ceil(reservation.expiresAt - at)) + 1000 : 0;
    const arg = {
      n: at,
      id: reservation?.id ?? '',
      t: ttl,
      h: amounts.map((a) => {
        const m = METRIC_INDEX[a.metric];
        return [this.holdKey(a.key), m, a.amount, `${m}:${a.amount}:${reservation?.expiresAt ?? 0}`];
      }),
      c: holds.map((h) => {
        const m = METRIC_INDEX[h.metric];
        const n = amounts.findIndex((a) => a.key === h.key && a.metric === h.metric);
        return [n + 1, h.limit, this.views.get(h.key)?.pending(m, h.since, at) ?? 0, this.ranges(h.key, m, h.since, at)];
      }),
      i: [] as [string, string, string][],
      e: [] as [string, number][],
    };
    if (!reservation) {
      const cells = amounts.map((a) => {
        const v: [number, number, number] = [0, 0, 0];
        v[METRIC_INDEX[a.metric]] = a.amount;
        return { key: a.key, at, v };
      });
      this.increments(cells, arg.i, arg.e);
    }
    let status: number;
    let check: number;
    try {
      [status, check] = JSON.parse(String(await this.runScript(ATOMIC_SCRIPT, JSON.stringify(arg)))) as [number, number];
    } catch (e) {
      this.failure(e);
      throw new Error(`redis: cannot ${op}: ${(e as Error)?.message ?? String(e)}`);
    }
    this.success();
    if (status === 2) {
      const key = holds[check - 1]?.key ?? '?';
      throw new Error(
        `cannot ${op}: the state of \`${key}\` in Redis holds a value that is not usage (written by something else?); repair or delete \`${this.prefix}${key}|*\``,
      );
    }
    if (status !== 1) return false;
    for (const a of amounts) {
      const view = this.view(a.key);
      const m = METRIC_INDEX[a.metric];
      if (reservation) {
        view.holds.set(`${reservation.id}:${m}`, [m, a.amount, reservation.expiresAt]);
        view.followHolds = true;
      } else for (let l = 0; l < 3; l++) view.levels[l]!.addRemote(at, m, a.amount);
    }
    return true;
  }

  /**
   * The bucket hashes and bucket-index ranges of `key`'s window [since, now] at each resolution:
   * the same split and the same edge rule (the bucket holding `since` counts whole) as KeyView.sum.
   */
  private ranges(key: string, m: number, since: number, now: number): [string, string, number, number][] {
    const until = now + 1;
    const exactFrom = now - (now % MINUTE) - HOUR;
    const minuteFrom = now - (now % HOUR) - 48 * HOUR;
    const spans: [number, number][] = [
      [Math.max(since, exactFrom), until],
      [Math.max(since, minuteFrom), Math.min(exactFrom, until)],
      [since, Math.min(minuteFrom, until)],
    ];
    const out: [string, string, number, number][] = [];
    spans.forEach(([from, to], l) => {
      if (to <= from) return;
      const L = LEVELS[l]!;
      const lo = Math.floor(from / L.size);
      const hi = Math.ceil(to / L.size);
      for (let h = Math.floor((lo * L.size) / L.hash); h <= Math.floor(((hi - 1) * L.size) / L.hash); h++)
        out.push([`${this.prefix}${key}|${L.tag}|${h}`, METRIC_CODE[m]!, lo, hi]);
    });
    return out;
  }

  /** Usage or releases not yet acknowledged by Redis. */
  private unsentWork(): boolean {
    return this.queue.length > 0 || this.open.cells.size > 0 || this.open.releases.length > 0;
  }

  private seal(): void {
    if (this.open.cells.size === 0 && this.open.releases.length === 0) return;
    this.queue.push(this.open);
    this.open = new Batch();
  }

  private scheduleFlush(delay: number): void {
    if (this.flushTimer || this.flushing || (this.closed && delay > 0)) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.flush();
    }, delay);
    this.flushTimer.unref?.();
  }

  /** Sends queued batches, one at a time, while the breaker is closed. */
  private flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = (async () => {
      await null; // so that `finally` below runs after `this.flushing` is set
      try {
        while (this.breaker === 'closed') {
          if (this.queue.length === 0) this.seal();
          const batch = this.queue[0];
          if (!batch) break;
          if (batch.seq === 0) batch.seq = ++this.seq;
          const ok = await this.run({ inc: batch, reads: [], ops: [], full: [], tails: [] });
          if (!ok) break;
        }
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  // ---- refresh ------------------------------------------------------------------------------

  private async refresh(): Promise<void> {
    if (this.refreshing || this.closed) return;
    if (this.breaker === 'open') {
      if (Date.now() < this.openUntil) return;
      this.breaker = 'half-open';
    }
    this.refreshing = true;
    try {
      const now = this.nowEstimate();
      const real = Date.now();
      const plan: Plan = { reads: [], ops: [], full: [], tails: [] };
      for (const v of this.views.values()) {
        if (v.lastRead === 0 || real - v.lastRead > this.o.idleMs || (v.metrics === 0 && !v.followHolds)) continue;
        if (!v.synced || v.needsFull || real - v.fullAt > this.o.resyncMs || now - v.syncedTo > 2 * MINUTE) {
          this.planFull(plan, v, now - Math.max(v.span, v.prevSpan), now);
        } else {
          this.planTail(plan, v, v.syncedTo - SLACK, now + SLACK);
        }
      }
      const ok = await this.run(plan);
      if (ok) {
        this.refreshes++;
        this.lastRefreshAt = Date.now();
        for (const v of this.views.values()) v.prune(now);
        // usage recorded while the breaker was open goes out now
        if (this.unsentWork()) this.scheduleFlush(0);
      }
    } finally {
      this.refreshing = false;
    }
  }

  /**
   * Reads every bucket hash of the view that overlaps [since, now] (with some slack): the
   * 1-second buckets, and for windows longer than an hour the minute and hour buckets too.
   */
  private planFull(plan: Plan, v: KeyView, since: number, now: number): void {
    const from = since - SLACK;
    const to = now + SLACK;
    const deep = now - since > HOUR;
    for (let l = 0; l < (deep ? 3 : 1); l++) {
      const L = LEVELS[l]!;
      const lo = Math.max(from, to - L.keep - L.hash);
      for (let h = Math.floor(lo / L.hash); h <= Math.floor(to / L.hash); h++) {
        plan.reads.push({ key: `${this.prefix}${v.key}|${L.tag}|${h}`, fields: 0 });
        plan.ops.push({ view: v, level: l, full: true, from: h * L.hash, to: (h + 1) * L.hash });
      }
    }
    this.planHolds(plan, v);
    plan.full.push({ view: v, from, to, deep });
  }

  private planHolds(plan: Plan, v: KeyView): void {
    if (!v.followHolds) return;
    plan.reads.push({ key: this.holdKey(v.key), fields: 0 });
    plan.ops.push({ view: v, level: -1, full: true, holds: true, from: 0, to: 0 });
  }

  /** Reads the buckets of [from, to] of the metrics the view is read for (HMGET). */
  private planTail(plan: Plan, v: KeyView, from: number, to: number): void {
    const ms: number[] = [];
    for (let m = 0; m < 3; m++) if (v.metrics & (1 << m)) ms.push(m);
    for (let l = 0; l < (v.deep ? 3 : 1); l++) {
      const L = LEVELS[l]!;
      let hash = -1;
      let fields: string[] = [];
      let specs: { start: number; m: number }[] = [];
      const push = () => {
        if (fields.length === 0) return;
        plan.reads.push({ key: `${this.prefix}${v.key}|${L.tag}|${hash}`, fields });
        plan.ops.push({ view: v, level: l, full: false, from: 0, to: 0, fields: specs });
        fields = [];
        specs = [];
      };
      for (let b = Math.floor(from / L.size); b <= Math.floor(to / L.size); b++) {
        const start = b * L.size;
        const h = Math.floor(start / L.hash);
        if (h !== hash) {
          push();
          hash = h;
        }
        for (const m of ms) {
          fields.push(`${b}${METRIC_CODE[m]}`);
          specs.push({ start, m });
        }
      }
      push();
    }
    this.planHolds(plan, v);
    plan.tails.push({ view: v, to });
  }

  // ---- talking to Redis ---------------------------------------------------------------------

  /** Runs one plan; applies its result to the view. Returns whether it succeeded; never throws. */
  private async run(plan: Plan): Promise<boolean> {
    const inc = plan.inc;
    const arg: {
      p: string;
      s: number;
      i: [string, string, string][];
      e: [string, number][];
      r: [string, string][];
      g: [string, string[] | 0][];
    } = {
      p: this.procKey,
      s: inc?.seq ?? 0,
      i: [],
      e: [],
      r: inc ? inc.releases.map((x) => [x[1], x[2]]) : [],
      g: plan.reads.map((r) => [r.key, r.fields]),
    };
    if (inc) this.increments(this.valid(inc), arg.i, arg.e);
    let reply: unknown;
    try {
      reply = await this.runScript(STATE_SCRIPT, JSON.stringify(arg));
    } catch (e) {
      this.failure(e);
      return false;
    }
    let parsed: [number, unknown, unknown];
    try {
      parsed = JSON.parse(String(reply)) as [number, unknown, unknown];
    } catch (e) {
      this.failure(e);
      return false;
    }
    this.success();
    if (inc) {
      for (const c of inc.cells.values())
        for (let l = 0; l < 3; l++) for (let m = 0; m < 3; m++) c.view.levels[l]!.confirm(c.at, m, c.v[m]!);
      for (const [key, , field] of inc.releases) {
        const v = this.views.get(key);
        v?.holds.delete(field);
        v?.releasing.delete(field);
      }
      if (this.queue[0] === inc) this.queue.shift();
      this.buffered -= inc.records;
      this.flushed += inc.records;
      if (Array.isArray(parsed[2]) && parsed[2].length > 0)
        this.report(
          new Error(
            `redis: usage not added to ${parsed[2].slice(0, 3).join(', ')}${parsed[2].length > 3 ? ', ...' : ''}: the field holds something that is not a number (written by something else?)`,
          ),
        );
    }
    const out = Array.isArray(parsed[1]) ? (parsed[1] as unknown[]) : [];
    plan.ops.forEach((op, n) => {
      this.apply(op, out[n]);
    });
    for (const f of plan.full) {
      f.view.synced = true;
      f.view.needsFull = false;
      f.view.syncedFrom = f.from;
      f.view.deep = f.deep;
      f.view.syncedTo = f.to - SLACK;
      f.view.fullAt = Date.now();
      f.view.prevSpan = f.view.span;
      f.view.span = 0;
    }
    for (const t of plan.tails) t.view.syncedTo = t.to - SLACK;
    return true;
  }

  private apply(op: ReadOp, result: unknown): void {
    const list = Array.isArray(result) ? result : [];
    if (op.holds) {
      const holds = new Map<string, [number, number, number]>();
      let bad = false;
      for (let i = 0; i + 1 < list.length; i += 2) {
        const parts = String(list[i + 1]).split(':');
        const [m, amount, exp] = parts.map(usage);
        if (parts.length !== 3 || !(m === 0 || m === 1 || m === 2) || Number.isNaN(amount) || Number.isNaN(exp)) bad = true;
        else holds.set(String(list[i]), [m, amount!, exp!]);
      }
      op.view.holds = holds;
      op.view.holdsBad = bad;
      return;
    }
    const buckets = op.view.levels[op.level]!;
    if (op.full) {
      const values = new Map<number, [number, number, number]>();
      const size = LEVELS[op.level]!.size;
      for (let i = 0; i + 1 < list.length; i += 2) {
        const f = String(list[i]);
        const m = METRIC_CODE.indexOf(f.slice(-1) as 'r');
        const start = Number(f.slice(0, -1)) * size;
        if (m < 0 || !Number.isFinite(start)) continue;
        let v = values.get(start);
        if (!v) values.set(start, (v = [0, 0, 0]));
        v[m] = usage(list[i + 1]);
      }
      buckets.replaceRemote(op.from, op.to, values);
    } else {
      op.fields!.forEach((f, i) => {
        buckets.setRemote(f.start, f.m, list[i] === null || list[i] === false ? 0 : usage(list[i]));
      });
    }
  }

  private async runScript(script: string, arg: string): Promise<unknown> {
    if (this.connecting) {
      await this.timeout(this.connecting);
      this.connecting = undefined;
    }
    const known = this.shas.get(script);
    if (known) {
      try {
        return await this.timeout(this.client.sendCommand(['EVALSHA', known, '0', arg]));
      } catch (e) {
        if (!/NOSCRIPT/.test(String((e as Error)?.message))) throw e;
        this.shas.delete(script); // the server restarted and forgot the script
      }
    }
    const sha = String(await this.timeout(this.client.sendCommand(['SCRIPT', 'LOAD', script])));
    this.shas.set(script, sha);
    return await this.timeout(this.client.sendCommand(['EVALSHA', sha, '0', arg]));
  }

  /** The bucket increments (summed per field) and hash TTLs of some cells, as the scripts take them. */
  private increments(
    cells: Iterable<{ key: string; at: number; v: [number, number, number] }>,
    i: [string, string, string][],
    e: [string, number][],
  ): void {
    const sums = new Map<string, { key: string; field: string; d: number }>();
    const ttl = new Map<string, number>();
    for (const c of cells) {
      for (let l = 0; l < 3; l++) {
        const L = LEVELS[l]!;
        const b = Math.floor(c.at / L.size);
        const key = `${this.prefix}${c.key}|${L.tag}|${Math.floor((b * L.size) / L.hash)}`;
        ttl.set(key, L.ttlSeconds);
        for (let m = 0; m < 3; m++) {
          if (c.v[m] === 0) continue;
          const field = `${b}${METRIC_CODE[m]}`;
          const id = `${key}\u0000${field}`;
          const s = sums.get(id);
          if (s) s.d += c.v[m]!;
          else sums.set(id, { key, field, d: c.v[m]! });
        }
      }
    }
    for (const s of sums.values()) i.push([s.key, s.field, String(s.d)]);
    for (const [k, t] of ttl) e.push([k, t]);
  }

  /**
   * The flush path checks what it sends like record() checks what it takes: a cell whose sums
   * are not usage (which record() makes impossible, short of a bug) is dropped and reported,
   * never sent, so one bad value cannot fail every batch after it.
   */
  private valid(batch: Batch): Cell[] {
    const out: Cell[] = [];
    for (const c of batch.cells.values()) {
      try {
        checkUsage({ keys: [c.key], requests: c.v[0], tokens: c.v[1], costUsd: c.v[2], at: c.at });
        out.push(c);
      } catch (e) {
        batch.cells.delete(`${c.at}\u0000${c.key}`);
        this.dropped++;
        this.report(e as Error);
      }
    }
    return out;
  }

  private timeout<T>(p: Promise<T>): Promise<T> {
    let t: ReturnType<typeof setTimeout> | undefined;
    return Promise.race([
      p,
      new Promise<never>((_, reject) => {
        t = setTimeout(() => reject(new Error(`redis: no answer in ${this.o.commandTimeoutMs} ms`)), this.o.commandTimeoutMs);
      }),
    ]).finally(() => clearTimeout(t));
  }

  private success(): void {
    this.failures = 0;
    if (this.breaker !== 'closed') {
      this.breaker = 'closed';
      // Redis may have lost data (a restart without persistence): re-read every window
      for (const v of this.views.values()) v.needsFull = true;
    }
  }

  private failure(e: unknown): void {
    const err = e instanceof Error ? e : new Error(String(e));
    this.errors++;
    this.failures++;
    this.lastError = err.message;
    if (this.breaker === 'half-open' || this.failures >= this.o.failures) {
      this.breaker = 'open';
      this.openUntil = Date.now() + this.o.resetMs;
    }
    this.report(err);
  }

  private report(err: Error): void {
    try {
      this.onError?.(err);
    } catch {
      /* a throwing listener must not break the store */
    }
  }

  // ---- bookkeeping ----------------------------------------------------------------------------

  private see(now: number): void {
    this.lastNowReal = Date.now();
    if (now > this.lastNow || this.lastNow - now > MINUTE) this.lastNow = now;
  }

  /** The engine's time now, extrapolated from the last time seen. */
  private nowEstimate(): number {
    return this.lastNowReal === 0 ? Date.now() : this.lastNow + (Date.now() - this.lastNowReal);
  }

  private view(key: string): KeyView {
    let v = this.views.get(key);
    if (v) {
      // keep the map in recency order (oldest first) for eviction
      this.views.delete(key);
      this.views.set(key, v);
      return v;
    }
    v = new KeyView(key);
    this.views.set(key, v);
    if (this.views.size > this.o.maxKeys) {
      const oldest = this.views.keys().next().value as string;
      this.views.delete(oldest);
    }
    return v;
  }

  stats(): RedisStateStoreStats {
    let tracked = 0;
    const real = Date.now();
    for (const v of this.views.values()) if (v.lastRead && real - v.lastRead <= this.o.idleMs) tracked++;
    return {
      breaker: this.breaker,
      buffered: this.buffered,
      releasing: this.open.releases.length + this.queue.reduce((n, b) => n + b.releases.length, 0),
      dropped: this.dropped,
      flushed: this.flushed,
      errors: this.errors,
      consecutiveFailures: this.failures,
      keys: this.views.size,
      tracked,
      refreshes: this.refreshes,
      lastRefreshAt: this.lastRefreshAt,
      lastError: this.lastError,
    };
  }

  /**
   * Sends what is buffered (waiting at most `timeoutMs`, default 5,000, for Redis), stops the
   * refresh and closes the client the store created. Usage still unsent then is counted as dropped.
   */
  async close(timeoutMs = 5000): Promise<void> {
    if (this.closed) return;
    clearInterval(this.timer);
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const deadline = Date.now() + timeoutMs;
    while (this.unsentWork() && Date.now() < deadline) {
      if (this.breaker !== 'closed') {
        this.breaker = 'closed'; // one more try each round
        this.failures = 0;
      }
      await this.flush();
      if (this.unsentWork()) await new Promise((r) => setTimeout(r, 100));
    }
    this.closed = true;
    this.dropped += this.buffered;
    this.buffered = 0;
    if (this.owned) {
      try {
        await this.timeout(this.owned.close());
      } catch {
        this.owned.destroy();
      }
    }
  }
}

/** A value read from Redis as usage: NaN for anything no usage can be (not a number, negative, infinite). */
function usage(x: unknown): number {
  if (typeof x !== 'string' || x.trim() === '') return NaN;
  const v = Number(x);
  return v >= 0 && v !== Infinity ? v : NaN;
}
