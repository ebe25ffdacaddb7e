// MemoryStateStore: the default state store. Runtime-neutral, synchronous, bounded.
//
// Each key keeps three series of the same usage at different resolutions, each with prefix
// sums so a window sum is two binary searches, whatever the traffic:
//   exact events   for the last hour (plus a minute of slack)
//   minute buckets for the last 48 hours
//   hour buckets   for the last 400 days
// A window is summed from the finest series that still covers each part of it. Windows of
// up to an hour are exact; calendar periods (`day`, `week`, `month`, `year`) start on an hour
// boundary and are exact too; a sliding window longer than an hour (`24h`, `7d`) may miss the
// events of the one minute (or, beyond 48 hours, the one hour) at its far edge.
//
// Memory: at most `maxKeys` keys (the least recently recorded is evicted first) and, per key,
// at most 3,660 exact events, 2,940 minute buckets and 9,624 hour buckets. The keys live in a
// Map in the order they were last written to, not in lru-cache: lru-cache allocates all
// `max` slots up front, 14 ms of a cold start for the default 100,000, and a read need not
// reorder anything (a key that is read but never recorded has nothing to lose).
//
// consume and reserve are synchronous, so each is atomic by construction: nothing else runs
// between the check and the write. Reservations lapse by the engine clock (`expiresAt`).

import {
  checkHolds,
  checkTime,
  checkUsage,
  heldAmounts,
  type HeldAmount,
  type Hold,
  type Metric,
  type RecordedUsage,
  type Reservation,
  type StateStore,
  type Usage,
} from '../../decide/state.js';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const EXACT_SPAN = HOUR + MINUTE;
const MINUTE_SPAN = 48 * HOUR + HOUR;
const HOUR_SPAN = 400 * 24 * HOUR;

/** Usage at bucket starts, with running totals; `head` skips pruned entries. */
class Series {
  private t: number[] = [];
  private cum: { requests: number[]; tokens: number[]; costUsd: number[] } = { requests: [0], tokens: [0], costUsd: [0] };
  private head = 0;
  constructor(private readonly size: number) {}

  add(at: number, requests: number, tokens: number, costUsd: number): void {
    const start = this.size > 0 ? at - (((at % this.size) + this.size) % this.size) : at;
    const n = this.t.length;
    if (n > this.head && this.t[n - 1] === start) {
      this.bump(n - 1, requests, tokens, costUsd);
      return;
    }
    if (n === this.head || this.t[n - 1]! < start) {
      this.t.push(start);
      for (const m of ['requests', 'tokens', 'costUsd'] as const) this.cum[m].push(this.cum[m][n]!);
      this.bump(n, requests, tokens, costUsd);
      return;
    }
    // Late usage (an `at` in the past): insert in order and shift the totals after it.
    const i = this.lowerBound(start);
    if (this.t[i] !== start) {
      this.t.splice(i, 0, start);
      for (const m of ['requests', 'tokens', 'costUsd'] as const) this.cum[m].splice(i + 1, 0, this.cum[m][i]!);
    }
    this.bump(i, requests, tokens, costUsd);
  }

  /** Adds to entry `i` and every running total after it. */
  private bump(i: number, requests: number, tokens: number, costUsd: number): void {
    const { cum } = this;
    for (let j = i + 1; j < cum.requests.length; j++) {
      cum.requests[j]! += requests;
      cum.tokens[j]! += tokens;
      cum.costUsd[j]! += costUsd;
    }
  }

