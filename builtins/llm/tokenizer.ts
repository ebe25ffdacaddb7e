// Token counting for llm.tokens, llm.estimateCost and llm.fitsContext.
//
// `evaluate()` is synchronous and the main entry must run on edge runtimes, so the engine gets
// its tokenizer through a small synchronous interface, installed process-wide (like the regex
// engine of builtins/regex). The default is a dependency-free estimator calibrated against
// OpenAI's o200k_base encoding (docs/llm.md gives its measured error). The exact tokenizer for
// OpenAI models, `llm-policy-engine/tiktoken` (src/adapters/tokenizers/), installs itself on
// import and falls back to the estimator for every model it has no encoding for.
//
// The installed tokenizer is a plug-in of src/util/plugins.ts, so that every copy of this
// module (the ESM and the CommonJS builds, a bundler's duplicate) sees the one installed.
//
// Counts are memoized per text in a bounded LRU keyed by the tokenizer's encoding family and
// the text itself: a system prompt shared by every request is encoded once per process, and
// a text that several rules count in one decision is encoded once.

import { LRUCache } from 'lru-cache';
import { plugin } from '../../src/lang/library.js';

/** A synchronous tokenizer. `count` gets plain text (no chat framing) and returns a count. */
export interface Tokenizer {
  /** A short name for docs and diagnostics ('estimate', 'tiktoken'). */
  readonly name: string;
  /** Number of tokens of `text` for `model` ('' when no model is known). */
  count(text: string, model: string): number;
  /**
   * The encoding a model uses ('o200k_base', 'cl100k_base', 'estimate'): models with the same
   * family share cached counts. Without it every model has its own cache entries.
   */
  family?(model: string): string;
  /** Whether counts for `model` are exact (the provider's own tokenizer) or an estimate. */
  exact?(model: string): boolean;
}

// ------------------------------------------------------------------ the estimator

/*
 * The estimator walks the text once, splitting it the way tiktoken's o200k_base pre-tokenizer
 * does (words with their leading space, digit groups of at most three, punctuation runs,
 * whitespace runs, one piece per CJK character), and charges each piece the average number of
 * o200k_base tokens that pieces of its kind and length have. The weights below were fitted on
 * English technical prose and code (the README and markdown files of this project's
 * dependencies) and checked on the hand-written, multilingual corpus in test/fixtures/tokens/;
 * docs/llm.md reports the error on that corpus.
 */

/**
 * Tokens of a Latin-script word piece of `len` letters (index: length; past the end:
 * LONG_WORD_LETTERS a token). A camelCase or PascalCase word is split into pieces at its case
 * changes first, as the o200k_base pre-tokenizer does ('getElementById': get|Element|By|Id).
 */
const WORD_TOKENS = [0, 1, 1, 1.04, 1.04, 1.07, 1.09, 1.15, 1.19, 1.34, 1.41, 1.51, 1.9, 2, 2.1, 2.2];
const LONG_WORD_LETTERS = 5;
/** Letters per token in Cyrillic words. */
const CYRILLIC_LETTERS = 3.8;
/** Letters per token in Greek words. */
const GREEK_LETTERS = 2.3;
/** Letters per token in words of other alphabetic scripts (Arabic, Hebrew, Indic, ...). */
const OTHER_SCRIPT_LETTERS = 3.2;
/** Tokens per CJK ideograph. */
const HAN_TOKENS = 0.85;
/** Tokens per kana character or hangul syllable. */
const KANA_HANGUL_TOKENS = 0.5;
/** Tokens of a run of `len` punctuation or symbol characters (past the end: PUNCT_CHARS a token). */
const PUNCT_TOKENS = [0, 1, 1.02, 1.27, 2.02, 2.71, 3.18, 3.56, 4.04, 4.52];
const PUNCT_CHARS = 2.1;
/** A single punctuation mark before a word mostly merges with it (' (foo', '.bar'). */
const PUNCT_BEFORE_WORD = 0.35;
/** Tokens per astral-plane character (emoji and the like: four UTF-8 bytes). */
const ASTRAL_TOKENS = 2;
/** Extra tokens for a word with letters outside ASCII (accents split words more often). */
const ACCENTED_WORD_EXTRA = 0.4;

