// State: rate counters and spend, read synchronously during a decision from a local view,
// written asynchronously after it (engine.record), or checked and written in one atomic step
// (engine.consume, engine.reserve). Time always comes from the engine's clock, so tests control
// it. docs/state.md describes the model; this file holds the contract every store implements
// and the one validation every write goes through.

import { windowStart } from '../lang/period.js';

/** What one LLM call (or any counted event) used. */
export interface Usage {
  /** Keys the usage counts against, e.g. `['user:u1', 'team:t9']`. */
  keys: string[];
  /** Requests (default 1). */
  requests?: number;
  tokens?: number;
  costUsd?: number;
  /** Milliseconds since the epoch; default: the engine clock. */
  at?: number;
}

/** A usage as stores receive it: checked by checkUsage, every amount present. */
export interface RecordedUsage {
  keys: string[];
  requests: number;
  tokens: number;
  costUsd: number;
  at: number;
}

export type Metric = 'requests' | 'tokens' | 'costUsd';

export const METRICS: readonly Metric[] = ['requests', 'tokens', 'costUsd'];

/** A key and the window a policy reads it over: what `evaluateAsync` prefetches. */
export interface StateRead {
  key: string;
  metric: Metric;
  /** Start of the window, ms since the epoch (inclusive). */
  since: number;
  /** The read also needs the key's open reservations (`budget.reserved`, `budget.available`, `budget.reserve`). */
  reserved?: boolean;
}

/**
 * One limit checked in an atomic consume or reserve: the key's usage of `metric` in
 * [since, now], plus what open reservations hold on it, plus `amount`, must not exceed `limit`.
 */
export interface Hold {
  key: string;
  metric: Metric;
  /** Added (consume) or held (reserve) on the key when every hold of the call fits. */
  amount: number;
  limit: number;
  /** Start of the window, ms since the epoch (engine time). */
  since: number;
}

/** Budget held for a call in flight until it is settled, released, or `expiresAt` passes. */
export interface Reservation {
  readonly id: string;
  readonly holds: readonly Hold[];
  /** Engine time after which the holds no longer count (a process that died never settles). */
  readonly expiresAt: number;
}

export interface StateStore {
  /** Sum of `metric` for `key` over [since, now]. Synchronous: a read of the local view. */
  sum(key: string, metric: Metric, since: number, now: number): number;
  /**
   * Adds usage. May be asynchronous (a remote store batches it). Throws a TypeError, writing
   * nothing, for a usage that checkUsage rejects (stores are public: they check it themselves).
   */
  record(usage: RecordedUsage | (Usage & { at: number })): void | Promise<void>;
  /** Makes the local view of these reads current (strict reads, see evaluateAsync). */
  prefetch?(reads: StateRead[], now: number): Promise<void>;
  /**
   * Whether reads may be stale beyond the store's bound (e.g. a remote store whose circuit
   * is open). Policies see it as `state.stale()`.
   */
  stale?(): boolean;
  /**
   * Checks every hold and, only when all fit, adds each key's amount as usage at `at`, in one
   * atomic step. Returns whether it did.
   */
  consume?(holds: readonly Hold[], at: number): boolean | Promise<boolean>;
  /** Checks every hold and, only when all fit, holds each key's amount until the reservation is settled, released or expires. */
  reserve?(reservation: Reservation, at: number): boolean | Promise<boolean>;
  /**
   * Drops the reservation's holds and records `usage` (when given) in one atomic step;
   * without usage it is a release. Settling twice, or after expiry, drops nothing more.
   */
  settle?(reservation: Reservation, usage: RecordedUsage | undefined): void | Promise<void>;
  /** What open reservations hold on `key` now. Synchronous, like `sum`. */
  reserved?(key: string, metric: Metric, now: number): number;
  close?(): Promise<void>;
}

/** A reservation's holds, one amount per key and metric (the largest asked for it). */
export interface HeldAmount {
  key: string;
  metric: Metric;
  amount: number;
}

/**
 * What a consume or reservation adds per key and metric: several holds on one key (a daily and
 * a monthly limit, say) share one amount, the largest, so the key is not charged twice.
 */
export function heldAmounts(holds: readonly Hold[]): HeldAmount[] {
  const by = new Map<string, HeldAmount>();
  for (const h of holds) {
    const id = `${h.metric}\u0000${h.key}`;
    const cur = by.get(id);
    if (!cur) by.set(id, { key: h.key, metric: h.metric, amount: h.amount });
    else if (h.amount > cur.amount) cur.amount = h.amount;
  }
  return [...by.values()];
}

/**
 * What state functions (builtins/state) receive as their host argument: the store, the
 * clock, while evaluateAsync discovers which keys a decision reads a list to note them in,
 * and the holds `budget.reserve` asks for during a decision (they become `reserve` obligations).
 */
export interface StateHost {
  state: StateStore | undefined;
  clock: () => number;
  reads: StateRead[] | undefined;
  holds?: ReserveSpec[] | undefined;
}

/** A limit as the engine's consume and reserve take it (and as a `reserve` obligation carries it). */
export interface ReserveSpec {
  key: string;
  /** Added (consume, default 1) or held (reserve). */
  amount?: number;
  limit: number;
  /** The window the limit covers: `'1m'`, `'24h'`, `'day'`, `'month'`, ... (see docs/state.md). */
  period: string;
  /** Default `requests` for consume, `costUsd` for reserve. */
  metric?: Metric;
}

// ---------------------------------------------------------------------------- validation

/** Amounts above this lose integer precision in a float64 sum, and sums of them could overflow to Infinity. */
export const MAX_AMOUNT = Number.MAX_SAFE_INTEGER;
/** The range of a JavaScript Date. */
const MAX_TIME = 8.64e15;

