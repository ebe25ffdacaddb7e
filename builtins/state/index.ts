// State functions: rate limits and budgets read from the engine's state store. They are
// declared 'state' (impure): never folded, never cached, and the compiler passes them the
// engine's host ({ state, clock, reads }) as their first argument.

import { EvaluationError } from '../../src/lang/library.js';
import { windowStart } from '../../src/lang/library.js';
import type { FunctionDecl } from '../../src/lang/library.js';

type Metric = 'requests' | 'tokens' | 'costUsd';

/** The engine's host, structurally (builtins do not import the engine). */
interface Host {
  state:
    | {
        sum(key: string, metric: Metric, since: number, now: number): number;
        reserved?(key: string, metric: Metric, now: number): number;
        stale?(): boolean;
      }
    | undefined;
  clock: () => number;
  reads: { key: string; metric: Metric; since: number; reserved?: boolean }[] | undefined;
  /** Holds `budget.reserve` asks for; the engine turns them into `reserve` obligations of the decision. */
  holds?: { key: string; amount: number; limit: number; period: string; metric: Metric }[] | undefined;
}

export { windowStart };

function store(host: Host): NonNullable<Host['state']> {
  if (!host.state)
    throw new EvaluationError('invalid_argument', 'no state store: pass `state` to the engine to use rate and budget functions');
  return host.state;
}

/**
 * A value read back from the store. No valid usage sums to NaN, an infinity or a negative
 * number, so such a value (a Redis key written by something else, a store with a bug) fails
 * the rule closed instead of comparing false against every limit.
 */
function checked(v: number, what: string, key: string): number {
  if (typeof v === 'number' && v >= 0 && v !== Infinity) return v;
  throw new EvaluationError(
    'invalid_state',
    `the state store returned \`${String(v)}\` for ${what} of \`${key.slice(0, 80)}\`: no recorded usage adds up to that; repair or delete the stored key`,
  );
}

/** The engine's now: a clock that returns NaN would make every window empty, and every limit pass. */
function clock(host: Host): number {
  const now = host.clock();
  if (typeof now === 'number' && Number.isFinite(now)) return now;
  throw new EvaluationError('invalid_state', `the engine clock returned \`${String(now)}\`, not a time: fix the \`clock\` option`);
}

function read(host: Host, key: string, metric: Metric, period: string): number {
  const now = clock(host);
  const since = windowStart(period, now);
  host.reads?.push({ key, metric, since });
  return checked(store(host).sum(key, metric, since, now), `\`${metric}\``, key);
}

/** USD open reservations hold on `key` now. */
function held(host: Host, key: string): number {
  const now = clock(host);
  host.reads?.push({ key, metric: 'costUsd', since: now, reserved: true });
  const s = store(host);
  return s.reserved ? checked(s.reserved(key, 'costUsd', now), 'the reservations', key) : 0;
}

/** A USD limit or amount a policy passes: NaN or a negative limit would make every comparison with it pass. */
function usd(v: number, what: string): number {
  if (Number.isFinite(v) && v >= 0) return v;
  throw new EvaluationError('invalid_argument', `${what} must be a finite number of USD of at least 0, got ${v}`);
}

const checkPeriod = (args: unknown[]) => {
  const p = args[1];
  if (typeof p === 'string') windowStart(p, 0);
  return undefined;
};

const example = (expr: string, result: unknown) => ({ expr, result });

