// Regular expressions with RE2 semantics (linear time, no backtracking).
//
// The engine is pluggable: the runtime-neutral default is re2js (pure JavaScript), with the
// patterns a static check proves linear-time dispatched to V8's RegExp (./dispatch.ts); a
// Node-only entry can install the native `re2` addon with `setRegexEngine`. Every builtin
// compiles through `compileRegex`, which keeps a bounded LRU cache of compiled patterns so
// that a pattern arriving in input data is compiled once, not on every decision. Patterns
// that are constants in a policy are compiled once at load time (see `specialize` in the
// `matches` declaration) and never touch the cache on the hot path.

import { LRUCache } from 'lru-cache';
import { RE2JS } from 're2js';
import { EvaluationError } from '../../src/lang/library.js';
import { plugin } from '../../src/lang/library.js';
import { dispatching } from './dispatch.js';

export { dispatching };

export interface RegexFlags {
  /** Case-insensitive matching, as the `(?i)` flag. */
  ignoreCase?: boolean;
}

/** One match; offsets are in UTF-16 code units of the searched string. */
export interface RegexMatch {
  /** Start offset of the whole match. */
  index: number;
  /** End offset (exclusive) of the whole match. */
  end: number;
  /** The whole match at [0], then each capture group (undefined when it took no part). */
  groups: (string | undefined)[];
}

export interface CompiledRegex {
  readonly source: string;
  /** Whether the pattern matches anywhere in `s` (search, not full match). */
  test(s: string): boolean;
  /** The leftmost match, or null. */
  exec(s: string): RegexMatch | null;
  /** Every non-overlapping match, left to right, at most `limit` of them. */
  matchAll(s: string, limit?: number): RegexMatch[];
  /**
   * Number of capturing groups, when the engine can tell without matching (the regex
   * functions check `regex.extract` patterns and replacement strings against it at load).
   */
  readonly groupCount?: number;
}

export interface RegexEngine {
  readonly name: string;
  /**
   * Compiles an RE2 pattern. Throws for an invalid pattern; the error's message is the
   * reason (a `RegexSyntaxError` is preferred, any Error is accepted).
   */
  compile(source: string, flags?: RegexFlags): CompiledRegex;
}

export class RegexSyntaxError extends Error {
  constructor(
    readonly source: string,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'RegexSyntaxError';
  }
}

// ------------------------------------------------------------------ re2js engine

class Re2jsRegex implements CompiledRegex {
  constructor(
    readonly source: string,
    private readonly re: RE2JS,
  ) {}

  get groupCount(): number {
    return this.re.groupCount();
  }

  test(s: string): boolean {
    return this.re.test(s);
  }

  exec(s: string): RegexMatch | null {
    const m = this.re.exec(s) as (RegExpExecArray & { index: number }) | null;
    return m === null ? null : toMatch(m);
  }

  matchAll(s: string, limit = Number.POSITIVE_INFINITY): RegexMatch[] {
    const out: RegexMatch[] = [];
    if (limit <= 0) return out;
    for (const m of this.re.matchAll(s)) {
      out.push(toMatch(m as RegExpExecArray));
      if (out.length >= limit) break;
    }
    return out;
  }
}

function toMatch(m: RegExpMatchArray): RegexMatch {
  const index = m.index ?? 0;
  return { index, end: index + m[0]!.length, groups: Array.from(m) };
}

/** The default engine: re2js, pure JavaScript, safe in every runtime. */
export const re2jsEngine: RegexEngine = {
  name: 're2js',
  compile(source: string, flags?: RegexFlags): CompiledRegex {
    let re: RE2JS;
    try {
      re = RE2JS.compile(source, flags?.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
    } catch (e) {
      throw new RegexSyntaxError(source, reasonOf(e));
    }
    return new Re2jsRegex(source, re);
  },
};

function reasonOf(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/^error parsing regexp:\s*/, '');
}

// ------------------------------------------------------------------ engine selection and cache

/** How many compiled patterns the cache keeps per flag set (least recently used are dropped) ... */
export const REGEX_CACHE_SIZE = 500;
/** ... and at most this many pattern characters in all (a compiled pattern grows with its source). */
export const REGEX_CACHE_CHARS = 1_000_000;

/**
 * The default engine: RE2 syntax and results, with the patterns proven linear-time run on
 * V8's RegExp and the rest on re2js (./dispatch.ts).
 */
export const defaultRegexEngine: RegexEngine = dispatching(re2jsEngine);

// The engine is a process-wide plug-in (src/util/plugins.ts), so `llm-policy-engine/node`
// installing re2 in one module copy (ESM or CommonJS) reaches the others.
const regexPlugin = plugin<RegexEngine>('regex', () => defaultRegexEngine);

const newCache = () =>
  new LRUCache<string, CompiledRegex>({
    max: REGEX_CACHE_SIZE,
    maxSize: REGEX_CACHE_CHARS,
    sizeCalculation: (_, source) => source.length + 1,
  });
// made on first compile, not at import (cold starts)
let cache: LRUCache<string, CompiledRegex> | undefined;
let cacheIgnoreCase: LRUCache<string, CompiledRegex> | undefined;
let cacheGeneration = regexPlugin.generation();

/** Replaces the engine used for patterns compiled from now on, process-wide (and empties the cache). */
export function setRegexEngine(next: RegexEngine): void {
  regexPlugin.set(next);
  clearRegexCache();
}

export function getRegexEngine(): RegexEngine {
  return regexPlugin.get();
}

export function clearRegexCache(): void {
  cache?.clear();
  cacheIgnoreCase?.clear();
  cacheGeneration = regexPlugin.generation();
}

/** Number of cached patterns (both flag sets), for tests and metrics. */
export function regexCacheSize(): number {
  return (cache?.size ?? 0) + (cacheIgnoreCase?.size ?? 0);
}

/**
 * Compiles a pattern with the current engine, through the cache. An invalid pattern throws
 * EvaluationError('invalid_argument', "invalid regular expression `...`: <reason>").
 */
export function compileRegex(source: string, flags?: RegexFlags): CompiledRegex {
  if (cacheGeneration !== regexPlugin.generation()) clearRegexCache();
  const map = flags?.ignoreCase ? (cacheIgnoreCase ??= newCache()) : (cache ??= newCache());
  const hit = map.get(source);
  if (hit !== undefined) return hit;
  let re: CompiledRegex;
  try {
    re = regexPlugin.get().compile(source, flags);
  } catch (e) {
    const reason = e instanceof RegexSyntaxError ? e.reason : reasonOf(e);
    throw new EvaluationError('invalid_argument', `invalid regular expression \`${source}\`: ${reason}`);
  }
  map.set(source, re);
  return re;
}

/** `matches` semantics: RE2 search (a match anywhere in `s`). */
export function regexMatches(s: string, pattern: string): boolean {
  return compileRegex(pattern).test(s);
}
