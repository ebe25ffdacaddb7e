// Exact tokenizers compared: js-tiktoken (the JavaScript port of OpenAI's tiktoken, the
// reference) and gpt-tokenizer (what llm-policy-engine/tiktoken is built on), on the
// deterministic corpus of bench/token-corpus.mjs.
//
//   node bench/tokenizers.mjs [--rounds 5] [--texts 1200]
//
// Agreement first: every text of the corpus is encoded by both, with o200k_base and
// cl100k_base, and the token ids must be identical (special-token text counted as ordinary
// text, as llm.tokens does); a single difference exits 1. Then the corpus is counted in
// interleaved rounds (js-tiktoken, gpt-tokenizer, js-tiktoken, ...) and the best round of
// each is reported with the ratio. Read ratios, not absolutes, on a shared machine.

import { performance } from 'node:perf_hooks';
import { tokenCorpus } from './token-corpus.mjs';

const arg = (name, d) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : d;
};
const ROUNDS = arg('rounds', 5);
const corpus = tokenCorpus(arg('texts', 1200));
const chars = corpus.reduce((n, t) => n + t.text.length, 0);

async function timed(f) {
  const t = performance.now();
  const v = await f();
  return [v, performance.now() - t];
}

// ------------------------------------------------------------------ load and build

const [js, jsLoad] = await timed(async () => {
  const { Tiktoken } = await import('js-tiktoken/lite');
  const o200k = (await import('js-tiktoken/ranks/o200k_base')).default;
  const cl100k = (await import('js-tiktoken/ranks/cl100k_base')).default;
  return { Tiktoken, o200k, cl100k };
});
const [gpt, gptLoad] = await timed(async () => {
  const { GptEncoding } = await import('gpt-tokenizer/GptEncoding');
  const o200k = (await import('gpt-tokenizer/bpeRanks/o200k_base')).default;
  const cl100k = (await import('gpt-tokenizer/bpeRanks/cl100k_base')).default;
  return { GptEncoding, o200k, cl100k };
});

const NO_SPECIAL = { allowedSpecial: new Set(), disallowedSpecial: new Set() };
const encoders = {};
const builds = {};
for (const enc of ['o200k_base', 'cl100k_base']) {
  const key = enc === 'o200k_base' ? 'o200k' : 'cl100k';
  const [a, ta] = await timed(() => new js.Tiktoken(js[key]));
  const [b, tb] = await timed(() => {
    const e = gpt.GptEncoding.getEncodingApi(enc, () => gpt[key]);
    e.countTokens('warm', NO_SPECIAL); // gpt-tokenizer builds its tables on first use
    return e;
  });
  encoders[enc] = { js: (s) => a.encode(s, [], []), gpt: (s) => b.encode(s, NO_SPECIAL), gptCount: (s) => b.countTokens(s, NO_SPECIAL) };
  builds[enc] = { js: ta, gpt: tb };
}

// ------------------------------------------------------------------ agreement

const kinds = new Map();
for (const t of corpus) kinds.set(t.kind, (kinds.get(t.kind) ?? 0) + 1);
let tokens = 0;
for (const [enc, e] of Object.entries(encoders)) {
  for (const { kind, text } of corpus) {
    const a = e.js(text);
    const b = e.gpt(text);
    if (a.length !== b.length || a.some((v, i) => v !== b[i]) || e.gptCount(text) !== a.length) {
      console.error(`DISAGREE ${enc} ${kind}: ${JSON.stringify(text.slice(0, 120))}: js-tiktoken ${a.length}, gpt-tokenizer ${b.length}`);
      process.exit(1);
    }
    if (enc === 'o200k_base') tokens += a.length;
  }
}
console.log(
  `agreement: ${corpus.length} texts (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}), ${chars.toLocaleString('en-US')} characters,`,
);
console.log(`  ${tokens.toLocaleString('en-US')} o200k_base tokens: identical token ids from both, with o200k_base and cl100k_base`);

// ------------------------------------------------------------------ timing

/** Best time of ROUNDS interleaved rounds over `texts`, per encoder. */
function time(texts) {
  const o = encoders.o200k_base;
  const runs = { js: (s) => o.js(s).length, gpt: o.gptCount };
  const best = { js: Number.POSITIVE_INFINITY, gpt: Number.POSITIVE_INFINITY };
  const first = {};
  for (let r = 0; r < ROUNDS; r++) {
    for (const k of ['js', 'gpt']) {
      const t = performance.now();
      for (const { text } of texts) runs[k](text);
      const ms = performance.now() - t;
      first[k] ??= ms;
      best[k] = Math.min(best[k], ms);
    }
  }
  return { best, first };
}

const us = (ms, n) => `${((ms * 1000) / n).toFixed(0)} us`;
const LONG_RUNS = new Set(['repeat', 'base64']);
const rows = [
  // the ~900-character texts first, so that their first pass is cold
  [
    '700-1,100 characters: prose, code, JSON, CJK, emoji, ...',
    corpus.filter((t) => !LONG_RUNS.has(t.kind) && t.text.length >= 700 && t.text.length <= 1100),
  ],
  ['all of prose, code, JSON, CJK, emoji, other scripts, digits, URLs, whitespace', corpus.filter((t) => !LONG_RUNS.has(t.kind))],
  ['long repeats and base64 (runs up to 900 characters without whitespace)', corpus.filter((t) => LONG_RUNS.has(t.kind))],
];
console.log(`\nNode ${process.version}, o200k_base, best of ${ROUNDS} interleaved rounds; time per text`);
console.log(
  `module load: js-tiktoken ${jsLoad.toFixed(0)} ms, gpt-tokenizer ${gptLoad.toFixed(0)} ms (both with their o200k_base and cl100k_base tables)`,
);
console.log(
  `encoder build: o200k_base ${builds.o200k_base.js.toFixed(0)} ms / ${builds.o200k_base.gpt.toFixed(0)} ms, cl100k_base ${builds.cl100k_base.js.toFixed(0)} ms / ${builds.cl100k_base.gpt.toFixed(0)} ms (js-tiktoken / gpt-tokenizer)`,
);
// gpt-tokenizer keeps a cache of merged pieces: the first pass meets every text for the first
// time (cold), later passes are warm. The texts of one round are all different.
console.log('\n| texts | n | js-tiktoken | gpt-tokenizer | faster by | first pass: js-tiktoken | gpt-tokenizer | faster by |');
console.log('|---|---|---|---|---|---|---|---|');
for (const [label, texts] of rows) {
  const { best: b, first: f } = time(texts);
  const n = texts.length;
  console.log(
    `| ${label} | ${n} | ${us(b.js, n)} | ${us(b.gpt, n)} | ${(b.js / b.gpt).toFixed(1)}x | ${us(f.js, n)} | ${us(f.gpt, n)} | ${(f.js / f.gpt).toFixed(1)}x |`,
  );
}
