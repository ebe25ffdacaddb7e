// llm.tokens: the estimator's error on the hand-written corpus, exact counts with the
// tiktoken adapter (gpt-tokenizer, checked against js-tiktoken, the JavaScript port of OpenAI's
// tiktoken; the chat format's framing included), the count cache, and the bound on
// pathological input.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { GptEncoding } from 'gpt-tokenizer/GptEncoding';
import cl100k_base from 'gpt-tokenizer/bpeRanks/cl100k_base';
import o200k_base from 'gpt-tokenizer/bpeRanks/o200k_base';
import { Tiktoken } from 'js-tiktoken/lite';
import jsCl100k from 'js-tiktoken/ranks/cl100k_base';
import jsO200k from 'js-tiktoken/ranks/o200k_base';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import {
  clearTokenCache,
  countText,
  estimateTokenizer,
  estimateTokens,
  getTokenizer,
  openaiEncodingFor,
  resetTokenizer,
  setTokenizer,
  tokenCacheSize,
  type Tokenizer,
} from '../../builtins/llm/index.js';
import { countWithEncoder, createTiktokenTokenizer, MAX_RUN, type TokenCounter } from '../../src/adapters/tokenizers/tiktoken.js';
import { compileExpression } from '../../src/entries/index.js';
import { tokenCorpus } from '../../bench/token-corpus.mjs';

const corpus = JSON.parse(readFileSync(resolve(__dirname, '../fixtures/tokens/corpus.json'), 'utf8')) as {
  samples: { id: string; kind: string; lang: string; text: string }[];
};
// the reference: js-tiktoken
const o200k = new Tiktoken(jsO200k);
const cl100k = new Tiktoken(jsCl100k);
const exact = (enc: Tiktoken, s: string) => enc.encode(s, [], []).length;
// what the adapter encodes with
const gptO200k = GptEncoding.getEncodingApi('o200k_base', () => o200k_base);

const tokens = (expr: string, bindings: Record<string, unknown> = {}) => compileExpression(expr).evaluate(bindings);

afterEach(() => resetTokenizer());

describe('the estimator', () => {
  test('empty and tiny texts', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('a')).toBe(1);
    expect(estimateTokens('Hello world')).toBe(2);
    expect(estimateTokens('\n')).toBe(1);
  });

  test('error against o200k_base on the corpus stays within the documented bounds', () => {
    let actual = 0;
    let estimated = 0;
    const errors: number[] = [];
    for (const s of corpus.samples) {
      const a = exact(o200k, s.text);
      const e = estimateTokens(s.text);
      actual += a;
      estimated += e;
      errors.push(Math.abs(e - a) / a);
      // every sample within 20% (docs/llm.md: max 11.3% at the time of writing)
      expect(Math.abs(e - a) / a, s.id).toBeLessThanOrEqual(0.2);
    }
    const mae = errors.reduce((x, y) => x + y, 0) / errors.length;
    expect(Math.abs(estimated - actual) / actual).toBeLessThan(0.03); // aggregate: +0.46% documented
    expect(mae).toBeLessThan(0.07); // mean absolute error: 4.8% documented
  });

  test('is linear: every character is read a bounded number of times (counted, not timed)', () => {
    // estimateTokens reads its text through length and charCodeAt only: a stand-in that counts
    // the reads shows the work per character, for runs that would be quadratic in a naive scan.
    const reads = (text: string) => {
      let n = 0;
      const counted = {
        length: text.length,
        charCodeAt: (i: number) => {
          n++;
          return text.charCodeAt(i);
        },
      } as unknown as string;
      expect(estimateTokens(counted)).toBe(estimateTokens(text));
      return n;
    };
    for (const text of [
      'a'.repeat(200_000),
      'aB'.repeat(100_000),
      ' '.repeat(200_000),
      '!'.repeat(200_000),
      "it's ".repeat(40_000),
      '1'.repeat(200_000),
      '日本'.repeat(100_000),
      '😀'.repeat(100_000),
      '\n'.repeat(200_000),
    ])
      expect(reads(text) / text.length, JSON.stringify(text.slice(0, 4))).toBeLessThanOrEqual(4);
    expect(estimateTokens('a'.repeat(1_000_000))).toBeGreaterThan(150_000);
  });

  test('splits camelCase words at case changes like the o200k pre-tokenizer', () => {
    expect(estimateTokens('getElementById')).toBe(4);
    expect(estimateTokens('XMLHttpRequest')).toBeGreaterThanOrEqual(3);
  });
});

