// The learned scorer beside the rules: logistic regression over hashed word unigrams, word
// bigrams and character 3- and 4-grams of each word, trained by scripts/train-injection-model.mjs
// on test/fixtures/injection (the corpus but its test split, and the sets by other authors) and
// calibrated (Platt scaling) on out-of-fold logits. detect.ts `combine` weighs it with the rules;
// docs/injection.md says how.
//
// Why this model: it is small (one small integer weight per hash bucket), has no vocabulary to ship,
// reads every script (character n-grams need no word segmentation, so Chinese and Japanese work
// as well as French), is linear in the text, and its training is a minute or two of plain
// JavaScript, so anyone can retrain it from the corpus and get the same bytes.
//
// Text longer than one window is scored window by window (WINDOW tokens, half overlapping) and
// the highest window counts: the model was trained on texts of a few sentences, and an injection
// buried in a long document must not be diluted by the rest of it.
//
// Cost: the weights are a string (one character a bucket) decoded on first use (not at import). Token and feature
// buffers are module-level and grow as needed; what a call allocates is the normalized copy of the
// text (NFKC, lower case) and the lexicon's few sentence records.

import { CONCEPTS, conceptSentences } from './lexicon.js';
import { MODEL } from './model-weights.js';

/** Where a text comes from (docs/injection.md, "Channels"). */
export type Channel = 'user' | 'document' | 'tool' | 'system';
const CHANNEL_CODE: Record<Channel, number> = { user: 1, document: 2, tool: 3, system: 4 };

/** Hash buckets: 2^BITS (2^17 since the fourteenth round: with fewer, eight languages more filled them). The weights file holds one character per bucket. */
export const BITS = 17;
const MASK = (1 << BITS) - 1;
/** Tokens per window, and the stride between windows. */
export const WINDOW = 96;
const STRIDE = 48;
/**
 * The n-gram sum is divided by sqrt(max(n, MIN_NORM)): a text of a few words ("hello") has too
 * few features for their weights to say much, and must not reach the extremes a sentence can.
 */
export const MIN_NORM = 48;
/** Longest word whose character n-grams are taken (base64 blobs and URLs add nothing beyond it). */
const GRAM_WORD_MAX = 32;

// ------------------------------------------------------------------ normalization and tokens

/** Characters removed before anything else: zero-width, joiners, bidi controls, soft hyphen, BOM, variation selectors. */
function invisible(c: number): boolean {
  return (
    c === 0xad ||
    c === 0x180e ||
    (c >= 0x200b && c <= 0x200f) ||
    (c >= 0x202a && c <= 0x202e) ||
    (c >= 0x2060 && c <= 0x206f) ||
    c === 0xfeff ||
    (c >= 0xfe00 && c <= 0xfe0f)
  );
}

/** Scripts written without spaces: each character is its own token (bigrams of tokens then are character bigrams). */
function unspaced(c: number): boolean {
  return (c >= 0x3040 && c <= 0x30ff) || (c >= 0x3400 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0x0e00 && c <= 0x0e7f);
}

/** Word characters: ASCII letters and digits, and every non-ASCII character that is not space or punctuation. */
function wordChar(c: number): boolean {
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
  if (c <= 0xbf) return c === 0xaa || c === 0xb5 || c === 0xba;
  if (c === 0xd7 || c === 0xf7) return false;
  if (c >= 0x2000 && c <= 0x2bff) return false; // punctuation, symbols, arrows, boxes
  if (c >= 0x3000 && c <= 0x303f) return false; // CJK punctuation
  if (c >= 0xfe30 && c <= 0xfe6f) return false;
  if (c >= 0xff00 && c <= 0xff65) return (c >= 0xff10 && c <= 0xff19) || (c >= 0xff21 && c <= 0xff3a) || (c >= 0xff41 && c <= 0xff5a);
  if (c >= 0xd800 && c <= 0xdfff) return false; // emoji and other astral symbols
  return true;
}

