// The `llm` library: token counts, model facts and cost (docs/llm.md).
//
//   llm.tokens(text | request | messages [, model])  -> int
//   llm.cost(model, inputTokens, outputTokens [, {cachedInputTokens, cacheWriteTokens, reasoningTokens}]) -> double USD
//   llm.cost(model, usage)                             -> double USD (usage as in response.usage)
//   llm.costNanos(...)                                 -> int nano-dollars, same overloads
//   llm.estimateCost(request [, model])                -> double USD
//   llm.model(id)                                      -> map of facts
//   llm.knownModel(id)                                 -> bool
//   llm.fitsContext(request [, model])                 -> bool
//
// The functions close over a model catalog and a tokenizer: `llmLibrary` uses the process-wide
// catalog (the shipped one, or what setModelCatalog / extendModelCatalog installed) and the
// installed tokenizer (setTokenizer); createLlmLibrary({ catalog, ... }) makes another set,
// which a host passes to its engine with withLlmLibrary(registry, options).

import { EvaluationError } from '../../src/lang/library.js';
import { Registry, type FunctionDecl, type OverloadDecl } from '../../src/lang/library.js';
import { CelUint, kindOf, mapGet, mapKeys } from '../../src/lang/library.js';
import {
  Catalog,
  costFemto,
  femtoToNano,
  getModelCatalog,
  nanoToUsd,
  type ModelCatalog,
  type ModelEntry,
  type TokenCounts,
} from './catalog.js';
import { getTokenizer, openaiEncodingFor, tokenizerGeneration, type Tokenizer } from './tokenizer.js';
import { isRequestLike, RequestCounter, requestSignature, sameSignature } from './tokens.js';

export {
  Catalog,
  defaultCatalog,
  expandTable,
  extendModelCatalog,
  femtoPerToken,
  getModelCatalog,
  resetModelCatalog,
  setModelCatalog,
  type CatalogTable,
  type ModelCatalog,
  type ModelEntry,
  type ModelPrices,
  type ModelTier,
} from './catalog.js';
export {
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
} from './tokenizer.js';
import { table } from '../../src/lang/library.js';

export interface LlmLibraryOptions {
  /**
   * Models to add to the process-wide catalog (or, with `extendCatalog: false`, the only
   * models): a catalog document or a list of models.
   */
  catalog?: ModelCatalog | ModelEntry[];
  /** Lay `catalog` over the process-wide catalog (true, the default) or use it alone (false). */
  extendCatalog?: boolean;
  /**
   * Output tokens llm.estimateCost assumes for a request without `max_tokens`: the model's
   * `max_output` (the default: the most the provider can bill) or a fixed number.
   */
  defaultMaxTokens?: number | 'max_output';
  /** A tokenizer for these functions only; by default the one installed with setTokenizer. */
  tokenizer?: Tokenizer;
}

const CATEGORY = 'llm';
const MAX_TOKEN_ARG = 10n ** 15n;

function bad(message: string): EvaluationError {
  return new EvaluationError('invalid_argument', message);
}

/** A token count argument: an int, a uint, or a whole non-negative double (JSON numbers). */
function tokenArg(v: unknown, what: string): bigint {
  let n: bigint;
  if (typeof v === 'bigint') n = v;
  else if (v instanceof CelUint) n = v.value;
  else if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw bad(`${what} must be a whole number of tokens, got ${v}`);
    n = BigInt(v);
  } else throw bad(`${what} must be a number of tokens, got ${kindOf(v)}`);
  if (n < 0n) throw bad(`${what} must not be negative, got ${n}`);
  if (n > MAX_TOKEN_ARG) throw bad(`${what} is too large (${n})`);
  return n;
}

const OPTION_KEYS = table<'cachedInput' | 'cacheWrite' | 'reasoning'>({
  cachedInputTokens: 'cachedInput',
  cached_input_tokens: 'cachedInput',
  cacheWriteTokens: 'cacheWrite',
  cache_write_tokens: 'cacheWrite',
  reasoningTokens: 'reasoning',
  reasoning_tokens: 'reasoning',
});

