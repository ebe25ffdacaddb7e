// State functions: rate limits and budgets read from the engine's state store. They are
// declared 'state' (impure): never folded, never cached, and the compiler passes them the
// engine's host ({ state, clock, reads }) as their first argument.

import { EvaluationError } from '../../src/lang/library.js';
import type { FunctionDecl } from '../../src/lang/library.js';

type Metric = 'requests' | 'tokens' | 'costUsd';

/** The engine's host, structurally (builtins do not import the engine). */
interface Host {
  state: { sum(key: string, metric: Metric, since: number, now: number): number; stale?(): boolean } | undefined;
  clock: () => number;
  reads: { key: string; metric: Metric; since: number }[] | undefined;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * Start of a window ending at `now`: a sliding duration (`'30s'`, `'1m'`, `'24h'`, `'7d'`)
 * or a calendar period in UTC (`'minute'`, `'hour'`, `'day'`, `'week'` from Monday, `'month'`,
 * `'year'`).
 */
export function windowStart(period: string, now: number): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(period);
  if (m) return now - Number(m[1]) * UNIT_MS[m[2]!]!;
  const d = new Date(now);
  switch (period) {
    case 'minute':
      return now - (now % 60_000);
    case 'hour':
      return now - (now % 3_600_000);
    case 'day':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
    case 'week':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
    case 'month':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    case 'year':
      return Date.UTC(d.getUTCFullYear(), 0, 1);
  }
  throw new EvaluationError(
    'invalid_argument',
    `invalid period \`${period.slice(0, 40)}\`: use a duration such as \`30s\`, \`1m\`, \`24h\`, \`7d\`, or \`day\`, \`week\`, \`month\`, \`year\``,
  );
}

function read(host: Host, key: string, metric: Metric, period: string): number {
  const now = host.clock();
  const since = windowStart(period, now);
  host.reads?.push({ key, metric, since });
  if (!host.state)
    throw new EvaluationError('invalid_argument', 'no state store: pass `state` to the engine to use rate and budget functions');
  return host.state.sum(key, metric, since, now);
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
        impl: (h: Host, key: string, limit: number, period: string) => Math.max(0, limit - read(h, key, 'costUsd', period)),
        specialize: (a) => checkPeriod([a[0], a[2]]),
      },
    ],
    examples: [example("budget.remaining('team:none', 50.0, 'month')", 50), example("budget.remaining('team:none', 0.0, 'day')", 0)],
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
