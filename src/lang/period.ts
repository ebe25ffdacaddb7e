// Windows of the state functions (`rate.count(key, '1m')`, `budget.spent(key, 'month')`) and of
// the engine's consume/reserve calls: one definition, so a policy and the host that enforces it
// mean the same span by the same string.

import { EvaluationError } from './errors.js';

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
    `invalid period \`${String(period).slice(0, 40)}\`: use a duration such as \`30s\`, \`1m\`, \`24h\`, \`7d\`, or \`day\`, \`week\`, \`month\`, \`year\``,
  );
}
