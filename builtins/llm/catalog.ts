// The model catalog (catalog.json, schemas/model-catalog.schema.json) and exact money
// arithmetic for llm.cost, llm.estimateCost, llm.model and llm.fitsContext.
//
// Money never goes through binary floating point until the very end. A price of p USD per
// million tokens is p micro-dollars per token, which is p * 10^6 pico-dollars per token: with
// at most 6 decimal places in p (the schema's rule, checked when a catalog is loaded) that is
// an integer, read from the price's decimal text without any floating-point multiplication.
// A cost is the BigInt sum of tokens x pico-dollars, rounded half-up to whole nano-dollars
// (10^-9 USD), and only then divided by 10^9 into a double. Both operands of that division
// are exact doubles, so the result is the double nearest to the decimal cost: a cost of
// exactly $0.30 is the literal 0.3, never 0.30000000000000004.

import catalogJson from './catalog.json';
import { EvaluationError } from '../../src/lang/library.js';

export interface ModelPrices {
  /** USD per million input tokens. */
  input: number;
  /** USD per million output tokens. */
  output: number;
  /** USD per million cached input tokens (cache reads); `input` when absent. */
  cached_input?: number;
  /** USD per million reasoning tokens; `output` when absent. */
  reasoning?: number;
}

export interface ModelTier extends ModelPrices {
  /** The tier applies to a whole request whose input tokens (cached ones included) exceed this. */
  above_input_tokens: number;
}

export interface ModelEntry {
  id: string;
  provider: string;
  aliases?: string[];
  context_window: number;
  max_output: number;
  max_input?: number;
  pricing: ModelPrices;
  tiers?: ModelTier[];
  tokenizer?: 'o200k_base' | 'cl100k_base' | 'estimate';
  status?: 'active' | 'preview' | 'legacy' | 'deprecated' | 'retired';
  note?: string;
}

export interface ModelCatalog {
  asOf: string;
  models: ModelEntry[];
  currency?: 'USD';
  unit?: string;
  note?: string;
  sources?: string[];
}

/** The catalog shipped with the package. */
export const defaultCatalog: ModelCatalog = catalogJson as ModelCatalog;

// ------------------------------------------------------------------ exact prices

/** Pico-dollars per token of a price in USD per million tokens (an integer, exactly). */
export function picoPerToken(usdPerMillion: number, where = 'price'): bigint {
  if (typeof usdPerMillion !== 'number' || !Number.isFinite(usdPerMillion) || usdPerMillion < 0) {
    throw new TypeError(`${where}: a price must be a finite number >= 0, got ${String(usdPerMillion)}`);
  }
  // The shortest decimal text of the double ('0.075', '1e-7'), read digit by digit.
  const text = usdPerMillion.toString();
  const [mantissa, expText] = text.split('e') as [string, string | undefined];
  const [intPart, fracPart = ''] = mantissa.split('.') as [string, string | undefined];
  const scale = fracPart.length - (expText === undefined ? 0 : Number(expText));
  const digits = BigInt(intPart + fracPart);
  if (scale > 6)
    throw new TypeError(`${where}: ${text} has more than 6 decimal places (the catalog's precision is 10^-6 USD per million tokens)`);
  return digits * 10n ** BigInt(6 - scale);
}

interface PicoPrices {
  input: bigint;
  output: bigint;
  cached: bigint;
  reasoning: bigint;
}

function picoPrices(p: ModelPrices, fallback: ModelPrices | undefined, where: string): PicoPrices {
  const input = picoPerToken(p.input, `${where}.input`);
  const output = picoPerToken(p.output, `${where}.output`);
  const cachedUsd = p.cached_input ?? fallback?.cached_input;
  const reasoningUsd = p.reasoning ?? fallback?.reasoning;
  return {
    input,
    output,
    cached: cachedUsd === undefined ? input : picoPerToken(cachedUsd, `${where}.cached_input`),
    reasoning: reasoningUsd === undefined ? output : picoPerToken(reasoningUsd, `${where}.reasoning`),
  };
}

/** Whole nano-dollars (rounded half-up) of an amount of pico-dollars. */
export function picoToNano(pico: bigint): bigint {
  return (pico + 500n) / 1000n;
}

/** A double USD amount of whole nano-dollars: the double nearest to the decimal amount. */
export function nanoToUsd(nano: bigint): number {
  return Number(nano) / 1e9;
}

// ------------------------------------------------------------------ resolved models

export interface ResolvedModel {
  readonly entry: ModelEntry;
  readonly base: PicoPrices;
  /** Tiers, highest threshold first. */
  readonly tiers: readonly { above: bigint; prices: PicoPrices }[];
  /** What llm.model returns (frozen; the same object on every call). */
  readonly facts: Readonly<Record<string, unknown>>;
}