  /** First index at or after `head` whose start is >= t. */
  private lowerBound(t: number): number {
    let lo = this.head;
    let hi = this.t.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.t[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Usage of the entries starting in [from, to). */
  sum(metric: Metric, from: number, to: number): number {
    if (to <= from) return 0;
    const c = this.cum[metric];
    return c[this.lowerBound(to)]! - c[this.lowerBound(from)]!;
  }

  /** Drops entries starting before `t`; compacts the arrays once half of them are dead. */
  prune(t: number): void {
    this.head = this.lowerBound(t);
    if (this.head > 64 && this.head * 2 > this.t.length) {
      this.t = this.t.slice(this.head);
      for (const m of ['requests', 'tokens', 'costUsd'] as const) this.cum[m] = this.cum[m].slice(this.head);
      this.head = 0;
    }
  }

  get empty(): boolean {
    return this.head >= this.t.length;
  }
}

class KeyState {
  readonly exact = new Series(0);
  readonly minutes = new Series(MINUTE);
  readonly hours = new Series(HOUR);
}

export interface MemoryStateStoreOptions {
  /** Keys kept at most; the least recently recorded go first. Default 100,000. */
  maxKeys?: number;
}

const METRIC_INDEX: Record<Metric, number> = { requests: 0, tokens: 1, costUsd: 2 };

/** Open reservations: what each holds, what each key holds in all, and their expiry times in order. */
class Holds {
  private readonly open = new Map<string, { amounts: HeldAmount[]; expiresAt: number }>();
  /** Per key: totals per metric and the number of reservations holding it (the entry goes with the last). */
  private readonly byKey = new Map<string, { v: [number, number, number]; n: number }>();
  /** Expiry times ascending; `head` skips the ones swept. */
  private queue: { at: number; id: string }[] = [];
  private head = 0;

  has(id: string): boolean {
    return this.open.has(id);
  }

  add(id: string, amounts: HeldAmount[], expiresAt: number): void {
    this.open.set(id, { amounts, expiresAt });
    for (const a of amounts) {
      let k = this.byKey.get(a.key);
      if (!k) this.byKey.set(a.key, (k = { v: [0, 0, 0], n: 0 }));
      k.v[METRIC_INDEX[a.metric]] += a.amount;
      k.n++;
    }
    // usually the latest expiry (one TTL for all): an append
    let i = this.queue.length;
    while (i > this.head && this.queue[i - 1]!.at > expiresAt) i--;
    this.queue.splice(i, 0, { at: expiresAt, id });
  }

  drop(id: string): void {
    const o = this.open.get(id);
    if (!o) return;
    this.open.delete(id);
    for (const a of o.amounts) {
      const k = this.byKey.get(a.key)!;
      if (--k.n === 0) this.byKey.delete(a.key);
      else k.v[METRIC_INDEX[a.metric]] -= a.amount;
    }
  }

  /** Drops the reservations whose time has passed. */
  sweep(now: number): void {
    const q = this.queue;
    while (this.head < q.length && q[this.head]!.at <= now) {
      const e = q[this.head++]!;
      if (this.open.get(e.id)?.expiresAt === e.at) this.drop(e.id);
    }
    if (this.head > 64 && this.head * 2 > q.length) {
      this.queue = q.slice(this.head);
      this.head = 0;
    }
  }

  held(key: string, metric: Metric): number {
    const k = this.byKey.get(key);
    // float residue of adds and drops must not read as a (tiny negative) amount
    return k ? Math.max(0, k.v[METRIC_INDEX[metric]]) : 0;
  }

  get size(): number {
    return this.open.size;
  }
}

export class MemoryStateStore implements StateStore {
  private readonly keys = new Map<string, KeyState>();
  private readonly holds = new Holds();
  private readonly maxKeys: number;

  constructor(options: MemoryStateStoreOptions = {}) {
    const max = options.maxKeys ?? 100_000;
    if (!Number.isSafeInteger(max) || max < 1)
      throw new TypeError(`invalid option: \`maxKeys\` must be a positive integer, got \`${String(max)}\``);
    this.maxKeys = max;
  }

  sum(key: string, metric: Metric, since: number, now: number): number {
    const k = this.keys.get(key);
    if (!k) return 0;
    const until = now + 1; // inclusive of `now`
    const exactFrom = now - (now % MINUTE) - HOUR; // minute-aligned
    const minuteFrom = now - (now % HOUR) - 48 * HOUR; // hour-aligned
    return (
      k.exact.sum(metric, Math.max(since, exactFrom), until) +
      k.minutes.sum(metric, Math.max(since, minuteFrom), Math.min(exactFrom, until)) +
      k.hours.sum(metric, since, Math.min(minuteFrom, until))
    );
  }

  record(usage: RecordedUsage | (Usage & { at: number })): void {
    this.add(checkUsage(usage));
  }

  private add(usage: RecordedUsage): void {
    const { requests, tokens, costUsd: cost, at } = usage;
    for (const key of new Set(usage.keys)) {
      let k = this.keys.get(key);
      if (k) this.keys.delete(key);
      else {
        k = new KeyState();
        if (this.keys.size >= this.maxKeys) this.keys.delete(this.keys.keys().next().value!);
      }
      this.keys.set(key, k); // last in the Map's order: the most recently recorded
      k.exact.add(at, requests, tokens, cost);
      k.minutes.add(at, requests, tokens, cost);
      k.hours.add(at, requests, tokens, cost);
      k.exact.prune(at - EXACT_SPAN);
      k.minutes.prune(at - MINUTE_SPAN);
      k.hours.prune(at - HOUR_SPAN);
    }
  }

  reserved(key: string, metric: Metric, now: number): number {
    this.holds.sweep(now);
    return this.holds.held(key, metric);
  }

  /** Whether every hold fits: usage in its window, plus what is held, plus the amount, within its limit. */
  private fits(holds: readonly Hold[], amounts: HeldAmount[], at: number): boolean {
    this.holds.sweep(at);
    for (const h of holds) {
      const amount = amounts.find((a) => a.key === h.key && a.metric === h.metric)!.amount;
      if (this.sum(h.key, h.metric, h.since, at) + this.holds.held(h.key, h.metric) + amount > h.limit) return false;
    }
    return true;
  }

  consume(holds: readonly Hold[], at: number): boolean {
    const amounts = heldAmounts(checkHolds(holds));
    checkTime('consume', 'at', at);
    if (!this.fits(holds, amounts, at)) return false;
    for (const a of amounts) this.add({ keys: [a.key], requests: 0, tokens: 0, costUsd: 0, at, [a.metric]: a.amount });
    return true;
  }

  reserve(reservation: Reservation, at: number): boolean {
    const { id, expiresAt } = reservation;
    const amounts = heldAmounts(checkHolds(reservation.holds));
    if (typeof id !== 'string' || id === '' || this.holds.has(id))
      throw new TypeError(`invalid reservation: \`id\` must be a new non-empty string, got \`${String(id).slice(0, 60)}\``);
    checkTime('reservation', 'expiresAt', expiresAt);
    if (!this.fits(reservation.holds, amounts, at)) return false;
    this.holds.add(id, amounts, expiresAt);
    return true;
  }

  settle(reservation: Reservation, usage: RecordedUsage | undefined): void {
    const u = usage === undefined ? undefined : checkUsage(usage);
    this.holds.drop(reservation.id);
    if (u) this.add(u);
  }

  /** Number of keys held, for stats and tests. */
  get size(): number {
    return this.keys.size;
  }

  /** Number of open reservations (expired ones are dropped at the next read or write). */
  get reservations(): number {
    return this.holds.size;
  }

  async close(): Promise<void> {
    this.keys.clear();
  }
}