function countsWithOptions(input: unknown, output: unknown, options?: object): TokenCounts {
  const t: TokenCounts = {
    input: tokenArg(input, 'inputTokens'),
    output: tokenArg(output, 'outputTokens'),
    cachedInput: 0n,
    cacheWrite: 0n,
    reasoning: 0n,
  };
  if (options !== undefined) {
    for (const k of mapKeys(options)) {
      const field = typeof k === 'string' ? OPTION_KEYS[k] : undefined;
      if (field === undefined) throw bad(`unknown option \`${String(k)}\` (expected cachedInputTokens, cacheWriteTokens, reasoningTokens)`);
      t[field] = tokenArg(mapGet(options, k), String(k));
    }
  }
  return t;
}

/** Counts from a normalized usage map: input_tokens, output_tokens, cached_input_tokens?, cache_write_tokens?, reasoning_tokens?. */
function countsFromUsage(usage: object): TokenCounts {
  const get = (snake: string, camel: string) => mapGet(usage, snake) ?? mapGet(usage, camel);
  const input = get('input_tokens', 'inputTokens');
  const output = get('output_tokens', 'outputTokens');
  if (input === undefined || output === undefined) throw bad('usage needs input_tokens and output_tokens');
  const optional = (snake: string, camel: string) => {
    const v = get(snake, camel);
    return v === undefined || v === null ? 0n : tokenArg(v, snake);
  };
  return {
    input: tokenArg(input, 'input_tokens'),
    output: tokenArg(output, 'output_tokens'),
    cachedInput: optional('cached_input_tokens', 'cachedInputTokens'),
    cacheWrite: optional('cache_write_tokens', 'cacheWriteTokens'),
    reasoning: optional('reasoning_tokens', 'reasoningTokens'),
  };
}

function modelOf(request: object, override?: string): string {
  if (override !== undefined) return override;
  const m = mapGet(request, 'model');
  if (typeof m !== 'string' || m === '') throw bad('the request has no `model`');
  return m;
}

function isMapValue(v: unknown): v is object {
  return v !== null && typeof v === 'object' && kindOf(v) === 'map';
}

/**
 * Makes the llm.* functions over a catalog and a tokenizer. Throws a TypeError naming the
 * model and field when `options.catalog` has an invalid entry.
 */
