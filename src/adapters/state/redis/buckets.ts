// The local view of one state key at one resolution: buckets (start times ascending) holding
// what Redis said the bucket holds (`remote`) plus this process's usage that Redis has not
// acknowledged yet (`unsent`). Window sums read running totals that are recomputed lazily
// from the lowest bucket changed since the last read, so the usual update (the newest bucket)
// costs O(1) and a sum costs two binary searches.
//
// A value read from Redis that no usage can produce (not a number, negative, infinite: a key
// written by something else) is kept as a mark, not as a number: a window sum that covers a
// marked bucket is NaN, which the state functions turn into a fail-closed error, and sums of
// windows that do not cover it stay exact.

import type { Metric } from '../../../decide/state.js';

export const METRIC_INDEX: Record<Metric, number> = { requests: 0, tokens: 1, costUsd: 2 };
/** Field suffix of each metric in Redis. */
export const METRIC_CODE = ['r', 't', 'c'] as const;

type Triple = [number[], number[], number[]];

/** Rounds away the float residue that `x + d - d` can leave. */
function tidy(x: number): number {
  return Math.abs(x) < 1e-9 ? 0 : x;
}

export class Buckets {
  private t: number[] = [];
  private remote: Triple = [[], [], []];
  private unsent: Triple = [[], [], []];
  /** cum[m][i] = total of buckets before i; valid up to index `valid`. */
  private cum: Triple = [[0], [0], [0]];
  private valid = 0;
  /** Buckets whose remote value could not be read as usage, per metric (rare: usually empty). */
  private bad: { start: number; m: number }[] = [];

  constructor(readonly size: number) {}

  /** Start of the bucket holding time `at`. */
  start(at: number): number {
    return at - (((at % this.size) + this.size) % this.size);
  }

  /** First index whose start is >= s. */
  private lowerBound(s: number): number {
    const t = this.t;
    let lo = 0;
    let hi = t.length;
    if (hi > 0 && t[hi - 1]! < s) return hi;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (t[mid]! < s) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the bucket starting at `s`, inserted (empty) when missing. */
  private slot(s: number): number {
    const n = this.t.length;
    if (n > 0 && this.t[n - 1] === s) return n - 1;
    const i = this.lowerBound(s);
    if (this.t[i] !== s) {
      this.t.splice(i, 0, s);
      for (let m = 0; m < 3; m++) {
        this.remote[m]!.splice(i, 0, 0);
        this.unsent[m]!.splice(i, 0, 0);
        this.cum[m]!.splice(i + 1, 0, 0);
      }
    }
    if (i < this.valid) this.valid = i;
    return i;
  }

  /** Usage of this process not yet acknowledged by Redis. */
  addUnsent(at: number, m: number, delta: number): void {
    if (delta === 0) return;
    const i = this.slot(this.start(at));
    this.unsent[m]![i] = tidy(this.unsent[m]![i]! + delta);
    if (i < this.valid) this.valid = i;
  }

  /** Redis acknowledged `delta` of unsent usage: it moves to the remote value. */
  confirm(at: number, m: number, delta: number): void {
    if (delta === 0) return;
    const i = this.slot(this.start(at));
    this.unsent[m]![i] = tidy(this.unsent[m]![i]! - delta);
    this.remote[m]![i] = tidy(this.remote[m]![i]! + delta);
    if (i < this.valid) this.valid = i;
  }

  /** This process added `delta` to Redis directly (an atomic consume): it is remote usage at once. */
  addRemote(at: number, m: number, delta: number): void {
    if (delta === 0) return;
    const i = this.slot(this.start(at));
    this.remote[m]![i] = tidy(this.remote[m]![i]! + delta);
    if (i < this.valid) this.valid = i;
  }

  private mark(start: number, m: number, corrupt: boolean): void {
    const i = this.bad.findIndex((b) => b.start === start && b.m === m);
    if (corrupt && i < 0) this.bad.push({ start, m });
    else if (!corrupt && i >= 0) this.bad.splice(i, 1);
  }

  /** Redis said the bucket starting at `start` holds `value` (NaN: something that is not usage). */
  setRemote(start: number, m: number, value: number): void {
    const corrupt = !(value >= 0 && value !== Infinity);
    if (corrupt || this.bad.length > 0) this.mark(start, m, corrupt);
    if (corrupt) value = 0;
    const n = this.t.length;
    let i = n > 0 && this.t[n - 1] === start ? n - 1 : this.lowerBound(start);
    if (this.t[i] !== start) {
      if (value === 0) return;
      i = this.slot(start);
    }
    if (this.remote[m]![i] !== value) {
      this.remote[m]![i] = value;
      if (i < this.valid) this.valid = i;
    }
  }

  /** Redis's whole content for [from, to): every bucket in the range takes its value from `values` (absent: 0). */
  replaceRemote(from: number, to: number, values: Map<number, [number, number, number]>): void {
    if (this.bad.length > 0) this.bad = this.bad.filter((b) => b.start < from || b.start >= to || values.has(b.start));
    for (let i = this.lowerBound(from); i < this.t.length && this.t[i]! < to; i++) {
      if (values.has(this.t[i]!)) continue;
      for (let m = 0; m < 3; m++) this.remote[m]![i] = 0;
      if (i < this.valid) this.valid = i;
    }
    for (const [s, v] of values) {
      if (s < from || s >= to) continue;
      for (let m = 0; m < 3; m++) this.setRemote(s, m, v[m]!);
    }
  }

  /** Usage of the buckets overlapping [from, to): the bucket holding `from` counts whole. */
  sum(m: number, from: number, to: number): number {
    if (to <= from) return 0;
    if (this.bad.length > 0) {
      const s = this.start(from);
      for (const b of this.bad) if (b.m === m && b.start >= s && b.start < to) return NaN;
    }
    const a = this.lowerBound(this.start(from));
    const b = this.lowerBound(to);
    if (b <= a) return 0;
    if (this.valid < b) this.recompute(b);
    const c = this.cum[m]!;
    return tidy(c[b]! - c[a]!);
  }

  /** This process's usage not yet acknowledged by Redis in the buckets overlapping [from, to). */
  pending(m: number, from: number, to: number): number {
    let s = 0;
    const u = this.unsent[m]!;
    for (let i = this.lowerBound(this.start(from)); i < this.t.length && this.t[i]! < to; i++) s += u[i]!;
    return s;
  }

  private recompute(upto: number): void {
    for (let m = 0; m < 3; m++) {
      const c = this.cum[m]!;
      const r = this.remote[m]!;
      const u = this.unsent[m]!;
      for (let i = this.valid; i < upto; i++) c[i + 1] = c[i]! + r[i]! + u[i]!;
    }
    this.valid = upto;
  }

  /** Drops buckets that start before `before` and hold no unsent usage at the front. */
  prune(before: number): void {
    let k = 0;
    while (k < this.t.length && this.t[k]! < before && this.unsent[0]![k] === 0 && this.unsent[1]![k] === 0 && this.unsent[2]![k] === 0)
      k++;
    if (k === 0 || (k < 64 && k * 2 < this.t.length)) return;
    if (this.bad.length > 0) this.bad = this.bad.filter((b) => b.start > this.t[k - 1]!);
    this.t = this.t.slice(k);
    for (let m = 0; m < 3; m++) {
      this.remote[m] = this.remote[m]!.slice(k);
      this.unsent[m] = this.unsent[m]!.slice(k);
    }
    this.cum = [[0], [0], [0]];
    this.valid = 0;
    for (let m = 0; m < 3; m++) this.cum[m]!.length = this.t.length + 1;
  }

  get length(): number {
    return this.t.length;
  }
}