export const stateLibrary: FunctionDecl[] = [
  {
    name: 'rate.count',
    category: 'state',
    description: 'Requests recorded for a key in a sliding window (`1m`, `1h`) or calendar period (`day`, `month`)',
    purity: 'state',
    overloads: [
      {
        id: 'rate_count_string_string',
        params: ['string', 'string'],
        result: 'int',
        impl: (h: Host, key: string, period: string) => BigInt(Math.round(read(h, key, 'requests', period))),
        specialize: checkPeriod,
      },
    ],
    examples: [example("rate.count('user:nobody', '1m')", 0n), example("rate.count('user:nobody', 'day') < 100", true)],
  },
  {
    name: 'rate.remaining',
    category: 'state',
    description: 'Requests still allowed for a key under a limit in a window: `limit - rate.count(key, period)`, never below 0',
    purity: 'state',
    overloads: [
      {
        id: 'rate_remaining_string_int_string',
        params: ['string', 'int', 'string'],
        result: 'int',
        impl: (h: Host, key: string, limit: bigint, period: string) => {
          const left = limit - BigInt(Math.round(read(h, key, 'requests', period)));
          return left > 0n ? left : 0n;
        },
        specialize: (a) => checkPeriod([a[0], a[2]]),
      },
    ],
    examples: [example("rate.remaining('user:nobody', 60, '1m')", 60n), example("rate.remaining('user:nobody', 0, '1h')", 0n)],
  },
  {
    name: 'budget.spent',
    category: 'state',
    description: 'USD recorded for a key in a window or calendar period (`day`, `month`, `24h`)',
    purity: 'state',
    overloads: [
      {
        id: 'budget_spent_string_string',
        params: ['string', 'string'],
        result: 'double',
        impl: (h: Host, key: string, period: string) => read(h, key, 'costUsd', period),
        specialize: checkPeriod,
      },
    ],
    examples: [example("budget.spent('team:none', 'month')", 0), example("budget.spent('team:none', '24h') < 10.0", true)],
  },
  {
    name: 'budget.tokens',
    category: 'state',
    description: 'Tokens recorded for a key in a window or calendar period',
    purity: 'state',
    overloads: [
      {
        id: 'budget_tokens_string_string',
        params: ['string', 'string'],
        result: 'int',
        impl: (h: Host, key: string, period: string) => BigInt(Math.round(read(h, key, 'tokens', period))),
        specialize: checkPeriod,
      },
    ],
    examples: [example("budget.tokens('user:nobody', 'day')", 0n), example("budget.tokens('user:nobody', '1h') + 10 > 5", true)],
  },
  {
    name: 'budget.remaining',
    category: 'state',
    description: 'USD still available for a key under a limit in a period: `limit - budget.spent(key, period)`, never below 0',
    purity: 'state',
    overloads: [
      {
        id: 'budget_remaining_string_double_string',
        params: ['string', 'double', 'string'],
        result: 'double',
        impl: (h: Host, key: string, limit: number, period: string) =>
          Math.max(0, usd(limit, 'the limit') - read(h, key, 'costUsd', period)),
        specialize: (a) => checkPeriod([a[0], a[2]]),
      },
    ],
    examples: [example("budget.remaining('team:none', 50.0, 'month')", 50), example("budget.remaining('team:none', 0.0, 'day')", 0)],
  },
  {
    name: 'budget.reserved',
    category: 'state',
    description: 'USD held for a key by open reservations (calls in flight whose cost is not known yet); budget.spent does not include it',
    purity: 'state',
    overloads: [{ id: 'budget_reserved_string', params: ['string'], result: 'double', impl: (h: Host, key: string) => held(h, key) }],
    examples: [
      example("budget.reserved('team:none')", 0),
      example("budget.spent('team:none', 'day') + budget.reserved('team:none') < 5.0", true),
    ],
  },
  {
    name: 'budget.available',
    category: 'state',
    description:
      'USD a key may still commit under a limit in a period: `limit - budget.spent(key, period) - budget.reserved(key)`, never below 0',
    purity: 'state',
    overloads: [
      {
        id: 'budget_available_string_double_string',
        params: ['string', 'double', 'string'],
        result: 'double',
        impl: (h: Host, key: string, limit: number, period: string) =>
          Math.max(0, usd(limit, 'the limit') - read(h, key, 'costUsd', period) - held(h, key)),
        specialize: (a) => checkPeriod([a[0], a[2]]),
      },
    ],
    examples: [
      example("budget.available('team:none', 50.0, 'month')", 50),
      example("budget.available('team:none', 1.0, 'day') >= 0.5", true),
    ],
  },
  {
    name: 'budget.reserve',
    category: 'state',
    description:
      "Whether `amount` USD fits in a key's budget (`spent + reserved + amount <= limit`); when it does, an allowed decision carries a `reserve` obligation and the middleware (or `engine.reserve`) holds the amount atomically before the call and settles it with the actual cost after (docs/state.md)",
    purity: 'state',
    overloads: [
      {
        id: 'budget_reserve_string_double_double_string',
        params: ['string', 'double', 'double', 'string'],
        result: 'bool',
        impl: (h: Host, key: string, amount: number, limit: number, period: string) => {
          usd(amount, 'the amount');
          usd(limit, 'the limit');
          const fits = read(h, key, 'costUsd', period) + held(h, key) + amount <= limit;
          if (fits && h.holds !== undefined) h.holds.push({ key, amount, limit, period, metric: 'costUsd' });
          return fits;
        },
        specialize: (a) => checkPeriod([a[0], a[3]]),
      },
    ],
    examples: [
      example("budget.reserve('team:none', 0.25, 1.0, 'day')", true),
      example("budget.reserve('team:none', 2.0, 1.0, 'day')", false),
      example("budget.reserve('team:none', -1.0, 1.0, 'day')", { error: 'invalid_argument' }),
    ],
  },
  {
    name: 'state.stale',
    category: 'state',
    description:
      'Whether state reads may be stale beyond the store bound (a remote store that cannot reach its server): lets a policy choose fail-open or fail-closed',
    purity: 'state',
    overloads: [{ id: 'state_stale', params: [], result: 'bool', impl: (h: Host) => h.state?.stale?.() ?? false }],
    examples: [example('state.stale()', false), example("state.stale() || rate.count('k', '1m') < 10", true)],
  },
];
