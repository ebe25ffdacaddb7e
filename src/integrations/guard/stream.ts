// Streaming responses: chunks are checked as they arrive.
//
// The text of the stream accumulates; each time `checkEvery` new characters have arrived the
// response phase is evaluated on a sliding window (the last `window` characters), so a pattern
// split across chunks, or across two checks, is still seen whole. By default chunks are held
// until a check has passed over their text, and the last `holdBack` characters stay held after
// each check, so the caller never gets text a policy denies and a secret whose start arrived
// just before a check is not let out half-way. A deny stops the stream with PolicyDeniedError
// (the upstream request is aborted); the end of the stream is checked on the whole response,
// with the provider's usage, which is then recorded.

import { detectPii, replacementFor, type PiiFinding } from '../../../builtins/llm/pii/index.js';
import type { NormalizedResponse } from '../input/types.js';
import type { GuardedCall } from './core.js';
import { redactor, type RedactSpec } from './obligations.js';
import type { StreamOptions } from './types.js';

/** How a provider module reads its stream chunks. One per stream (it accumulates). */
export interface StreamAdapter<C> {
  /** The text this chunk adds to the response ('' for none). */
  textOf(chunk: C): string;
  /** The chunk with its text replaced (redaction); a copy. */
  withText(chunk: C, text: string): C;
  /** A chunk that repeats text already streamed (a `done` or `completed` event), with that text redacted; a copy. */
  redactWhole?(chunk: C, fn: (text: string) => string): C;
  /** Sees every chunk, in order, to build the response. */
  observe(chunk: C): void;
  /** The normalized response so far, with `text` as its text. */
  response(text: string): NormalizedResponse;
  /** Chunks the caller does not get (e.g. a usage chunk the middleware asked for itself). */
  hidden?(chunk: C): boolean;
}

interface Held<C> {
  chunk: C;
  start: number;
  end: number;
}

export const STREAM_DEFAULTS = { checkEvery: 128, window: 2048, holdBack: 64 } as const;

function mergeSpec(a: RedactSpec | undefined, b: RedactSpec | undefined): RedactSpec | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  const entities = a.entities === undefined || b.entities === undefined ? undefined : [...new Set([...a.entities, ...b.entities])];
  return { entities, style: a.style };
}

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x2028 || c === 0x2029 || c === 0x3000;
}

export class StreamGuard<C> {
  private text = '';
  private readonly held: Held<C>[] = [];
  /** Text offset the last check covered. */
  private checked = 0;
  /** Text offset delivered to the caller. */
  private released = 0;
  private redact: RedactSpec | undefined;
  private settled = false;
  private readonly checkEvery: number;
  private readonly window: number;
  /** Characters held after each check; -1: pass chunks straight through. */
  private readonly hold: number;

  constructor(
    private readonly call: GuardedCall<unknown>,
    private readonly adapter: StreamAdapter<C>,
    options: StreamOptions = {},
  ) {
    this.checkEvery = Math.max(1, Math.floor(options.checkEvery ?? STREAM_DEFAULTS.checkEvery));
    this.window = Math.max(this.checkEvery + 64, Math.floor(options.window ?? STREAM_DEFAULTS.window));
    const h = options.holdBack ?? true;
    this.hold = h === false ? -1 : h === true ? STREAM_DEFAULTS.holdBack : Math.max(0, Math.floor(h));
  }

  /** Characters of text delivered so far. */
  get delivered(): number {
    return this.released;
  }

  /** Adds a chunk; returns the chunks that may go to the caller now. Throws PolicyDeniedError on deny. */
  push(chunk: C): C[] {
    this.adapter.observe(chunk);
    const t = this.adapter.textOf(chunk);
    const start = this.text.length;
    this.text += t;
    if (!this.adapter.hidden?.(chunk)) this.held.push({ chunk, start, end: this.text.length });
    if (this.text.length - this.checked >= this.checkEvery) {
      // the last `window` characters, and never less than all the new text plus the overlap
      // (a chunk larger than the window is checked whole)
      const overlap = this.window - this.checkEvery;
      const from = Math.max(0, Math.min(this.text.length - this.window, this.checked - overlap));
      this.redact = mergeSpec(this.redact, this.call.checkPartial(this.adapter.response(this.text.slice(from)), this.released));
      this.checked = this.text.length;
    }
    return this.release(false);
  }

