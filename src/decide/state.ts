// State: rate counters and spend, read synchronously during a decision from a local view,
// written asynchronously after it (engine.record). Time always comes from the engine's clock,
// so tests control it.

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

export type Metric = 'requests' | 'tokens' | 'costUsd';

/** A key and the window a policy reads it over: what `evaluateAsync` prefetches. */
export interface StateRead {
  key: string;
  metric: Metric;
  /** Start of the window, ms since the epoch (inclusive). */
  since: number;
}

export interface StateStore {
  /** Sum of `metric` for `key` over [since, now]. Synchronous: a read of the local view. */
  sum(key: string, metric: Metric, since: number, now: number): number;
  /** Adds usage. May be asynchronous (a remote store batches it). */
  record(usage: Required<Pick<Usage, 'keys' | 'at'>> & Usage): void | Promise<void>;
  /** Makes the local view of these reads current (strict reads, see evaluateAsync). */
  prefetch?(reads: StateRead[], now: number): Promise<void>;
  /**
   * Whether reads may be stale beyond the store's bound (e.g. a remote store whose circuit
   * is open). Policies see it as `state.stale()`.
   */
  stale?(): boolean;
  close?(): Promise<void>;
}

/**
 * What state functions (builtins/state) receive as their host argument: the store, the
 * clock, and, while evaluateAsync discovers which keys a decision reads, a list to note them in.
 */
export interface StateHost {
  state: StateStore | undefined;
  clock: () => number;
  reads: StateRead[] | undefined;
}