export interface TokenCounts {
  input: bigint;
  output: bigint;
  cachedInput: bigint;
  reasoning: bigint;
}

const STATUSES = new Set(['active', 'preview', 'legacy', 'deprecated', 'retired']);
const TOKENIZERS = new Set(['o200k_base', 'cl100k_base', 'estimate']);
const ENTRY_KEYS = new Set([
  'id',
  'provider',
  'aliases',
  'context_window',
  'max_output',
  'max_input',
  'pricing',
  'tiers',
  'tokenizer',
  'status',
  'note',
]);
const PRICE_KEYS = new Set(['input', 'output', 'cached_input', 'reasoning']);
const TIER_KEYS = new Set([...PRICE_KEYS, 'above_input_tokens']);

function fail(where: string, why: string): never {
  throw new TypeError(`model catalog: ${where}: ${why}`);
}

function checkKeys(v: object, allowed: Set<string>, where: string): void {
  for (const k of Object.keys(v)) if (!allowed.has(k)) fail(where, `unknown field \`${k}\``);
}

function checkTokens(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1) fail(where, `must be a positive integer, got ${JSON.stringify(v)}`);
  return v;
}

function checkPrices(p: unknown, where: string, keys: Set<string>): void {
  if (p === null || typeof p !== 'object' || Array.isArray(p)) fail(where, 'must be an object');
  checkKeys(p, keys, where);
  const o = p as Record<string, unknown>;
  for (const k of ['input', 'output']) if (o[k] === undefined) fail(where, `\`${k}\` is required`);
  for (const k of PRICE_KEYS) {
    if (o[k] === undefined) continue;
    try {
      picoPerToken(o[k] as number, `${where}.${k}`);
    } catch (e) {
      fail(where, (e as Error).message);
    }
  }
}

/** Normalized lookup key of a model id: lowercase, no provider prefix, Vertex's '@' as '-'. */
export function modelKey(id: string): string {
  let k = id.trim().toLowerCase();
  const slash = k.lastIndexOf('/');
  if (slash >= 0) k = k.slice(slash + 1);
  return k.replace('@', '-');
}

function intFact(n: number): bigint {
  return BigInt(n);
}

function resolve(e: ModelEntry, where: string): ResolvedModel {
  if (e === null || typeof e !== 'object' || Array.isArray(e)) fail(where, 'a model must be an object');
  checkKeys(e, ENTRY_KEYS, where);
  if (typeof e.id !== 'string' || e.id.trim() === '') fail(where, '`id` must be a non-empty string');
  where = `model \`${e.id}\``;
  if (typeof e.provider !== 'string' || e.provider === '') fail(where, '`provider` must be a non-empty string');
  if (e.aliases !== undefined && (!Array.isArray(e.aliases) || e.aliases.some((a) => typeof a !== 'string' || a.trim() === ''))) {
    fail(where, '`aliases` must be a list of non-empty strings');
  }
  checkTokens(e.context_window, `${where}.context_window`);
  checkTokens(e.max_output, `${where}.max_output`);
  if (e.max_input !== undefined) checkTokens(e.max_input, `${where}.max_input`);
  checkPrices(e.pricing, `${where}.pricing`, PRICE_KEYS);
  if (e.tiers !== undefined && !Array.isArray(e.tiers)) fail(where, '`tiers` must be a list');
  for (const [i, t] of (e.tiers ?? []).entries()) {
    checkPrices(t, `${where}.tiers[${i}]`, TIER_KEYS);
    checkTokens(t.above_input_tokens, `${where}.tiers[${i}].above_input_tokens`);
  }
  if (e.status !== undefined && !STATUSES.has(e.status)) fail(where, `unknown status \`${String(e.status)}\``);
  if (e.tokenizer !== undefined && !TOKENIZERS.has(e.tokenizer)) fail(where, `unknown tokenizer \`${String(e.tokenizer)}\``);

  const base = picoPrices(e.pricing, undefined, `${where}.pricing`);
  const tiers = (e.tiers ?? [])
    .map((t, i) => ({ above: BigInt(t.above_input_tokens), prices: picoPrices(t, undefined, `${where}.tiers[${i}]`) }))
    .sort((a, b) => (a.above > b.above ? -1 : a.above < b.above ? 1 : 0));
  const p = e.pricing;
  const facts = Object.freeze({
    id: e.id,
    provider: e.provider,
    aliases: Object.freeze([...(e.aliases ?? [])]),
    context_window: intFact(e.context_window),
    max_output: intFact(e.max_output),
    max_input: intFact(e.max_input ?? e.context_window),
    input_price: p.input,
    output_price: p.output,
    cached_input_price: p.cached_input ?? p.input,
    reasoning_price: p.reasoning ?? p.output,
    tiers: Object.freeze(
      (e.tiers ?? []).map((t) =>
        Object.freeze({
          above_input_tokens: intFact(t.above_input_tokens),
          input_price: t.input,
          output_price: t.output,
          cached_input_price: t.cached_input ?? t.input,
          reasoning_price: t.reasoning ?? t.output,
        }),
      ),
    ),
    status: e.status ?? 'active',
  });
  return { entry: e, base, tiers, facts };
}