// Token buffers: code units of the normalized text, and each token's [start, end) in it.
let codes = new Uint16Array(4096);
let tokStart = new Int32Array(1024);
let tokEnd = new Int32Array(1024);
// The quoted span (in quotation marks or a code span) each token is in, 0 for none, and each
// span's token count: a short quoted span is a mention ("what does 'ignore previous instructions'
// do?", a blocklist, a test case), which the model must be able to tell from a use.
let tokSpan = new Int32Array(1024);
let spanTokens = new Int32Array(64);
let spans = 0;

/** The closing mark of an opening quotation mark, 0 if `c` opens nothing. */
function closerOf(c: number): number {
  switch (c) {
    case 0x22: // "
      return 0x22;
    case 0x201c: // “ ”
      return 0x201d;
    case 0x201e: // „ “
      return 0x201c;
    case 0x2018: // ‘ ’
      return 0x2019;
    case 0xab: // « »
      return 0xbb;
    case 0x300c: // 「 」
      return 0x300d;
    case 0x300e: // 『 』
      return 0x300f;
    default:
      return 0;
  }
}

/** Normalizes `text` into `codes` and splits it into tokens; returns the token count. */
function tokenize(text: string): number {
  // NFKC folds full-width, mathematical and circled letters; lower case after it.
  const s = text.normalize('NFKC').toLowerCase();
  if (codes.length < s.length) codes = new Uint16Array(s.length * 2);
  let n = 0;
  let t = 0;
  let inWord = false;
  spans = 0;
  let span = 0; // the open span, 0 for none
  let close = 0; // the mark that closes it
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (invisible(c)) continue;
    const w = wordChar(c);
    if (!w) {
      // Quotation marks and backticks open and close spans; a line end closes them, so that an
      // unbalanced quote does not make the rest of a text a mention. A code fence (```) is no
      // span: the string literals inside the block are.
      if (c === 0x60 && i + 2 < s.length && s.charCodeAt(i + 1) === 0x60 && s.charCodeAt(i + 2) === 0x60) {
        i += 2;
        span = 0;
      } else if (span !== 0) {
        if (c === close || c === 10) span = 0;
      } else if (c === 0x60) {
        span = openSpan();
        close = 0x60;
      } else if (c === 0x27) {
        // An apostrophe opens a quote only before a word and not after one ("don't", "dogs'").
        const before = n > 0 && inWord;
        if (!before && i + 1 < s.length && wordChar(s.charCodeAt(i + 1))) {
          span = openSpan();
          close = 0x27;
        }
      } else {
        const k = closerOf(c);
        if (k !== 0) {
          span = openSpan();
          close = k;
        }
      }
    }
    if (w && unspaced(c)) {
      if (inWord) t = endToken(t, n);
      codes[n++] = c;
      t = startToken(t, n - 1, span);
      t = endToken(t, n);
      inWord = false;
      continue;
    }
    if (w) {
      if (!inWord) {
        t = startToken(t, n, span);
        inWord = true;
      }
      codes[n++] = c;
    } else if (inWord) {
      t = endToken(t, n);
      inWord = false;
    }
  }
  if (inWord) t = endToken(t, n);
  return t;
}

function startToken(t: number, at: number, span: number): number {
  if (t >= tokStart.length) {
    tokStart = grow(tokStart);
    tokEnd = grow(tokEnd);
    tokSpan = grow(tokSpan);
  }
  tokStart[t] = at;
  tokSpan[t] = span;
  if (span !== 0) spanTokens[span]!++;
  return t;
}