  /**
   * The end of the stream: the response phase on the whole response (usage recorded), then the
   * chunks still held. Throws PolicyDeniedError on deny.
   */
  async finish(): Promise<C[]> {
    this.settled = true;
    const spec = await this.call.after(this.adapter.response(this.text), this.released);
    this.redact = mergeSpec(this.redact, spec);
    this.checked = this.text.length;
    return this.release(true);
  }

  /** The stream ended early (a deny, an error, or the caller stopped reading): record what is known. */
  async abandon(): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    await this.call.record(this.adapter.response(this.text), this.text);
  }

  private findings(limitFrom: number, to: number): PiiFinding[] {
    const spec = this.redact!;
    const from = Math.max(0, limitFrom - 256);
    const types = spec.entities === undefined ? undefined : new Set(spec.entities);
    const out: PiiFinding[] = [];
    for (const f of detectPii(this.text.slice(from, to))) {
      if (types !== undefined && !types.has(f.type)) continue;
      if (f.end + from <= this.released) continue;
      out.push({ ...f, start: f.start + from, end: f.end + from });
    }
    return out;
  }

  private rewrite(start: number, end: number, findings: PiiFinding[]): string {
    const style = this.redact!.style;
    let out = '';
    let i = start;
    for (const f of findings) {
      if (f.end <= start || f.start >= end) continue;
      out += this.text.slice(i, Math.max(f.start, start));
      if (f.start >= start) out += replacementFor(f, style);
      i = Math.min(f.end, end);
    }
    return out + this.text.slice(i, end);
  }

  private release(final: boolean): C[] {
    const out: C[] = [];
    if (this.hold < 0) {
      // pass-through: everything goes at once, as it came
      for (const h of this.held) {
        out.push(h.chunk);
        this.released = h.end;
      }
      this.held.length = 0;
      return out;
    }
    let limit = final ? this.text.length : Math.max(this.released, this.checked - this.hold);
    if (!final && limit > this.released) {
      // End at a word boundary, so an email, key or token whose end is still to come stays
      // whole. A long run without whitespace (CJK text, a blob) goes out at the limit.
      let boundary = -1;
      for (let i = limit - 1; i >= this.released; i--) {
        if (isSpace(this.text.charCodeAt(i))) {
          boundary = i + 1;
          break;
        }
      }
      if (boundary >= 0) limit = boundary;
      else if (limit - this.released < Math.max(256, 4 * this.hold)) limit = this.released;
    }
    let findings: PiiFinding[] = [];
    if (this.redact !== undefined && this.held.length > 0) {
      findings = this.findings(this.released, final ? this.text.length : this.checked);
      if (!final) {
        // never release part of an entity: stop before the first one that crosses the limit
        for (const f of findings) if (f.start < limit && f.end > limit) limit = Math.max(this.released, Math.min(limit, f.start));
      }
    }
    const whole = this.redact !== undefined ? redactor(this.redact) : undefined;
    while (this.held.length > 0) {
      const h = this.held[0]!;
      if (h.end > limit) break;
      this.held.shift();
      let chunk = h.chunk;
      if (this.redact !== undefined) {
        if (h.end > h.start) {
          const t = this.rewrite(h.start, h.end, findings);
          if (t !== this.text.slice(h.start, h.end)) chunk = this.adapter.withText(chunk, t);
        } else if (this.adapter.redactWhole && whole) chunk = this.adapter.redactWhole(chunk, whole);
      }
      this.released = h.end;
      out.push(chunk);
    }
    return out;
  }
}

/**
 * Iterates `source` through a StreamGuard: yields what the guard releases, checks the end, and
 * records usage however the iteration ends. Leaving the loop (a deny, or the caller's `break`)
 * calls the source's `return()`, which aborts the provider request in the SDKs.
 */
export async function* guardIterable<C>(source: AsyncIterable<C>, guard: StreamGuard<C>): AsyncGenerator<C, void, undefined> {
  try {
    for await (const chunk of source) {
      for (const out of guard.push(chunk)) yield out;
    }
    for (const out of await guard.finish()) yield out;
  } finally {
    await guard.abandon();
  }
}