export class Catalog {
  private readonly byKey = new Map<string, ResolvedModel>();
  readonly asOf: string | undefined;
  readonly size: number;

  /**
   * A catalog of `models`. Within one list an id or alias may name only one model. Throws a
   * TypeError naming the model and field for anything the schema would reject.
   */
  constructor(models: readonly ModelEntry[], asOf?: string) {
    this.asOf = asOf;
    if (!Array.isArray(models)) fail('models', 'must be a list');
    const owner = new Map<string, string>();
    for (const [i, e] of models.entries()) {
      const r = resolve(e, `models[${i}]`);
      for (const name of [e.id, ...(e.aliases ?? [])]) {
        const key = modelKey(name);
        const prev = owner.get(key);
        if (prev !== undefined && prev !== e.id) fail(`model \`${e.id}\``, `\`${name}\` also names model \`${prev}\``);
        if (prev === e.id && name === e.id) fail(`model \`${e.id}\``, 'is listed twice');
        owner.set(key, e.id);
        this.byKey.set(key, r);
      }
    }
    this.size = models.length;
  }

  /**
   * A catalog from a host's input: a whole catalog document or a list of models. With
   * `extend` (the default) they are laid over `base`: a host model replaces the base model
   * with the same id (with all its aliases), and a host id or alias wins over a base alias.
   */
  static from(input: ModelCatalog | readonly ModelEntry[], base?: Catalog, extend = true): Catalog {
    if (input === null || typeof input !== 'object') fail('catalog', 'must be a catalog object or a list of models');
    const doc = Array.isArray(input) ? undefined : (input as ModelCatalog);
    const models = doc ? doc.models : (input as readonly ModelEntry[]);
    if (!Array.isArray(models)) fail('catalog', '`models` must be a list');
    const own = new Catalog(models, doc?.asOf);
    if (!extend || base === undefined) return own;
    const ownIds = new Set(models.map((m) => m.id));
    const ownKeys = new Set(models.flatMap((m) => [m.id, ...(m.aliases ?? [])].map(modelKey)));
    const merged: ModelEntry[] = [];
    for (const r of base.models()) {
      if (ownIds.has(r.id)) continue;
      const aliases = (r.aliases ?? []).filter((a) => !ownKeys.has(modelKey(a)));
      if (ownKeys.has(modelKey(r.id))) continue; // a host alias took this id over
      merged.push(aliases.length === (r.aliases ?? []).length ? r : { ...r, aliases });
    }
    return new Catalog([...merged, ...models], doc?.asOf ?? base.asOf);
  }

  /** Every model entry, each once. */
  models(): ModelEntry[] {
    const seen = new Set<ResolvedModel>();
    const out: ModelEntry[] = [];
    for (const r of this.byKey.values()) {
      if (seen.has(r)) continue;
      seen.add(r);
      out.push(r.entry);
    }
    return out;
  }

  lookup(id: string): ResolvedModel | undefined {
    return this.byKey.get(id) ?? this.byKey.get(modelKey(id));
  }

  /** The model, or an invalid_argument error naming it. */
  require(id: string): ResolvedModel {
    const r = this.lookup(id);
    if (r === undefined) {
      const shown = id.length > 80 ? `${id.slice(0, 80)}...` : id;
      throw new EvaluationError('invalid_argument', `unknown model \`${shown}\` (not in the model catalog; see llm.knownModel)`);
    }
    return r;
  }
}

/** The prices that apply to a request with `inputTokens` input tokens. */
export function pricesFor(m: ResolvedModel, inputTokens: bigint): PicoPrices {
  for (const t of m.tiers) if (inputTokens > t.above) return t.prices;
  return m.base;
}

/**
 * The exact cost in pico-dollars. `cachedInput` is part of `input` and `reasoning` part of
 * `output`, as OpenAI reports usage and as the normalized response.usage is (docs/input.md).
 */
export function costPico(m: ResolvedModel, t: TokenCounts): bigint {
  if (t.cachedInput > t.input)
    throw new EvaluationError('invalid_argument', `cached input tokens (${t.cachedInput}) exceed input tokens (${t.input})`);
  if (t.reasoning > t.output)
    throw new EvaluationError('invalid_argument', `reasoning tokens (${t.reasoning}) exceed output tokens (${t.output})`);
  const p = pricesFor(m, t.input);
  return (t.input - t.cachedInput) * p.input + t.cachedInput * p.cached + (t.output - t.reasoning) * p.output + t.reasoning * p.reasoning;
}