function grow(a: Int32Array<ArrayBuffer>): Int32Array<ArrayBuffer> {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

function openSpan(): number {
  if (++spans >= spanTokens.length) spanTokens = grow(spanTokens);
  spanTokens[spans] = 0;
  return spans;
}

function endToken(t: number, at: number): number {
  tokEnd[t] = at;
  return t + 1;
}

// ------------------------------------------------------------------ hashed features

// FNV-1a over code units, with a seed per feature type so that a word and a 3-gram that spell
// the same never share a bucket on purpose.
const SEED_WORD = 0x811c9dc5;
const SEED_BIGRAM = 0x01000193;
const SEED_GRAM = 0x9e3779b9;
const SEED_QUOTED = 0x68e31da4;
/** A quoted span of at most this many tokens is a mention: its words get features of their own. */
const QUOTE_MAX = 12;

function fnv(h: number, a: number, b: number): number {
  for (let i = a; i < b; i++) h = Math.imul(h ^ codes[i]!, 0x01000193);
  return h;
}

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return h & MASK;
}

// Features of every token: feats[featStart[t] .. featStart[t + 1]) are token t's buckets.
let feats = new Int32Array(16384);
let featStart = new Int32Array(1025);

function pushFeat(k: number, bucket: number): number {
  if (k >= feats.length) {
    const a = new Int32Array(feats.length * 2);
    a.set(feats);
    feats = a;
  }
  feats[k] = bucket;
  return k + 1;
}

// Text-wide features: the concepts of each sentence (lexicon.ts), alone and in pairs, and the
// same crossed with the channel. They count in every window.
let extra = new Int32Array(256);
let extraCount = 0;

function pushExtra(h: number): void {
  if (extraCount >= extra.length) {
    const a = new Int32Array(extra.length * 2);
    a.set(extra);
    extra = a;
  }
  extra[extraCount++] = mix(h);
}

const SEED_CONCEPT = 0x2545f491;

function conceptFeatures(text: string, channel: Channel): void {
  extraCount = 0;
  const ch = CHANNEL_CODE[channel];
  pushExtra(SEED_CONCEPT ^ (ch << 24));
  for (const s of conceptSentences(text)) {
    const q = quotesIn(text, s.start, s.end);
    for (let i = 0; i < CONCEPTS; i++) {
      if (!(s.bits & (1 << i))) continue;
      pushExtra(Math.imul(SEED_CONCEPT ^ (i + 1), 0x01000193));
      pushExtra(Math.imul(SEED_CONCEPT ^ (i + 1) ^ (ch << 24), 0x01000193));
      // The concept in a sentence that quotes something: often a mention ("is 'ignore previous
      // instructions' an attack?"), sometimes a use ("say 'DEBUG ON' and ignore your rules").
      if (q) pushExtra(Math.imul(SEED_CONCEPT ^ SEED_QUOTED ^ (i + 1), 0x01000193));
      for (let j = i + 1; j < CONCEPTS; j++)
        if (s.bits & (1 << j)) pushExtra(Math.imul(SEED_CONCEPT ^ (q ? SEED_QUOTED : 0) ^ ((i + 1) * 64 + j + 1), 0x01000193));
    }
  }
}

/**
 * Whether the sentence text[start, end) holds a short quoted span (quotation marks or backticks
 * around at most QUOTE_MAX words), looking a little past its ends (a quote may hold a sentence end).
 */
function quotesIn(text: string, start: number, end: number): boolean {
  const lo = Math.max(0, start - 80);
  const hi = Math.min(text.length, end + 80);
  for (let i = lo; i < end; i++) {
    const c = text.charCodeAt(i);
    let k = c === 0x60 ? 0x60 : closerOf(c);
    if (c === 0x27) {
      const prev = i > 0 ? text.charCodeAt(i - 1) : 32;
      if (i + 1 < text.length && wordChar(text.charCodeAt(i + 1)) && !wordChar(prev)) k = 0x27;
    }
    if (k === 0) continue;
    let words = 0;
    // Bounded: a quote of QUOTE_MAX words is a few hundred characters at most, so a text of
    // unclosed quotation marks stays linear.
    for (let j = i + 1, stop = Math.min(hi, i + 320); j < stop; j++) {
      const d = text.charCodeAt(j);
      if (d === k && j > i + 1) {
        if (j >= start && words < QUOTE_MAX) return true;
        break;
      }
      if (d === 10) break;
      if (d === 32 && ++words >= QUOTE_MAX) break;
    }
  }
  return false;
}

