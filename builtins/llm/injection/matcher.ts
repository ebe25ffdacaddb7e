// A phrase matcher over word tokens: each rule is a short pattern of word slots, matched at
// every token that can start it. Patterns are written in a tiny notation (see PhraseRule);
// matching one start is bounded by a step budget, so a scan is linear in the number of tokens
// (times the few rules indexed under each word). No regular expressions.

/** Boundary tokens: sentence ends ('.'), questions ('?') and a colon before white space (':'). */
export const BOUNDARY = new Set(['.', '?', ':']);

export interface Slot {
  /** Alternatives, each a sequence of words. '%num' matches a token of digits. '%url' a URL/e-mail-ish token. */
  alts: string[][];
  min: number;
  max: number;
  /** A gap: 0..gap arbitrary word tokens (never a boundary). */
  gap: number;
  /** A negative look-ahead: the next token must not be one of these (consumes nothing). */
  neg?: Set<string>;
  /** `alts` by first word; alternatives starting with a token class apart. */
  byFirst: Map<string, string[][]>;
  classed: string[][];
}

export interface CompiledPattern {
  slots: Slot[];
  /** Words that can start the pattern. */
  first: string[];
  /**
   * Tokens that can follow a one-word start (null: any). A cheap test that rejects most starts
   * before matching: many patterns begin with common words.
   */
  second: Set<string> | null;
  /**
   * When `second` is null: the words of the first required slot after the start, which must
   * occur within `window` tokens after the start (null: no such filter).
   */
  anchor: Set<string> | null;
  window: number;
}

export type ClassTable = Record<string, string>;

/**
 * Pattern notation, slots separated by spaces:
 *   `a|b|c`      one of the words; `a+b` is a two-word alternative ("a b")
 *   `@name`      the alternatives of class `name` (may be mixed: `@prev|current`)
 *   `x?`         optional; `x*` zero to three times
 *   `~N`         up to N arbitrary words (across a colon, not across a sentence end)
 *   `!a|b`       the next token is not one of these (end of text is fine); `!%word`: not a word,
 *                so a sentence end, a colon or the end of text follows
 *   `:`          a colon boundary token
 */
function compilePattern(src: string, set: PatternSet): CompiledPattern {
  const slots: Slot[] = [];
  const pieces = src.split(' ');
  for (let i = 0; i < pieces.length; i++) if (pieces[i] !== '') slots.push(set.slot(pieces[i]!));
  const head = slots[0];
  if (!head || head.min < 1 || head.gap > 0 || head.neg) throw new Error(`pattern must start with a required word slot: ${src}`);
  const first = [...new Set(head.alts.map((a) => a[0]!))];
  if (first.some((w) => w.startsWith('%'))) throw new Error(`pattern cannot start with a token class: ${src}`);
  const second = secondSet(slots);
  const { anchor, window } = second === null ? anchorOf(slots) : { anchor: null, window: 0 };
  return { slots, first, second, anchor, window };
}

/**
 * Patterns compiled on first use, sharing their slots. The phrase rules repeat the same pieces
 * (`@det*`, `@prev`, `@instr`) hundreds of times and a slot is read-only once built, so each
 * distinct piece is expanded and indexed once. Only the words that can start each pattern are
 * found up front (the index a scan looks candidates up in); the rest of a pattern is compiled
 * when a text first holds one of them, so the first analysis in a process compiles the few
 * rules its words reach, not all of them (and makes less garbage to collect).
 */
export class PatternSet {
  /** Word -> the patterns it can start, in order. */
  readonly index = new Map<string, number[]>();
  private readonly compiled: (CompiledPattern | undefined)[];
  private readonly slots = new Map<string, Slot>();
  private readonly expanded: Expansions = new Map();

  constructor(
    private readonly srcs: readonly string[],
    private readonly classes: ClassTable,
  ) {
    this.compiled = new Array(srcs.length).fill(undefined);
    for (let k = 0; k < srcs.length; k++) {
      const src = srcs[k]!;
      const space = src.indexOf(' ');
      const head = this.slot(space === -1 ? src : src.slice(0, space));
      const alts = head.alts;
      for (let i = 0; i < alts.length; i++) {
        const w = alts[i]![0]!;
        const list = this.index.get(w);
        if (list === undefined) this.index.set(w, [k]);
        else if (list[list.length - 1] !== k) list.push(k);
      }
    }
  }

