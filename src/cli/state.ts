// Usage records for the state store (`rate.*`, `budget.*`): the `state:` lists of test files
// and the `--state <file>` of eval and bench.

import type { StateStore, Usage } from '../entries/index.js';
import { MemoryStateStore } from '../entries/index.js';
import { checkAmount } from '../decide/state.js';
import { durationMs, parseTime } from '../testing/index.js';
import { CliError, type CliIssue } from './io.js';

/** One usage record as written in a file. */
export interface UsageSpec {
  keys: string[];
  requests?: number;
  tokens?: number;
  costUsd?: number;
  /** RFC 3339; default: the decision's `now`. */
  at?: string;
  /** A duration before `now` (`30s`, `5m`, `2h`, `1d`), instead of `at`. */
  ago?: string;
}

const USAGE_KEYS = ['keys', 'requests', 'tokens', 'costUsd', 'at', 'ago'];
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;

type Path = (string | number)[];
export type UsageProblem = (p: Path, message: string, hint?: string, onKey?: boolean) => void;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks a `state:` list; problems are reported at their paths. */
export function checkUsages(v: unknown, p: Path, problem: UsageProblem): void {
  if (!Array.isArray(v)) {
    problem(p, '`state` must be a list of usage records', 'e.g. `state: [{ keys: [user:u1], requests: 5, ago: 10m }]`');
    return;
  }
  v.forEach((u: unknown, i) => {
    const at: Path = [...p, i];
    if (!isObject(u)) {
      problem(at, 'a usage record must be a mapping such as `{ keys: [user:u1], requests: 5 }`');
      return;
    }
    for (const k of Object.keys(u))
      if (!USAGE_KEYS.includes(k))
        problem([...at, k], `unknown field \`${k}\` in a usage record`, `allowed: ${USAGE_KEYS.map((x) => `\`${x}\``).join(', ')}`, true);
    if (!Array.isArray(u.keys) || u.keys.length === 0 || u.keys.some((k) => typeof k !== 'string' || k === '')) {
      problem(
        u.keys === undefined ? at : [...at, 'keys'],
        '`keys` must be a non-empty list of state keys',
        'e.g. `keys: [user:u1, team:t9]`',
      );
    }
    // the same check as every store's (a count that is not whole would fail there, later)
    for (const m of ['requests', 'tokens', 'costUsd']) {
      if (u[m] === undefined) continue;
      try {
        checkAmount('usage', m, u[m], m !== 'costUsd');
      } catch (e) {
        problem([...at, m], (e as Error).message.replace(/^invalid usage: /, ''));
      }
    }
    if (u.at !== undefined && u.ago !== undefined) problem([...at, 'ago'], 'give `at` or `ago`, not both', undefined, true);
    if (u.at !== undefined) {
      try {
        if (typeof u.at !== 'string') throw new TypeError('');
        parseTime(u.at);
      } catch {
        problem([...at, 'at'], `\`at\` must be an RFC 3339 time, got \`${String(u.at)}\``, 'e.g. `at: 2025-01-31T09:00:00Z`');
      }
    }
    if (u.ago !== undefined && (typeof u.ago !== 'string' || !DURATION.test(u.ago))) {
      problem([...at, 'ago'], `\`ago\` must be a duration such as \`30s\`, \`5m\`, \`2h\` or \`1d\`, got \`${String(u.ago)}\``);
    }
  });
}

/** The record as the store takes it, `at` resolved against `now`. */
export function toUsage(u: UsageSpec, now: number): Usage & { at: number } {
  const out: Usage & { at: number } = {
    keys: u.keys,
    at: u.at !== undefined ? parseTime(u.at) : u.ago !== undefined ? now - durationMs(u.ago) : now,
  };
  if (u.requests !== undefined) out.requests = u.requests;
  if (u.tokens !== undefined) out.tokens = u.tokens;
  if (u.costUsd !== undefined) out.costUsd = u.costUsd;
  return out;
}

/** A fresh memory store holding these records. */
export function storeWith(usages: UsageSpec[], now: number): MemoryStateStore {
  const store = new MemoryStateStore();
  for (const u of usages) store.record(toUsage(u, now));
  return store;
}

/** The records of a `--state` file (a list, or `{ state: [...] }`), checked. */
export function usagesFrom(data: unknown, file: string): UsageSpec[] {
  const list = isObject(data) && 'state' in data ? data.state : data;
  const issues: CliIssue[] = [];
  checkUsages(list, [], (p, message, hint) => {
    const where = p.length
      ? ` (at ${p
          .map((x) => (typeof x === 'number' ? `[${x}]` : `.${x}`))
          .join('')
          .replace(/^\./, '')})`
      : '';
    issues.push({ code: 'input', message: `${message}${where}`, file, ...(hint ? { hint } : {}) });
  });
  if (issues.length) throw new CliError(`bad usage records in \`${file}\``, issues);
  return list as UsageSpec[];
}

/**
 * A store whose contents can be replaced between decisions (each test case starts from its
 * own records) while the engine keeps the one store it was built with.
 */
export class SwappableStore implements StateStore {
  current: StateStore = new MemoryStateStore();
  sum(key: string, metric: Parameters<StateStore['sum']>[1], since: number, now: number): number {
    return this.current.sum(key, metric, since, now);
  }
  record(usage: Parameters<StateStore['record']>[0]): void | Promise<void> {
    return this.current.record(usage);
  }
  stale(): boolean {
    return this.current.stale?.() ?? false;
  }
  reserved(key: string, metric: Parameters<StateStore['sum']>[1], now: number): number {
    return this.current.reserved?.(key, metric, now) ?? 0;
  }
}