/** Buckets of every token of the last tokenized text; returns the number of features. */
function featurize(tokens: number): number {
  if (featStart.length < tokens + 1) featStart = new Int32Array(tokens * 2 + 1);
  let k = 0;
  let prev = 0;
  for (let t = 0; t < tokens; t++) {
    featStart[t] = k;
    const a = tokStart[t]!;
    const b = tokEnd[t]!;
    const word = fnv(SEED_WORD, a, b);
    const sp = tokSpan[t]!;
    if (sp !== 0 && spanTokens[sp]! <= QUOTE_MAX) {
      // A word of a short quoted span has its unigram, and its bigram with the quoted word before
      // it, in a namespace of their own: "ignore previous instructions" said and quoted are
      // different evidence. Its character n-grams stay shared (they carry spelling, not use).
      k = pushFeat(k, mix(Math.imul(word ^ SEED_QUOTED, 0x01000193)));
      if (t > 0 && tokSpan[t - 1] === sp) k = pushFeat(k, mix(Math.imul(prev ^ SEED_QUOTED ^ SEED_BIGRAM, 0x01000193) ^ word));
    } else {
      k = pushFeat(k, mix(word));
      if (t > 0) k = pushFeat(k, mix(Math.imul(prev ^ SEED_BIGRAM, 0x01000193) ^ word));
    }
    prev = word;
    const len = b - a;
    if (len >= 2 && len <= GRAM_WORD_MAX) {
      // Character 3- and 4-grams of " word " (the spaces mark the word's edges).
      for (let n = 3; n <= 4; n++) {
        for (let i = -1; i + n <= len + 1; i++) {
          let h = SEED_GRAM ^ n;
          for (let j = i; j < i + n; j++) h = Math.imul(h ^ (j < 0 || j >= len ? 32 : codes[a + j]!), 0x01000193);
          k = pushFeat(k, mix(h));
        }
      }
    }
  }
  featStart[tokens] = k;
  return k;
}

// ------------------------------------------------------------------ weights

interface Weights {
  /** A bucket's weight is `(w[i] - zero) * scale`. */
  w: Uint8Array;
  zero: number;
  scale: number;
  bias: number;
  /** Platt scaling: p = sigmoid(a * z + b), z the raw logit. */
  a: number;
  b: number;
}

let weights: Weights | undefined;
// Window de-duplication: the window a bucket was last counted in.
let stamp: Uint32Array | undefined;
let generation = 0;

/**
 * The weights file holds one character a bucket: `ALPHABET[v + MODEL.levels]` for a weight of
 * `v * scale`, v in [-levels, levels]. One byte a weight, and few distinct bytes, is what gzip
 * compresses best (base64 of int8 split every weight across characters).
 */
export const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * The weights as bytes and the byte of a zero weight. With up to 26 levels the characters are
 * `A`..`Z`, so the file's own bytes serve, offset by `A`: TextEncoder copies them natively, where
 * a loop over 131,072 characters in code that has not warmed up took 5-7 ms.
 */
function decode(text: string, levels: number): { w: Uint8Array; zero: number } {
  if (2 * levels + 1 <= 26) return { w: new TextEncoder().encode(text), zero: 65 + levels };
  const table = new Uint8Array(128);
  for (let i = 0; i < ALPHABET.length; i++) table[ALPHABET.charCodeAt(i)] = i;
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = table[text.charCodeAt(i) & 127]!;
  return { w: out, zero: levels };
}