  /** Pattern `k`, compiled on first use. */
  get(k: number): CompiledPattern {
    return (this.compiled[k] ??= compilePattern(this.srcs[k]!, this));
  }

  /** Every literal word the patterns mention (the vocabulary leetspeak decoding aims at); slots only, no pattern is compiled. */
  vocabulary(): Set<string> {
    const v = new Set<string>();
    const seen = new Set<Slot>();
    for (let k = 0; k < this.srcs.length; k++) {
      const pieces = this.srcs[k]!.split(' ');
      for (let i = 0; i < pieces.length; i++) {
        if (pieces[i] === '') continue;
        const s = this.slot(pieces[i]!);
        if (seen.has(s)) continue;
        seen.add(s);
        for (let j = 0; j < s.alts.length; j++) {
          const a = s.alts[j]!;
          for (let m = 0; m < a.length; m++) if (a[m]!.charCodeAt(0) !== 37 /* % */) v.add(a[m]!);
        }
      }
    }
    return v;
  }

  /** Compiles every pattern not compiled yet. */
  compileAll(): void {
    for (let k = 0; k < this.srcs.length; k++) this.get(k);
  }

  /** Whether pattern `k` has been compiled yet (tests). */
  isCompiled(k: number): boolean {
    return this.compiled[k] !== undefined;
  }

  slot(piece: string): Slot {
    let s = this.slots.get(piece);
    if (s === undefined) this.slots.set(piece, (s = slotOf(piece, this.classes, this.expanded)));
    return s;
  }
}

function slotOf(piece: string, classes: ClassTable, expanded: Expansions): Slot {
  if (piece.startsWith('~')) return slot([], 0, 0, Number(piece.slice(1)));
  if (piece.startsWith('!'))
    return { ...slot([], 0, 0, 0), neg: new Set(expand(piece.slice(1), classes, expanded).map((a) => a.join(' '))) };
  let body = piece;
  let min = 1;
  let max = 1;
  if (body.endsWith('?')) {
    body = body.slice(0, -1);
    min = 0;
  } else if (body.endsWith('*')) {
    body = body.slice(0, -1);
    min = 0;
    max = 3;
  }
  return slot(expand(body, classes, expanded), min, max, 0);
}

function anchorOf(slots: Slot[]): { anchor: Set<string> | null; window: number } {
  const headLen = Math.max(...slots[0]!.alts.map((a) => a.length));
  let skip = headLen - 1;
  for (let k = 1; k < slots.length; k++) {
    const s = slots[k]!;
    if (s.neg) continue;
    if (s.gap > 0) {
      skip += s.gap;
      continue;
    }
    if (s.classed.length > 0) return { anchor: null, window: 0 };
    const longest = Math.max(...s.alts.map((a) => a.length));
    if (s.min >= 1) return { anchor: new Set(s.byFirst.keys()), window: skip + 1 };
    skip += s.max * longest;
  }
  return { anchor: null, window: 0 };
}

/** Whether a token of `p.anchor` occurs within the window after `start` (true when there is no anchor). */
export function anchorPresent(p: CompiledPattern, toks: readonly string[], start: number): boolean {
  const a = p.anchor;
  if (a === null) return true;
  const end = Math.min(toks.length, start + 1 + p.window);
  for (let j = start + 1; j < end; j++) if (a.has(toks[j]!)) return true;
  return false;
}

function secondSet(slots: Slot[]): Set<string> | null {
  const head = slots[0]!;
  if (head.max > 1) return null;
  const set = new Set<string>();
  // Multi-word starts ("you are") bring their own second word.
  for (let i = 0; i < head.alts.length; i++) if (head.alts[i]!.length > 1) set.add(head.alts[i]![1]!);
  if (!head.alts.some((a) => a.length === 1)) return set;
  for (let k = 1; k < slots.length; k++) {
    const s = slots[k]!;
    if (s.gap > 0 || s.classed.length > 0) return null;
    if (s.neg) continue;
    for (const w of s.byFirst.keys()) set.add(w);
    if (s.min >= 1) return set;
  }
  return null; // everything after the first word is optional
}

function slot(alts: string[][], min: number, max: number, gap: number): Slot {
  const byFirst = new Map<string, string[][]>();
  const classed: string[][] = [];
  for (let i = 0; i < alts.length; i++) {
    const a = alts[i]!;
    if (a[0]!.startsWith('%')) classed.push(a);
    else {
      const list = byFirst.get(a[0]!);
      if (list) list.push(a);
      else byFirst.set(a[0]!, [a]);
    }
  }
  // Longer alternatives first: "system prompt" before "system".
  byFirst.forEach((list) => {
    if (list.length > 1) list.sort((x, y) => y.length - x.length);
  });
  return { alts, min, max, gap, byFirst, classed };
}