describe('OpenAI model families', () => {
  test.each([
    ['gpt-4o', 'o200k_base'],
    ['gpt-4o-mini-2024-07-18', 'o200k_base'],
    ['gpt-4.1-nano', 'o200k_base'],
    ['gpt-5.5', 'o200k_base'],
    ['o3-mini', 'o200k_base'],
    ['o1', 'o200k_base'],
    ['openai/gpt-5', 'o200k_base'],
    ['ft:gpt-4o-mini-2024-07-18:acme::abc', 'o200k_base'],
    ['gpt-4', 'cl100k_base'],
    ['gpt-4-turbo-2024-04-09', 'cl100k_base'],
    ['gpt-3.5-turbo', 'cl100k_base'],
    ['text-embedding-3-small', 'cl100k_base'],
    ['claude-sonnet-4-5', undefined],
    ['gemini-2.5-pro', undefined],
    ['anthropic/claude-opus-4-1', undefined],
    ['omni', undefined],
  ])('%s -> %s', (model, enc) => {
    expect(openaiEncodingFor(model)).toBe(enc);
  });
});

describe('exact counts with the tiktoken adapter', () => {
  const tk = createTiktokenTokenizer({ o200k_base, cl100k_base });
  beforeAll(() => setTokenizer(tk));
  afterAll(() => resetTokenizer());

  test('hand-verified counts', () => {
    setTokenizer(tk);
    // Counts from OpenAI's cookbook ("How to count tokens with tiktoken").
    expect(tk.count('Hello world', 'gpt-4o')).toBe(2);
    expect(tk.count('tiktoken is great!', 'gpt-4')).toBe(6);
    expect(tk.count('tiktoken is great!', 'gpt-3.5-turbo')).toBe(6);
    expect(tk.count('<|endoftext|>', 'gpt-4o')).toBeGreaterThan(1); // special-token text is plain text
    expect(tk.exact!('gpt-4o')).toBe(true);
    expect(tk.exact!('claude-haiku-4-5')).toBe(false);
  });

  test('1,000+ generated texts (code, CJK, emoji, repeats, whitespace runs, ...) count as js-tiktoken counts them', () => {
    const texts = tokenCorpus(1300);
    const hasLongRun = (t: string) => new RegExp(`[^\\s\\u00a0]{${MAX_RUN + 1}}`).test(t);
    let compared = 0;
    for (const { kind, text } of texts) {
      // a run longer than MAX_RUN is counted in slices (the next test): the bench compares those whole
      if (hasLongRun(text)) continue;
      compared++;
      for (const [model, ref] of [
        ['gpt-4o', o200k],
        ['gpt-4', cl100k],
      ] as const) {
        expect(tk.count(text, model), `${kind} ${model}: ${JSON.stringify(text.slice(0, 60))}`).toBe(exact(ref, text));
      }
    }
    expect(compared).toBeGreaterThanOrEqual(1000);
  });

  test('every corpus text counts exactly as js-tiktoken encodes it, through llm.tokens', () => {
    setTokenizer(tk);
    for (const s of corpus.samples) {
      expect(tokens('llm.tokens(t, "gpt-4o")', { t: s.text }), s.id).toBe(BigInt(exact(o200k, s.text)));
      expect(tokens('llm.tokens(t, "gpt-4-0613")', { t: s.text }), s.id).toBe(BigInt(exact(cl100k, s.text)));
    }
  });

  test('chat framing: 3 tokens a message, role and content, 1 more with a name, 3 for the reply', () => {
    setTokenizer(tk);
    // The cookbook's example conversation: 129 prompt tokens for gpt-4o / gpt-4 family models
    // with this message list (as reported by the API in the cookbook).
    const messages = [
      { role: 'system', content: 'You are a helpful, pattern-following assistant that translates corporate jargon into plain English.' },
      { role: 'system', name: 'example_user', content: 'New synergies will help drive top-line growth.' },
      { role: 'system', name: 'example_assistant', content: 'Things working well together will increase revenue.' },
      {
        role: 'system',
        name: 'example_user',
        content: "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage.",
      },
      { role: 'system', name: 'example_assistant', content: "Let's talk later when we're less busy about how to do better." },
      { role: 'user', content: "This late pivot means we don't have time to boil the ocean for the client deliverable." },
    ];
    expect(tokens('llm.tokens(r)', { r: { model: 'gpt-4-0613', messages } })).toBe(129n);
    expect(tokens('llm.tokens(r)', { r: { model: 'gpt-4o', messages } })).toBe(124n);
    // and by construction
    let expected = 3;
    for (const m of messages) expected += 3 + exact(o200k, m.role) + exact(o200k, m.content) + (m.name ? 1 + exact(o200k, m.name) : 0);
    expect(tokens('llm.tokens(r.messages, "gpt-4o")', { r: { messages } })).toBe(BigInt(expected));
  });

  test('a separate system prompt counts as a system message', () => {
    setTokenizer(tk);
    const withField = tokens('llm.tokens(r)', { r: { model: 'gpt-4o', system: 'Be brief.', messages: [{ role: 'user', content: 'Hi' }] } });
    const asMessage = tokens('llm.tokens(r)', {
      r: {
        model: 'gpt-4o',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
        ],
      },
    });
    expect(withField).toBe(asMessage);
  });

  test('parts: text, tool calls and results count; an image counts a documented fixed cost', () => {
    setTokenizer(tk);
    const r = {
      model: 'gpt-4o',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture?' },
            { type: 'image', url: 'https://example.com/a.png' },
          ],
        },
        { role: 'assistant', content: [{ type: 'tool_call', id: 'c1', name: 'lookup', arguments: '{"q":"cat"}' }] },
        { role: 'tool', content: [{ type: 'tool_result', tool_call_id: 'c1', text: 'A cat on a sofa.' }] },
      ],
    };
    const t = (s: string) => exact(o200k, s);
    const expected =
      3 * 3 +
      3 +
      t('user') +
      t('What is in this picture?') +
      765 +
      t('assistant') +
      t('lookup') +
      t('{"q":"cat"}') +
      t('tool') +
      t('A cat on a sofa.');
    expect(tokens('llm.tokens(r)', { r })).toBe(BigInt(expected));
  });

  test('tools are counted with the cookbook rendering estimate', () => {
    setTokenizer(tk);
    const base = { model: 'gpt-4o', messages: [{ role: 'user', content: 'Weather in Paris?' }] };
    const tools = [
      {
        name: 'get_weather',
        description: 'Get the current weather.',
        parameters: {
          type: 'object',
          properties: { city: { type: 'string', description: 'City name.' }, unit: { type: 'string', enum: ['c', 'f'] } },
        },
      },
    ];
    const t = (s: string) => exact(o200k, s);
    const toolTokens =
      7 +
      t('get_weather:Get the current weather') +
      3 +
      3 +
      t('city:string:City name') +
      3 -
      3 +
      (3 + t('c')) +
      (3 + t('f')) +
      t('unit:string:') +
      12;
    const without = tokens('llm.tokens(r)', { r: base }) as bigint;
    expect(tokens('llm.tokens(r)', { r: { ...base, tools } })).toBe(without + BigInt(toolTokens));
  });

  test('models without an OpenAI encoding fall back to the estimator', () => {
    setTokenizer(tk);
    const s = corpus.samples[2]!.text;
    expect(tokens('llm.tokens(t, "claude-sonnet-4-5")', { t: s })).toBe(BigInt(estimateTokens(s)));
    expect(tokens('llm.tokens(t)', { t: s })).toBe(BigInt(exact(o200k, s))); // no model: o200k_base
  });

  test('a long run without whitespace is counted in slices of at most MAX_RUN characters (bounded work)', () => {
    // The work is counted, not timed: every piece handed to the encoder, and its longest run
    // without whitespace, which bounds the quadratic merge step.
    const pieces: string[] = [];
    const counting: TokenCounter = {
      countTokens: (t, o) => {
        pieces.push(t);
        return gptO200k.countTokens(t, o);
      },
    };
    const longestRun = (t: string) => Math.max(0, ...t.split(/[\s\u00a0]/).map((w) => w.length));
    const run = Array.from({ length: 200_000 }, (_, i) => String.fromCharCode(97 + ((i * 7919) % 26))).join('');
    const n = countWithEncoder(counting, `start ${run} end`);
    expect(n).toBeGreaterThan(50_000);
    expect(pieces.join('')).toBe(`start ${run} end`); // every character once, nothing else
    expect(Math.max(...pieces.map(longestRun))).toBeLessThanOrEqual(MAX_RUN);
    expect(pieces.length).toBeLessThanOrEqual(Math.ceil(run.length / MAX_RUN) + 2);
    // Slicing agrees with whole-text encoding wherever no run exceeds MAX_RUN.
    const normal = corpus.samples.map((s) => s.text).join('\n');
    expect(countWithEncoder(gptO200k, normal)).toBe(exact(o200k, normal));
    // and is close to it where one does
    const mid = `prefix ${'ab1'.repeat(MAX_RUN)} suffix`;
    expect(Math.abs(countWithEncoder(gptO200k, mid) - exact(o200k, mid))).toBeLessThanOrEqual(3);
    // surrogate pairs are never split
    pieces.length = 0;
    const emoji = '😀'.repeat(MAX_RUN);
    expect(countWithEncoder(counting, emoji)).toBeGreaterThan(0);
    for (const p of pieces) expect(p.charCodeAt(0) >= 0xdc00 && p.charCodeAt(0) <= 0xdfff).toBe(false);
  });
});

