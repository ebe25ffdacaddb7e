// Pluggable classifiers (docs/injection.md, "Classifiers"): a host registers asynchronous
// detectors (a local ONNX model, a hosted guard API) with the engine; evaluateAsync finds which
// (detector, text) pairs a decision asks for, runs them before deciding, and caches each result
// per text; `injection.classifier(name, text)` then reads the result synchronously. A detector
// that fails or times out makes that read an `unavailable` error, which counts as the policy's
// `onError` says. `evaluate()` never waits: it reads what the cache has, and a text it has no
// result for is `unavailable` too.

import { EvaluationError } from '../lang/errors.js';

/** A classifier the host provides. */
export interface Detector {
  /** The name policies use: `injection.classifier('name', text)`. */
  name: string;
  /**
   * A score in [0, 1] (1: injection) for one text, or an object with a `score`. Called by
   * `evaluateAsync` only; `signal` aborts when the detector's time is up.
   */
  detect(text: string, options: { signal: AbortSignal }): Promise<number | { score: number }>;
  /** Milliseconds before a call counts as failed. Default 2000. */
  timeoutMs?: number;
}

export interface DetectorOptions {
  detectors: Detector[];
  /** Results kept (per detector and text, least recently used out). Default 1024. */
  cacheSize?: number;
}

const DEFAULT_TIMEOUT_MS = 2000;
const DEFAULT_CACHE_SIZE = 1024;
/** Characters of text the cache holds at most, all results together. */
const CACHE_CHARS = 4_000_000;

type Result = { score: number } | { error: string };

/** What the engine's host carries for `injection.classifier` (the builtin reads it structurally). */
export class DetectorHost {
  private readonly byName = new Map<string, Detector>();
  private readonly cache = new Map<string, Result>();
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly max: number;
  private chars = 0;
  /** While evaluateAsync discovers what a decision asks for: the requests not answered yet. */
  pending: { name: string; text: string }[] | undefined;
  /** Detector calls made (tests count them). */
  calls = 0;

  constructor(options: DetectorOptions) {
    for (const d of options.detectors) {
      if (typeof d?.name !== 'string' || d.name === '' || typeof d.detect !== 'function')
        throw new TypeError('a detector needs a `name` and a `detect(text, { signal })` function');
      if (this.byName.has(d.name)) throw new TypeError(`two detectors are named \`${d.name}\`: names must be unique`);
      this.byName.set(d.name, d);
    }
    this.max = options.cacheSize ?? DEFAULT_CACHE_SIZE;
  }

  /** The score of `name` for `text`, from the cache; throws the EvaluationError a policy sees otherwise. */
  read(name: string, text: string): number {
    if (!this.byName.has(name)) {
      const known = [...this.byName.keys()].map((n) => `\`${n}\``).join(', ');
      throw new EvaluationError('invalid_argument', `no classifier \`${name.slice(0, 60)}\`: the engine has ${known || 'none'}`);
    }
    const key = keyOf(name, text);
    const hit = this.cache.get(key);
    if (hit !== undefined) {
      this.cache.delete(key);
      this.cache.set(key, hit);
      if ('score' in hit) return hit.score;
      throw new EvaluationError('unavailable', `classifier \`${name}\` failed: ${hit.error}`);
    }
    this.pending?.push({ name, text });
    throw new EvaluationError(
      'unavailable',
      `classifier \`${name}\` has no result for this text: decide with evaluateAsync() so that it runs first`,
    );
  }

  /** Runs the detectors for these requests (each pair once, however many ask) and caches what they return. */
  async run(requests: readonly { name: string; text: string }[]): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const { name, text } of requests) {
      const key = keyOf(name, text);
      if (this.cache.has(key)) continue;
      let p = this.inflight.get(key);
      if (p === undefined) {
        p = this.call(this.byName.get(name)!, text, key).finally(() => this.inflight.delete(key));
        this.inflight.set(key, p);
      }
      waits.push(p);
    }
    await Promise.all(waits);
  }

  private async call(d: Detector, text: string, key: string): Promise<void> {
    this.calls++;
    const controller = new AbortController();
    const ms = d.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`timed out after ${ms} ms`));
      }, ms);
    });
    let result: Result;
    try {
      const v = await Promise.race([d.detect(text, { signal: controller.signal }), timeout]);
      const score = typeof v === 'number' ? v : v !== null && typeof v === 'object' ? (v as { score?: unknown }).score : undefined;
      result =
        typeof score === 'number' && score >= 0 && score <= 1
          ? { score }
          : { error: `it returned \`${String(typeof v === 'object' ? JSON.stringify(v) : v).slice(0, 60)}\`, not a score in [0, 1]` };
    } catch (e) {
      result = { error: e instanceof Error ? e.message : String(e) };
    } finally {
      clearTimeout(timer);
    }
    // The decision that asked reads it right after, so a result is kept even past the budget
    // until the next one comes in.
    this.cache.set(key, result);
    this.chars += key.length;
    while (this.cache.size > 1 && (this.cache.size > this.max || this.chars > CACHE_CHARS)) {
      const oldest = this.cache.keys().next().value!;
      this.chars -= oldest.length;
      this.cache.delete(oldest);
    }
  }

  /** Drops the failures, so that the next evaluateAsync asks those detectors again. */
  forgetFailures(): void {
    for (const [k, v] of this.cache) {
      if ('error' in v) {
        this.chars -= k.length;
        this.cache.delete(k);
      }
    }
  }
}

function keyOf(name: string, text: string): string {
  return `${name}\u0000${text}`;
}

/**
 * Before an asynchronous decision: decides once to find what the policies ask the classifiers
 * (`discover` runs the decision while `pending` collects), runs those, and repeats when the
 * answers lead the policies to ask about other texts (at most three rounds).
 */
export async function settleDetectors(host: DetectorHost, discover: () => void): Promise<void> {
  host.forgetFailures();
  for (let round = 0; round < 3; round++) {
    const pending: { name: string; text: string }[] = [];
    host.pending = pending;
    try {
      discover();
    } finally {
      host.pending = undefined;
    }
    if (pending.length === 0) return;
    await host.run(pending);
  }
}