/** A class's alternatives, expanded once per compilation (they are read-only, so slots share them). */
type Expansions = Map<string, string[][]>;

function expand(body: string, classes: ClassTable, expanded: Expansions, depth = 0): string[][] {
  if (depth > 4) throw new Error(`class nesting too deep in ${body}`);
  const out: string[][] = [];
  const parts = body.split('|');
  for (let i = 0; i < parts.length; i++) {
    const alt = parts[i]!;
    if (alt.charCodeAt(0) === 64 /* @ */) {
      const name = alt.slice(1);
      let alts = expanded.get(name);
      if (alts === undefined) {
        const cls = classes[name];
        if (cls === undefined) throw new Error(`unknown class ${alt}`);
        expanded.set(name, (alts = expand(cls, classes, expanded, depth + 1)));
      }
      for (let j = 0; j < alts.length; j++) out.push(alts[j]!);
    } else if (alt !== '') {
      out.push(alt.split('+'));
    }
  }
  return out;
}

const STEP_BUDGET = 400;

function isNum(t: string): boolean {
  if (t.length === 0) return false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

const URL_WORDS = new Set([
  'http',
  'https',
  'www',
  'ftp',
  'url',
  'link',
  'webhook',
  'endpoint',
  'server',
  'pastebin',
  'ngrok',
  'requestbin',
  'domain',
]);

function wordMatches(w: string, t: string | undefined): boolean {
  if (t === undefined) return false;
  if (w.charCodeAt(0) === 37 /* % */) {
    if (BOUNDARY.has(t)) return false;
    if (w === '%num') return isNum(t);
    if (w === '%url') return URL_WORDS.has(t) || t.indexOf('@') > 0;
    return false;
  }
  return w === t;
}

// Matching state, module-level so that a match allocates nothing (matching is synchronous).
let steps = 0;
let P: CompiledPattern;
let T: readonly string[];
let N = 0;

/** Matches `p` at token `start`; the end token index (exclusive), or -1. */
export function matchAt(p: CompiledPattern, toks: readonly string[], start: number): number {
  steps = STEP_BUDGET;
  P = p;
  T = toks;
  N = toks.length;
  return slotFrom(0, start);
}

function slotFrom(k: number, pos: number): number {
  if (--steps < 0) return -1;
  if (k === P.slots.length) return pos;
  const s = P.slots[k]!;
  if (s.neg) {
    if (pos < N && (s.neg.has(T[pos]!) || (s.neg.has('%word') && !BOUNDARY.has(T[pos]!)))) return -1;
    // Multi-word negatives ("with usb"): compare the joined next two tokens as well.
    if (pos + 1 < N && s.neg.has(`${T[pos]} ${T[pos + 1]}`)) return -1;
    return slotFrom(k + 1, pos);
  }
  if (s.gap > 0) {
    for (let g = 0; g <= s.gap; g++) {
      const r = slotFrom(k + 1, pos + g);
      if (r >= 0) return r;
      // A gap may cross a colon ("run this: rm -rf"), not a sentence end.
      if (pos + g >= N) break;
      const t = T[pos + g]!;
      if (t === '.' || t === '?') break;
    }
    return -1;
  }
  return rep(s, k, 0, pos);
}

function rep(s: Slot, k: number, count: number, at: number): number {
  if (--steps < 0) return -1;
  if (count < s.max && at < N) {
    const same = s.byFirst.get(T[at]!);
    if (same !== undefined) {
      for (let a = 0; a < same.length; a++) {
        const r = tryAlt(s, k, count, at, same[a]!);
        if (r >= 0) return r;
      }
    }
    for (let a = 0; a < s.classed.length; a++) {
      const r = tryAlt(s, k, count, at, s.classed[a]!);
      if (r >= 0) return r;
    }
  }
  return count >= s.min ? slotFrom(k + 1, at) : -1;
}

function tryAlt(s: Slot, k: number, count: number, at: number, alt: string[]): number {
  for (let j = 0; j < alt.length; j++) if (!wordMatches(alt[j]!, T[at + j])) return -1;
  return rep(s, k, count + 1, at + alt.length);
}