describe('installation and caching', () => {
  test('the default tokenizer is the estimator; setTokenizer replaces it process-wide', () => {
    expect(getTokenizer()).toBe(estimateTokenizer);
    const fixed: Tokenizer = { name: 'fixed', count: () => 42 };
    setTokenizer(fixed);
    expect(tokens("llm.tokens('anything at all')")).toBe(42n);
    // The tokenizer is a plug-in shared through globalThis (test/builtins/plugins.test.ts has
    // the second-copy cases).
    const slots = (globalThis as Record<symbol, Record<string, { value: unknown }>>)[Symbol.for('llm-policy-engine.plugins')]!;
    expect(slots.tokenizer!.value).toBe(fixed);
    resetTokenizer();
    expect(getTokenizer()).toBe(estimateTokenizer);
  });

  test('a text is counted once however many times it is asked for', () => {
    let calls = 0;
    const counting: Tokenizer = {
      name: 'counting',
      count: (s) => {
        calls++;
        return s.length;
      },
      family: () => 'x',
    };
    setTokenizer(counting);
    const prompt = 'You are a helpful assistant. '.repeat(20);
    const request = { model: 'gpt-4o', system: prompt, messages: [{ role: 'user', content: prompt }] };
    const expr = compileExpression('llm.tokens(request) > 0 && llm.tokens(request) < 100000 && llm.estimateCost(request) > 0.0');
    calls = 0;
    expect(expr.evaluate({ request })).toBe(true);
    const first = calls;
    expect(expr.evaluate({ request: structuredClone(request) })).toBe(true);
    // the long prompt (in both places) was encoded once; only the short role strings are recounted
    const longCounts = calls - first;
    expect(longCounts).toBeLessThan(first);
    expect(tokenCacheSize()).toBe(1);
  });

  test('the cache is bounded', () => {
    setTokenizer({ name: 'len', count: (s) => s.length, family: () => 'len' });
    clearTokenCache();
    for (let i = 0; i < 3000; i++) countText(`text number ${i} `.repeat(10), 'm');
    expect(tokenCacheSize()).toBeLessThanOrEqual(1024);
  });

  test('a new tokenizer empties the cache', () => {
    setTokenizer({ name: 'a', count: () => 1, family: () => 'f' });
    const long = 'x '.repeat(100);
    expect(countText(long, 'm')).toBe(1);
    setTokenizer({ name: 'b', count: () => 2, family: () => 'f' });
    expect(countText(long, 'm')).toBe(2);
  });
});

describe('llm.tokens arguments', () => {
  test('a response counts its text and tool calls', () => {
    const response = { text: 'Hello world', tool_calls: [], finish_reason: 'stop', usage: {} };
    expect(tokens('llm.tokens(response)', { response })).toBe(2n);
  });

  test('a map that is neither a request nor a response is an error', () => {
    expect(() => tokens("llm.tokens({'a': 1})")).toThrow(/llm.tokens expects/);
  });

  test('an empty request has no tokens', () => {
    expect(tokens("llm.tokens({'model': 'gpt-4o', 'messages': []})")).toBe(0n);
  });
});

describe('the llm-policy-engine/tiktoken entry', () => {
  test('installs itself on import and can be installed again', async () => {
    resetTokenizer();
    const entry = await import('../../src/entries/tiktoken.js');
    entry.installTiktoken();
    expect(getTokenizer()).toBe(entry.tiktokenTokenizer);
    entry.tiktokenTokenizer.warmUp();
    expect(tokens("llm.tokens('tiktoken is great!', 'gpt-3.5-turbo')")).toBe(6n);
    resetTokenizer();
  });
});
