// An exact tokenizer for OpenAI models, built on gpt-tokenizer (pure JavaScript: no WASM, no
// native code, no file reads), so it runs wherever the main entry runs, edge runtimes
// included. `llm-policy-engine/tiktoken` (./index.ts) installs one with both encodings.
// gpt-tokenizer gives the same token ids as OpenAI's tiktoken (js-tiktoken, its JavaScript
// port, is the reference in the tests and in bench/tokenizers.mjs) and counts about ten
// times faster (docs/llm.md).
//
// Encoders are built lazily, on the first count that needs them, once per tokenizer (the
// rank tables are parsed then: see docs/llm.md for the time and memory this costs). Models
// without an OpenAI encoding (Anthropic, Google, Mistral, ...) are counted by the estimator.
//
// Special-token text in user content ('<|endoftext|>') is counted as ordinary text, as the
// OpenAI API treats it. A run of more than MAX_RUN characters without whitespace (base64,
// minified code) is counted in MAX_RUN-character slices: the BPE merge step is quadratic in
// the length of one pre-token (in gpt-tokenizer as in tiktoken), and a megabyte-long "word" would otherwise stall
// a decision for minutes. The count of such a run may differ from the exact one by a few
// tokens at each slice boundary.

import { GptEncoding } from 'gpt-tokenizer/GptEncoding';
import { estimateTokens, openaiEncodingFor, type Tokenizer } from '../../../builtins/llm/tokenizer.js';

export type EncodingName = 'o200k_base' | 'cl100k_base';

/** A rank table as gpt-tokenizer ships it (`gpt-tokenizer/bpeRanks/o200k_base`). */
export type BpeRanks = readonly (string | readonly number[])[];

/** Rank tables by encoding: the table itself or a function returning it (called once, on first use). */
export type TiktokenRanks = Partial<Record<EncodingName, BpeRanks | (() => BpeRanks)>>;

/** What countWithEncoder needs of an encoder: gpt-tokenizer's GptEncoding has it. */
export interface TokenCounter {
  countTokens(text: string, options: { allowedSpecial: Set<string>; disallowedSpecial: Set<string> }): number;
}

// Special-token text is ordinary text: neither allowed as a special token nor an error.
const AS_TEXT = { allowedSpecial: new Set<string>(), disallowedSpecial: new Set<string>() };

/** Longest run of non-whitespace characters encoded in one piece. */
export const MAX_RUN = 128;

function isSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9 || c === 12 || c === 11 || c === 0xa0;
}

/** Tokens of `text`, long non-whitespace runs cut into slices (see the top of this file). */
export function countWithEncoder(enc: TokenCounter, text: string): number {
  let run = 0;
  let long = false;
  for (let i = 0; i < text.length; i++) {
    if (isSpace(text.charCodeAt(i))) run = 0;
    else if (++run > MAX_RUN) {
      long = true;
      break;
    }
  }
  if (!long) return enc.countTokens(text, AS_TEXT);
  let total = 0;
  let start = 0;
  run = 0;
  for (let i = 0; i < text.length; i++) {
    if (isSpace(text.charCodeAt(i))) {
      run = 0;
      continue;
    }
    if (++run > MAX_RUN) {
      let cut = i;
      const c = text.charCodeAt(cut);
      if (c >= 0xdc00 && c <= 0xdfff) cut--; // keep a surrogate pair together
      if (cut > start) {
        total += enc.countTokens(text.slice(start, cut), AS_TEXT);
        start = cut;
      }
      run = i - cut + 1;
    }
  }
  if (start < text.length) total += enc.countTokens(text.slice(start), AS_TEXT);
  return total;
}

export interface TiktokenTokenizer extends Tokenizer {
  /** Builds every encoder now (about 0.4 s for o200k_base), so the first decision does not wait. */
  warmUp(): void;
}

/** A Tokenizer that counts OpenAI models exactly with the given rank tables. */
export function createTiktokenTokenizer(ranks: TiktokenRanks): TiktokenTokenizer {
  const encoders = new Map<EncodingName, GptEncoding>();
  const encodingOf = (model: string): EncodingName | undefined => (model === '' ? 'o200k_base' : openaiEncodingFor(model));
  function encoder(name: EncodingName): GptEncoding | undefined {
    let e = encoders.get(name);
    if (e === undefined) {
      const r = ranks[name];
      if (r === undefined) return undefined;
      const table = typeof r === 'function' ? r() : r;
      e = GptEncoding.getEncodingApi(name, () => table as (string | number[])[]);
      e.countTokens('a', AS_TEXT); // gpt-tokenizer builds its tables on first use: build them now
      encoders.set(name, e);
    }
    return e;
  }
  return {
    name: 'tiktoken',
    warmUp() {
      for (const name of Object.keys(ranks) as EncodingName[]) encoder(name);
    },
    family: (model) => {
      const name = encodingOf(model);
      return name !== undefined && ranks[name] !== undefined ? name : 'estimate';
    },
    exact: (model) => {
      const name = encodingOf(model);
      return name !== undefined && ranks[name] !== undefined;
    },
    count(text, model) {
      const name = encodingOf(model);
      const enc = name === undefined ? undefined : encoder(name);
      return enc === undefined ? estimateTokens(text) : countWithEncoder(enc, text);
    },
  };
}