enum Cls {
  Space,
  Newline,
  Latin,
  Digit,
  Cyrillic,
  Greek,
  Other, // letters of other alphabetic scripts
  Han,
  Kana, // kana and hangul
  Punct,
  Astral,
}

/** Classes of the ASCII characters, looked up rather than computed. */
const ASCII_CLASS = (() => {
  const t = new Uint8Array(128);
  for (let c = 0; c < 128; c++) {
    t[c] =
      (c >= 97 && c <= 122) || (c >= 65 && c <= 90)
        ? Cls.Latin
        : c >= 48 && c <= 57
          ? Cls.Digit
          : c === 10 || c === 13
            ? Cls.Newline
            : c === 32 || c === 9 || c < 32 || c === 127
              ? Cls.Space
              : Cls.Punct;
  }
  return t;
})();

function classOf(c: number): Cls {
  if (c < 128) return ASCII_CLASS[c]! as Cls;
  if (c >= 0xd800 && c <= 0xdbff) return Cls.Astral;
  if (c >= 0xdc00 && c <= 0xdfff) return Cls.Punct; // a lone low surrogate
  if (c === 0xa0 || (c >= 0x2000 && c <= 0x200b) || c === 0x3000) return Cls.Space;
  if (c >= 0xc0 && c <= 0x24f && c !== 0xd7 && c !== 0xf7) return Cls.Latin; // Latin-1 and Extended-A/B letters
  if (c >= 0x1e00 && c <= 0x1eff) return Cls.Latin; // Latin Extended Additional (Vietnamese)
  if (c >= 0x300 && c <= 0x36f) return Cls.Latin; // combining marks stay with their letter
  if ((c >= 0x3400 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff)) return Cls.Han;
  if ((c >= 0x3040 && c <= 0x30ff) || (c >= 0xac00 && c <= 0xd7af)) return Cls.Kana;
  if (c >= 0x400 && c <= 0x52f) return Cls.Cyrillic;
  if (c >= 0x370 && c <= 0x3ff) return Cls.Greek;
  if (c >= 0x3000 && c <= 0x303f) return Cls.Punct; // CJK punctuation
  if (c >= 0xff00 && c <= 0xffef) return Cls.Punct; // full-width forms
  if (c >= 0x370 && c <= 0x1fff) return Cls.Other; // Greek, Cyrillic, Armenian, Hebrew, Arabic, Indic, ...
  return Cls.Punct; // symbols, arrows, box drawing, ...
}

function wordPiece(len: number): number {
  return len < WORD_TOKENS.length ? WORD_TOKENS[len]! : len / LONG_WORD_LETTERS;
}