export function createLlmLibrary(options: LlmLibraryOptions = {}): FunctionDecl[] {
  const own = options.catalog === undefined ? undefined : Catalog.from(options.catalog); // a bad entry throws here
  const extend = options.extendCatalog ?? true;
  // Over the process-wide catalog as it is at each call (a table installed later shows), the
  // merged result kept until that catalog changes.
  let merged: { base: Catalog; catalog: Catalog } | undefined;
  const catalogNow = (): Catalog => {
    const base = getModelCatalog();
    if (own === undefined) return base;
    if (!extend) return own;
    if (merged?.base !== base) merged = { base, catalog: Catalog.from(options.catalog!, base) };
    return merged.catalog;
  };
  const defaultMax = options.defaultMaxTokens ?? 'max_output';
  if (defaultMax !== 'max_output' && (!Number.isSafeInteger(defaultMax) || defaultMax < 0)) {
    throw new TypeError(`defaultMaxTokens must be 'max_output' or a whole number >= 0, got ${String(defaultMax)}`);
  }
  const tokenizerOf = (): Tokenizer => options.tokenizer ?? getTokenizer();

  /** The model id handed to the tokenizer: the catalog's tokenizer choice, else the canonical id. */
  function tokenizerModel(model: string): string {
    if (model === '') return '';
    const r = catalogNow().lookup(model);
    if (r === undefined) return model;
    switch (r.entry.tokenizer) {
      case 'o200k_base':
        return 'gpt-4o';
      case 'cl100k_base':
        return 'gpt-4';
      case 'estimate':
        return openaiEncodingFor(r.entry.id) ? `estimate:${r.entry.id}` : r.entry.id;
      default:
        return r.entry.id;
    }
  }

  const counter = (model: string) => new RequestCounter(tokenizerOf(), tokenizerModel(model));

  // The last count of each request object, with what it depended on (requestSignature): the
  // several llm.* calls of one decision, and later decisions on the same unchanged object,
  // count it once. Text-level caching (countText) covers new objects with the same texts.
  const memo = new WeakMap<object, { key: string; sig: unknown[]; n: number }>();
  function requestTokens(r: object, model: string): number {
    const tk = tokenizerOf();
    const tm = tokenizerModel(model);
    const key = `${tokenizerGeneration()}\u0000${tk.name}\u0000${tk.family?.(tm) ?? tm}\u0000${tm}`;
    const sig = requestSignature(r);
    const hit = memo.get(r);
    if (hit !== undefined && hit.key === key && sameSignature(hit.sig, sig)) return hit.n;
    const n = new RequestCounter(tk, tm).request(r);
    memo.set(r, { key, sig, n });
    return n;
  }

  function tokensOf(v: unknown, model: string | undefined): bigint {
    if (typeof v === 'string') return BigInt(counter(model ?? '').text(v));
    if (Array.isArray(v)) return BigInt(counter(model ?? '').messages(v));
    if (isMapValue(v)) {
      const m = model ?? (typeof mapGet(v, 'model') === 'string' ? (mapGet(v, 'model') as string) : '');
      if (isRequestLike(v)) return BigInt(requestTokens(v, m));
      if (mapGet(v, 'text') !== undefined || mapGet(v, 'tool_calls') !== undefined) return BigInt(counter(m).response(v));
      throw bad('llm.tokens expects a text, a request (with messages), a response (with text) or a list of messages');
    }
    throw bad(`llm.tokens expects a text, a request or a list of messages, got ${kindOf(v)}`);
  }

  function costNano(model: string, t: TokenCounts): bigint {
    return femtoToNano(costFemto(catalogNow().require(model), t));
  }

  function estimate(request: object, modelOverride?: string): bigint {
    const model = modelOf(request, modelOverride);
    const e = catalogNow().require(model).entry;
    const input = tokensOf(request, model);
    const mt = mapGet(request, 'max_tokens');
    let output: bigint;
    if (mt !== undefined && mt !== null) output = tokenArg(mt, 'max_tokens');
    else if (defaultMax !== 'max_output') output = BigInt(defaultMax);
    else {
      // the most the provider can bill: its max output, else whatever the window leaves
      const most = e.max_output ?? e.context_window;
      if (most === undefined)
        throw bad(`the catalog has no max_output or context window for model \`${e.id}\` (set max_tokens, or defaultMaxTokens)`);
      output = BigInt(most);
    }
    return costNano(model, { input, output, cachedInput: 0n, cacheWrite: 0n, reasoning: 0n });
  }

  function fits(request: object, modelOverride?: string): boolean {
    const model = modelOf(request, modelOverride);
    const e = catalogNow().require(model).entry;
    if (e.context_window === undefined)
      throw bad(`the catalog has no context window for model \`${e.id}\` (add one with extendModelCatalog)`);
    const input = tokensOf(request, model);
    const mt = mapGet(request, 'max_tokens');
    const output = mt === undefined || mt === null ? 0n : tokenArg(mt, 'max_tokens');
    if (e.max_output !== undefined && output > BigInt(e.max_output)) return false;
    if (input > BigInt(e.max_input ?? e.context_window)) return false;
    return input + output <= BigInt(e.context_window);
  }

  const costOverloads = (prefix: string, result: 'double' | 'int', wrap: (nano: bigint) => unknown): OverloadDecl[] => [
    {
      id: `${prefix}_string_dyn_dyn`,
      params: ['string', 'dyn', 'dyn'],
      result,
      impl: (m: string, i: unknown, o: unknown) => wrap(costNano(m, countsWithOptions(i, o))),
    },
    {
      id: `${prefix}_string_dyn_dyn_map`,
      params: ['string', 'dyn', 'dyn', 'map(string, dyn)'],
      result,
      impl: (m: string, i: unknown, o: unknown, opts: object) => wrap(costNano(m, countsWithOptions(i, o, opts))),
    },
    {
      id: `${prefix}_string_map`,
      params: ['string', 'map(string, dyn)'],
      result,
      impl: (m: string, usage: object) => wrap(costNano(m, countsFromUsage(usage))),
    },
  ];

  const tokens: FunctionDecl = {
    name: 'llm.tokens',
    category: CATEGORY,
    description:
      "Tokens of a text, a request (system, messages and tools, with the chat format's 3 tokens a message and 3 for the reply), a response (its text and tool calls) or a list of messages, for the request's model or the one given; exact for OpenAI models when llm-policy-engine/tiktoken is loaded, estimated otherwise (docs/llm.md)",
    purity: 'pure',
    overloads: [
      { id: 'llm_tokens_string', params: ['string'], result: 'int', impl: (s: string) => tokensOf(s, undefined) },
      { id: 'llm_tokens_string_string', params: ['string', 'string'], result: 'int', impl: (s: string, m: string) => tokensOf(s, m) },
      { id: 'llm_tokens_map', params: ['map(string, dyn)'], result: 'int', impl: (r: object) => tokensOf(r, undefined) },
      {
        id: 'llm_tokens_map_string',
        params: ['map(string, dyn)', 'string'],
        result: 'int',
        impl: (r: object, m: string) => tokensOf(r, m),
      },
      { id: 'llm_tokens_list', params: ['list(dyn)'], result: 'int', impl: (l: unknown[]) => tokensOf(l, undefined) },
      { id: 'llm_tokens_list_string', params: ['list(dyn)', 'string'], result: 'int', impl: (l: unknown[], m: string) => tokensOf(l, m) },
    ],
    examples: [
      { expr: "llm.tokens('Hello world')", result: 2n },
      { expr: "llm.tokens({'model': 'gpt-4o', 'messages': [{'role': 'user', 'content': 'Hello world'}]})", result: 9n },
      { expr: "llm.tokens([{'role': 'user', 'content': 'Hello world'}], 'gpt-4o-mini')", result: 9n },
      {
        expr: 'llm.tokens(request) > 100',
        bindings: { request: { model: 'gpt-4.1', messages: [{ role: 'user', content: 'Summarize this.' }] } },
        result: false,
      },
      { expr: "llm.tokens({'temperature': 0.2})", result: { error: 'invalid_argument' } },
    ],
  };

  const cost: FunctionDecl = {
    name: 'llm.cost',
    category: CATEGORY,
    description:
      'USD cost of a call from its token counts: cache reads and cache writes are parts of the input tokens and reasoning tokens part of the output tokens (options cachedInputTokens, cacheWriteTokens, reasoningTokens), or a usage map as in response.usage; long-context tiers price the whole request; computed exactly in integers and rounded to the nano-dollar; an unknown model is an error',
    purity: 'pure',
    overloads: costOverloads('llm_cost', 'double', nanoToUsd),
    examples: [
      { expr: "llm.cost('gpt-4o', 1000, 500)", result: 0.0075 },
      { expr: "llm.cost('gpt-4o-mini', 1000000, 0, {'cachedInputTokens': 400000})", result: 0.12 },
      { expr: "llm.cost('o3', 2000, 8000, {'reasoningTokens': 6000})", result: 0.068 },
      {
        expr: "llm.cost('claude-haiku-4-5', {'input_tokens': 1200, 'output_tokens': 300, 'cached_input_tokens': 1000, 'reasoning_tokens': 0})",
        result: 0.0018,
      },
      { expr: "llm.cost('claude-haiku-4-5', 10000, 1000, {'cachedInputTokens': 6000, 'cacheWriteTokens': 2000})", result: 0.0101 },
      { expr: "llm.cost('no-such-model', 10, 10)", result: { error: 'invalid_argument' } },
    ],
  };

  const costNanos: FunctionDecl = {
    name: 'llm.costNanos',
    category: CATEGORY,
    description:
      'The cost llm.cost computes, as an int of nano-dollars (10^-9 USD), for budgets kept in integers: sums and comparisons of ints never drift',
    purity: 'pure',
    overloads: costOverloads('llm_cost_nanos', 'int', (n) => n),
    examples: [
      { expr: "llm.costNanos('gpt-4o', 1000, 500)", result: 7500000n },
      { expr: "llm.costNanos('gpt-4o-mini', 1, 0)", result: 150n },
    ],
  };

  const estimateCost: FunctionDecl = {
    name: 'llm.estimateCost',
    category: CATEGORY,
    description:
      "USD cost a request can reach: its input tokens (llm.tokens) plus max_tokens output tokens, or the model's max_output when it sets none; for the request's model or the one given",
    purity: 'pure',
    overloads: [
      { id: 'llm_estimate_cost_map', params: ['map(string, dyn)'], result: 'double', impl: (r: object) => nanoToUsd(estimate(r)) },
      {
        id: 'llm_estimate_cost_map_string',
        params: ['map(string, dyn)', 'string'],
        result: 'double',
        impl: (r: object, m: string) => nanoToUsd(estimate(r, m)),
      },
    ],
    examples: [
      {
        expr: "llm.estimateCost({'model': 'gpt-4o-mini', 'messages': [{'role': 'user', 'content': 'Hello world'}], 'max_tokens': 100})",
        result: 0.00006135,
      },
      {
        expr: "llm.estimateCost({'model': 'gpt-4o-mini', 'messages': [{'role': 'user', 'content': 'Hello world'}], 'max_tokens': 100}, 'gpt-4o')",
        result: 0.0010225,
      },
      { expr: "llm.estimateCost({'messages': []})", result: { error: 'invalid_argument' } },
    ],
  };

  const model: FunctionDecl = {
    name: 'llm.model',
    category: CATEGORY,
    description:
      'Facts about a model from the catalog, by id or alias (a provider prefix such as openai/ is ignored): id, provider, aliases, context_window, max_output, max_input (each absent when the catalog does not know it), input_price, output_price, cached_input_price, cache_write_price, reasoning_price (USD per million tokens), tiers, status; an unknown model is an error',
    purity: 'pure',
    overloads: [
      { id: 'llm_model_string', params: ['string'], result: 'map(string, dyn)', impl: (id: string) => catalogNow().require(id).facts },
    ],
    examples: [
      { expr: "llm.model('gpt-4o-2024-08-06').id", result: 'gpt-4o' },
      { expr: "llm.model('claude-haiku-4-5').context_window", result: 200000n },
      { expr: "llm.model('google/gemini-2.5-pro').provider", result: 'google' },
      { expr: "llm.model('gpt-4.1-mini').output_price", result: 1.6 },
      { expr: "llm.model('gpt-99')", result: { error: 'invalid_argument' } },
    ],
  };

  const knownModel: FunctionDecl = {
    name: 'llm.knownModel',
    category: CATEGORY,
    description: 'Whether the model catalog has a model, by id or alias',
    purity: 'pure',
    overloads: [
      { id: 'llm_known_model_string', params: ['string'], result: 'bool', impl: (id: string) => catalogNow().lookup(id) !== undefined },
    ],
    examples: [
      { expr: "llm.knownModel('openai/gpt-4.1')", result: true },
      { expr: "llm.knownModel('claude-sonnet-4-5-20250929')", result: true },
      { expr: "llm.knownModel('gpt-99')", result: false },
    ],
  };

  const fitsContext: FunctionDecl = {
    name: 'llm.fitsContext',
    category: CATEGORY,
    description:
      'Whether a request fits its model (or the one given): input tokens within max_input, max_tokens within max_output, and both together within the context window',
    purity: 'pure',
    overloads: [
      { id: 'llm_fits_context_map', params: ['map(string, dyn)'], result: 'bool', impl: (r: object) => fits(r) },
      {
        id: 'llm_fits_context_map_string',
        params: ['map(string, dyn)', 'string'],
        result: 'bool',
        impl: (r: object, m: string) => fits(r, m),
      },
    ],
    examples: [
      {
        expr: "llm.fitsContext({'model': 'gpt-4o', 'messages': [{'role': 'user', 'content': 'Hello world'}], 'max_tokens': 4096})",
        result: true,
      },
      {
        expr: "llm.fitsContext({'model': 'gpt-4', 'messages': [{'role': 'user', 'content': 'Hello world'}], 'max_tokens': 8190})",
        result: false,
      },
      {
        expr: "llm.fitsContext({'model': 'gpt-4.1', 'messages': [{'role': 'user', 'content': 'Hello world'}], 'max_tokens': 40000})",
        result: false,
      },
      {
        expr: "llm.fitsContext({'model': 'gpt-4', 'messages': [{'role': 'user', 'content': 'Hello world'}], 'max_tokens': 8000}, 'gpt-4.1')",
        result: true,
      },
    ],
  };

  return [tokens, cost, costNanos, estimateCost, model, knownModel, fitsContext];
}

/** The llm.* functions over the shipped catalog and the installed tokenizer. */
export const llmLibrary: FunctionDecl[] = createLlmLibrary();

/**
 * A copy of `registry` whose llm.* functions are made with `options` (a host's catalog, a
 * default output budget, a tokenizer):
 *
 *   new PolicyEngine({ registry: withLlmLibrary(defaultRegistry(), { catalog: { asOf, models } }) })
 */
export function withLlmLibrary(registry: Registry, options: LlmLibraryOptions): Registry {
  const fresh = createLlmLibrary(options);
  const names = new Set(fresh.map((d) => d.name));
  return new Registry([...registry.all().filter((d) => !names.has(d.name)), ...fresh]);
}