/** A value as an error message shows it, in backticks. */
export function shown(v: unknown): string {
  let s: string;
  if (typeof v === 'string') s = JSON.stringify(v);
  else if (
    typeof v === 'number' ||
    typeof v === 'bigint' ||
    typeof v === 'boolean' ||
    v === undefined ||
    v === null ||
    typeof v === 'symbol'
  )
    s = String(v);
  else {
    try {
      s = JSON.stringify(v) ?? String(v);
    } catch {
      s = Object.prototype.toString.call(v);
    }
  }
  return `\`${s.length > 60 ? `${s.slice(0, 57)}...` : s}\``;
}

function fail(what: string, field: string, v: unknown, rule: string, hint: string): never {
  throw new TypeError(`invalid ${what}: \`${field}\` must be ${rule}, got ${shown(v)}; ${hint}`);
}

/** An amount: a finite number in [0, MAX_AMOUNT], a whole one when `whole`. */
export function checkAmount(what: string, field: string, v: unknown, whole: boolean): number {
  const rule = whole ? `a whole number from 0 to ${MAX_AMOUNT}` : `a finite number from 0 to ${MAX_AMOUNT}`;
  const hint =
    field === 'costUsd' || field === 'amount'
      ? 'leave it out when the cost cannot be computed (an unknown model, a missing `usage`)'
      : 'pass a count';
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_AMOUNT || (whole && !Number.isInteger(v)))
    fail(what, field, v, rule, hint);
  return v === 0 ? 0 : v; // -0 reads as 0
}

function checkKeys(what: string, keys: unknown): string[] {
  if (!Array.isArray(keys) || keys.length === 0)
    fail(what, 'keys', keys, 'a non-empty list of keys', "name what the usage counts against, e.g. `['user:u1']`");
  for (const k of keys) if (typeof k !== 'string' || k === '') fail(what, 'keys', keys, 'a list of non-empty strings', 'e.g. `user:u1`');
  return keys as string[];
}

/** A time: finite ms since the epoch, within a Date's range. */
export function checkTime(what: string, field: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || Math.abs(v) > MAX_TIME)
    fail(what, field, v, 'a time in ms since the epoch', 'leave it out for the engine clock');
  return v;
}

/**
 * Checks a usage before anything is written and returns it with every amount present. Throws a
 * TypeError naming the field and the value: NaN, infinities, negative or fractional counts,
 * strings, an empty key list. Every write path runs it: engine.record, each store's record,
 * settle, and the Redis store's flush.
 */
export function checkUsage(usage: unknown, defaultAt?: number): RecordedUsage {
  if (usage === null || typeof usage !== 'object') fail('usage', 'usage', usage, 'an object', 'e.g. `{ keys: [...], costUsd: 0.01 }`');
  const u = usage as Record<string, unknown>;
  return {
    keys: checkKeys('usage', u.keys),
    requests: u.requests === undefined ? 1 : checkAmount('usage', 'requests', u.requests, true),
    tokens: u.tokens === undefined ? 0 : checkAmount('usage', 'tokens', u.tokens, true),
    costUsd: u.costUsd === undefined ? 0 : checkAmount('usage', 'costUsd', u.costUsd, false),
    at: u.at === undefined && defaultAt !== undefined ? checkTime('usage', 'at', defaultAt) : checkTime('usage', 'at', u.at),
  };
}

const METRIC_SET = new Set<unknown>(METRICS);

/** Checks the holds of a consume or reservation (stores call it too: they are public). */
export function checkHolds(holds: unknown): Hold[] {
  if (!Array.isArray(holds) || holds.length === 0) fail('limit', 'holds', holds, 'a non-empty list', 'give at least one key and limit');
  for (const h of holds) {
    if (h === null || typeof h !== 'object') fail('limit', 'holds', h, 'an object', 'e.g. `{ key, amount, limit, period }`');
    const x = h as Record<string, unknown>;
    if (typeof x.key !== 'string' || x.key === '') fail('limit', 'key', x.key, 'a non-empty string', 'e.g. `user:u1`');
    if (!METRIC_SET.has(x.metric)) fail('limit', 'metric', x.metric, '`requests`, `tokens` or `costUsd`', 'or leave it out');
    const whole = x.metric !== 'costUsd';
    checkAmount('limit', 'amount', x.amount, whole);
    checkAmount('limit', 'limit', x.limit, false);
    checkTime('limit', 'since', x.since);
  }
  return holds as Hold[];
}

/** How long a reservation holds when the caller names no TTL: longer than a slow streamed call. */
export const DEFAULT_RESERVATION_TTL_MS = 600_000;

/** A random reservation id, unique across processes that share a store. */
export function reservationId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}-${Math.random().toString(36).slice(2)}`;
}

/** Engine-level limits (a period, defaults) as the holds a store checks. */
export function toHolds(limits: ReserveSpec | ReserveSpec[], at: number, metric: Metric): Hold[] {
  const list = Array.isArray(limits) ? limits : [limits];
  const holds = list.map((l): Hold => {
    if (l === null || typeof l !== 'object')
      throw new TypeError(`invalid limit: expected \`{ key, amount, limit, period }\`, got ${shown(l)}`);
    const m = l.metric ?? metric;
    let since: number;
    try {
      since = windowStart(l.period, at);
    } catch {
      throw new TypeError(
        `invalid limit: \`period\` must be a duration such as \`1m\` or \`24h\`, or \`day\`, \`week\`, \`month\`, \`year\`, got ${shown(l.period)}`,
      );
    }
    const amount = l.amount === undefined && metric === 'requests' ? 1 : checkAmount('limit', 'amount', l.amount, m !== 'costUsd');
    return { key: l.key, metric: m, amount, limit: l.limit, since };
  });
  return checkHolds(holds);
}