/** Estimated o200k_base tokens of `text`: linear in its length, no allocation. */
export function estimateTokens(text: string): number {
  const n = text.length;
  let total = 0;
  let i = 0;
  while (i < n) {
    const cls = classOf(text.charCodeAt(i));
    let j = i + 1;
    switch (cls) {
      case Cls.Latin: {
        // A word, with an apostrophe contraction ('s, 't, 're, ...) as part of it, charged
        // piece by piece: a new piece starts at a lower-to-upper case change, and before the
        // last capital of a run followed by a lowercase letter ('XMLParser': XML|Parser).
        let piece = 0;
        let prev = text.charCodeAt(i);
        let accented = prev > 127;
        while (j < n) {
          const c = text.charCodeAt(j);
          if (classOf(c) === Cls.Latin) {
            const upper = c >= 65 && c <= 90;
            if (upper && prev >= 97 && prev <= 122) {
              total += wordPiece(j - i - piece);
              piece = j - i;
            } else if (!upper && c >= 97 && c <= 122 && prev >= 65 && prev <= 90 && j - i - piece > 1) {
              const k = j - 1 - i; // the capital before c starts the new piece
              if (k > piece) {
                total += wordPiece(k - piece);
                piece = k;
              }
            }
            if (c > 127) accented = true;
            prev = c;
            j++;
          } else if ((c === 39 || c === 0x2019) && j + 1 < n && classOf(text.charCodeAt(j + 1)) === Cls.Latin) j++;
          else break;
        }
        total += wordPiece(j - i - piece) + (accented ? ACCENTED_WORD_EXTRA : 0);
        break;
      }
      case Cls.Digit: {
        while (j < n && classOf(text.charCodeAt(j)) === Cls.Digit) j++;
        total += Math.ceil((j - i) / 3);
        break;
      }
      case Cls.Cyrillic:
      case Cls.Greek:
      case Cls.Other: {
        while (j < n && classOf(text.charCodeAt(j)) === cls) j++;
        const per = cls === Cls.Cyrillic ? CYRILLIC_LETTERS : cls === Cls.Greek ? GREEK_LETTERS : OTHER_SCRIPT_LETTERS;
        total += Math.max(1, (j - i) / per);
        break;
      }
      case Cls.Han:
      case Cls.Kana: {
        while (j < n && classOf(text.charCodeAt(j)) === cls) j++;
        total += Math.max(1, (j - i) * (cls === Cls.Han ? HAN_TOKENS : KANA_HANGUL_TOKENS));
        break;
      }
      case Cls.Astral: {
        while (j < n && classOf(text.charCodeAt(j)) === Cls.Astral) j += 2;
        if (j > n) j = n;
        total += ((j - i) / 2) * ASTRAL_TOKENS;
        break;
      }
      case Cls.Punct: {
        while (j < n && classOf(text.charCodeAt(j)) === Cls.Punct) j++;
        const len = j - i;
        const next = j < n ? classOf(text.charCodeAt(j)) : Cls.Space;
        // Newlines right after punctuation are part of its token (';\n', '{\n').
        while (j < n && classOf(text.charCodeAt(j)) === Cls.Newline) j++;
        total +=
          len === 1 && next >= Cls.Latin && next !== Cls.Digit && next !== Cls.Punct && next !== Cls.Astral
            ? PUNCT_BEFORE_WORD
            : len < PUNCT_TOKENS.length
              ? PUNCT_TOKENS[len]!
              : len / PUNCT_CHARS;
        break;
      }
      case Cls.Space: {
        while (j < n && classOf(text.charCodeAt(j)) === Cls.Space) j++;
        // One space before a word is part of the word's token; longer runs cost one token
        // (indentation is merged), and the space before a newline or the end is its own.
        const len = j - i;
        const next = j < n ? classOf(text.charCodeAt(j)) : Cls.Newline;
        if (len > 1 || next === Cls.Newline || next === Cls.Space) total += 1;
        break;
      }
      case Cls.Newline: {
        while (j < n) {
          const k = classOf(text.charCodeAt(j));
          if (k === Cls.Newline) j++;
          else break;
        }
        total += 1;
        break;
      }
    }
    i = j;
  }
  return Math.round(total);
}

/** The default tokenizer: estimateTokens for every model. */
export const estimateTokenizer: Tokenizer = {
  name: 'estimate',
  count: (text: string) => estimateTokens(text),
  family: () => 'estimate',
  exact: () => false,
};

// ------------------------------------------------------------------ OpenAI model families

/**
 * The tiktoken encoding of an OpenAI model id, or undefined for models of other providers.
 * o200k_base: gpt-4o, gpt-4.1, gpt-4.5, gpt-5 and later, o1/o3/o4 and their snapshots and
 * fine-tunes; cl100k_base: gpt-4 (and -turbo, -32k), gpt-3.5-turbo, the text-embedding models.
 * Newer OpenAI chat models are assumed to keep o200k_base until OpenAI publishes otherwise.
 */