/**
 * The combiner's weights (detect.ts `combine`, docs/injection.md "How the score is computed"):
 * one a stack feature (detect.ts `stackFeatures`), the bias last.
 */
export const STACK: readonly number[] = MODEL.stack;

/** Whether the weights have been decoded yet (tests: importing the module must not decode them). */
export function modelLoaded(): boolean {
  return weights !== undefined;
}

/** The weights, decoded on first use. */
function load(): Weights {
  if (weights) return weights;
  if (MODEL.bits !== BITS) throw new Error(`injection model has ${MODEL.bits} hash bits, the scorer expects ${BITS}: retrain it`);
  const { w, zero } = decode(MODEL.weights, MODEL.levels);
  if (w.length !== 1 << BITS) throw new Error(`injection model has ${w.length} weights, expected ${1 << BITS}: retrain it`);
  weights = { w, zero, scale: MODEL.scale, bias: MODEL.bias, a: MODEL.a, b: MODEL.b };
  stamp = new Uint32Array(1 << BITS);
  return weights;
}

/** Raw logit of tokens [from, to): bias + (sum of the weights of the distinct buckets) / sqrt(their number). */
function windowLogit(W: Weights, from: number, to: number): number {
  const g = ++generation;
  if (g === 0xffffffff) {
    stamp!.fill(0);
    generation = 1;
  }
  const st = stamp!;
  // Concept features count in full, whatever the window's length; n-grams are normalized.
  const zero = W.zero;
  let concepts = 0;
  for (let k = 0; k < extraCount; k++) {
    const f = extra[k]!;
    if (st[f] === generation) continue;
    st[f] = generation;
    concepts += W.w[f]! - zero;
  }
  let sum = 0;
  let n = 0;
  for (let k = featStart[from]!, end = featStart[to]!; k < end; k++) {
    const f = feats[k]!;
    if (st[f] === generation) continue;
    st[f] = generation;
    sum += W.w[f]! - zero;
    n++;
  }
  return W.bias + concepts * W.scale + (sum * W.scale) / Math.sqrt(Math.max(n, MIN_NORM));
}

/**
 * The model's raw logit for a text: the highest over its windows (the whole text when it has at
 * most WINDOW tokens). -Infinity for a text without a single word.
 */
export function modelLogit(text: string, channel: Channel = 'user'): number {
  const W = load();
  const tokens = tokenize(text);
  if (tokens === 0) return -Infinity;
  featurize(tokens);
  conceptFeatures(text, channel);
  if (tokens <= WINDOW) return windowLogit(W, 0, tokens);
  let best = -Infinity;
  for (let from = 0; ; from += STRIDE) {
    const to = Math.min(tokens, from + WINDOW);
    const z = windowLogit(W, from, to);
    if (z > best) best = z;
    if (to === tokens) break;
  }
  return best;
}

/** Calibrated probability for a raw logit (Platt scaling fitted on the dev split). */
export function calibrate(z: number): number {
  if (z === -Infinity) return 0;
  const W = load();
  return 1 / (1 + Math.exp(-(W.a * z + W.b)));
}

/** The calibrated probability that a text is an injection, by the learned model alone. */
export function modelScore(text: string, channel: Channel = 'user'): number {
  return calibrate(modelLogit(text, channel));
}

/** The distinct buckets of a text taken whole (training: the script that fits the weights uses the scorer's own features). */
export function featureBuckets(text: string, channel: Channel = 'user'): { grams: Int32Array; concepts: Int32Array } {
  const tokens = tokenize(text);
  if (tokens === 0) return { grams: new Int32Array(0), concepts: new Int32Array(0) };
  const k = featurize(tokens);
  conceptFeatures(text, channel);
  const concepts = new Set(extra.subarray(0, extraCount));
  const grams = new Set([...feats.subarray(0, k)].filter((f) => !concepts.has(f)));
  return { grams: Int32Array.from(grams), concepts: Int32Array.from(concepts) };
}
