// The decision cache's store: an LRU of decisions by key (./cache.ts renders the keys), bounded
// in entries and in estimated bytes. Apart from the keys because lru-cache weighs as much as
// the rest of the deciding core, and the `/runtime` engine goes without (src/decide/source-engine.ts).

import { LRUCache } from 'lru-cache';
import { digest, prunePaths } from './cache.js';

export interface CacheStats {
  enabled: boolean;
  hits: number;
  misses: number;
  size: number;
  /** Bytes the cached keys and decisions are estimated to hold (bounded by `maxBytes`). */
  bytes: number;
  /** Inputs not cached because their key was longer than `maxKeyLength`. */
  skipped: number;
}

export interface CacheOptions {
  /** Decisions kept. */
  max: number;
  /** Estimated bytes of keys and decisions kept; the least recently used go first. Default 64 MB. */
  maxBytes?: number;
  /**
   * Characters of the longest key cached. The key renders every input field the policies read,
   * so a long prompt makes a long key; such inputs are decided afresh, not cached, and not
   * hashed either (a short hash of attacker-chosen text could be made to collide). Default 16,384.
   */
  maxKeyLength?: number;
}

export const CACHE_DEFAULTS = Object.freeze({ maxBytes: 64 * 1024 * 1024, maxKeyLength: 16_384 });

/** Decisions from the cache are shared between callers, so they are frozen. */
interface Frozen {
  readonly effect: string;
}

export class DecisionCache {
  private readonly lru: LRUCache<string, Frozen>;
  private readonly maxKeyLength: number;
  private hits = 0;
  private misses = 0;
  private skipped = 0;

  constructor(options: CacheOptions) {
    this.maxKeyLength = options.maxKeyLength ?? CACHE_DEFAULTS.maxKeyLength;
    this.lru = new LRUCache({
      max: options.max,
      maxSize: options.maxBytes ?? CACHE_DEFAULTS.maxBytes,
      sizeCalculation: (d, key) => 2 * key.length + decisionBytes(d),
    });
  }

  /** The paths a key renders, of those the policies read: without duplicates or paths under others. */
  paths(read: string[][]): string[][] {
    return prunePaths(read);
  }

  /**
   * The key of this input for this revision, or undefined for an input not to cache: one the
   * digest cannot render (a cycle, a function, a getter that throws) or whose key is too long.
   */
  key(revision: string, paths: string[][], input: unknown): string | undefined {
    let k: string | undefined;
    try {
      k = digest(revision, paths, input, this.maxKeyLength);
    } catch {
      return undefined; // a getter or Proxy threw: decide afresh, do not cache
    }
    if (k === undefined) this.skipped++;
    return k;
  }

  /** The cached decision for a key, counting the hit or the miss. */
  get<D extends object>(key: string): D | undefined {
    const hit = this.lru.get(key);
    if (hit !== undefined) this.hits++;
    else this.misses++;
    return hit as unknown as D | undefined;
  }

  /** Keeps a fresh decision, frozen, since every later hit shares it. */
  set<D extends object>(key: string, d: D): D {
    deepFreeze(d);
    this.lru.set(key, d as unknown as Frozen);
    return d;
  }

  stats(): CacheStats {
    return {
      enabled: true,
      hits: this.hits,
      misses: this.misses,
      size: this.lru.size,
      bytes: this.lru.calculatedSize,
      skipped: this.skipped,
    };
  }
}

/** A rough size of a decision: its strings twice over (UTF-16), plus a fixed cost per object. */
function decisionBytes(d: unknown): number {
  const x = d as { reasons: string[]; matched: { message?: string }[]; obligations: unknown[]; errors: { message: string }[] };
  let n = 200;
  for (const r of x.reasons) n += 40 + 2 * r.length;
  for (const m of x.matched) n += 120 + 2 * (m.message?.length ?? 0);
  for (const e of x.errors) n += 120 + 2 * e.message.length;
  n += 200 * x.obligations.length;
  return n;
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}