export function openaiEncodingFor(model: string): 'o200k_base' | 'cl100k_base' | undefined {
  let m = model.toLowerCase();
  const slash = m.lastIndexOf('/');
  if (slash >= 0) {
    const prefix = m.slice(0, slash);
    if (prefix !== 'openai' && prefix !== 'azure' && prefix !== 'models') return undefined;
    m = m.slice(slash + 1);
  }
  if (m.startsWith('ft:')) m = m.slice(3);
  if (/^(gpt-4o|gpt-4\.[15]|gpt-[5-9]|gpt-oss|chatgpt-|o[1-9](-|$)|codex-|computer-use|omni-)/.test(m)) return 'o200k_base';
  if (/^(gpt-4($|-)|gpt-3\.5|gpt-35|text-embedding-(3|ada))/.test(m)) return 'cl100k_base';
  return undefined;
}

// ------------------------------------------------------------------ installation

// A process-wide plug-in (src/util/plugins.ts): the ESM and CommonJS builds, and a bundler's
// duplicate copy, share the installed tokenizer.
const tokenizerPlugin = plugin<Tokenizer>('tokenizer', () => estimateTokenizer);

/**
 * Installs the tokenizer every llm.* function uses from now on (process-wide; empties the
 * count cache). Install it before loading policies: pure calls with constant arguments,
 * such as `llm.tokens('...')`, are evaluated once, at load.
 */
export function setTokenizer(tokenizer: Tokenizer): void {
  tokenizerPlugin.set(tokenizer);
  clearTokenCache();
}

export function getTokenizer(): Tokenizer {
  return tokenizerPlugin.get();
}

/** Changes whenever a tokenizer is installed: memoized counts from before are stale. */
export function tokenizerGeneration(): number {
  return tokenizerPlugin.generation();
}

/** Back to the estimator. */
export function resetTokenizer(): void {
  setTokenizer(estimateTokenizer);
}

// ------------------------------------------------------------------ the count cache

/** At most this many texts are cached ... */
export const TOKEN_CACHE_ENTRIES = 1024;
/** ... and at most this many characters in all. */
export const TOKEN_CACHE_CHARS = 4_000_000;
/** Texts shorter than this are counted every time: cheaper than a cache lookup. */
const CACHE_MIN_LENGTH = 48;

// text -> (family -> count); made on first use, not at import (cold starts)
let cache: LRUCache<string, Map<string, number>> | undefined;
let cacheGeneration = -1;

export function clearTokenCache(): void {
  cache?.clear();
}

/** Number of cached texts, for tests and metrics. */
export function tokenCacheSize(): number {
  return cache?.size ?? 0;
}

/** Tokens of a plain text for a model, through the installed tokenizer and the cache. */
export function countText(text: string, model: string, tokenizer: Tokenizer = getTokenizer()): number {
  if (text.length === 0) return 0;
  if (text.length < CACHE_MIN_LENGTH || text.length > TOKEN_CACHE_CHARS / 4) return tokenizer.count(text, model);
  const generation = tokenizerPlugin.generation();
  if (cacheGeneration !== generation) {
    clearTokenCache();
    cacheGeneration = generation;
  }
  const family =
    tokenizer === tokenizerPlugin.get()
      ? (tokenizer.family?.(model) ?? `model:${model}`)
      : `${tokenizer.name}:${tokenizer.family?.(model) ?? model}`;
  cache ??= new LRUCache<string, Map<string, number>>({
    max: TOKEN_CACHE_ENTRIES,
    maxSize: TOKEN_CACHE_CHARS,
    maxEntrySize: TOKEN_CACHE_CHARS / 4,
    sizeCalculation: (_, text) => text.length,
  });
  let counts = cache.get(text);
  const hit = counts?.get(family);
  if (hit !== undefined) return hit;
  const n = tokenizer.count(text, model);
  if (counts === undefined) cache.set(text, (counts = new Map()));
  counts.set(family, n);
  return n;
}
