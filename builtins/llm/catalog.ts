// The model catalog and exact money arithmetic for llm.cost, llm.estimateCost, llm.model and
// llm.fitsContext.
//
// The shipped catalog is generated (scripts/gen-catalog.mjs) from @pydantic/genai-prices into a
// compact table: catalog-main.generated.ts, the model makers' own APIs, is in the main entry;
// catalog-full.generated.ts, every other model, is installed by `llm-policy-engine/catalog-full`.
// The catalog in use is a process-wide plug-in (src/util/plugins.ts): the shipped tables,
// under whatever a host installs with setModelCatalog or extendModelCatalog.
//
// Money never goes through binary floating point until the very end. A price of p USD per
// million tokens is p * 10^9 femto-dollars (10^-15 USD) per token: with at most 9 decimal
// places in p (checked when a catalog is loaded) that is an integer, read from the price's
// decimal text without any floating-point multiplication. A cost is the BigInt sum of tokens x
// femto-dollars, rounded half-up to whole nano-dollars (10^-9 USD), and only then divided by
// 10^9 into a double. Both operands of that division are exact doubles, so the result is the
// double nearest to the decimal cost: a cost of exactly $0.30 is the literal 0.3, never
// 0.30000000000000004.

import { EvaluationError } from '../../src/lang/library.js';
import { plugin } from '../../src/lang/library.js';
import { table as mainTable } from './catalog-main.generated.js';

export interface ModelPrices {
  /** USD per million input tokens. */
  input: number;
  /** USD per million output tokens. */
  output: number;
  /** USD per million cached input tokens (cache reads); `input` when absent. */
  cached_input?: number;
  /** USD per million tokens written to a prompt cache; `input` when absent. */
  cache_write?: number;
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
  /** Input plus output tokens; unknown for some generated entries. */
  context_window?: number;
  /** Unknown for most generated entries: the context window bounds the output then. */
  max_output?: number;
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

/**
 * A generated table (scripts/gen-catalog.mjs): per provider, one line a model,
 * `id|aliases|context_window|max_output|max_input|status|tokenizer|prices|tiers`, where prices
 * are `input,output,cached_input,cache_write,reasoning` and tiers `above:prices;...`; empty
 * fields for what a model lacks, trailing ones cut.
 */
export interface CatalogTable {
  asOf: string;
  source: string;
  providers: Record<string, string>;
}

const PRICE_FIELDS = ['input', 'output', 'cached_input', 'cache_write', 'reasoning'] as const;

function pricesOf(text: string): ModelPrices {
  const p: Record<string, number> = {};
  text.split(',').forEach((v, i) => {
    if (v !== '') p[PRICE_FIELDS[i]!] = Number(v);
  });
  return p as unknown as ModelPrices;
}

/** The models of a generated table. */
export function expandTable(t: CatalogTable): ModelEntry[] {
  const out: ModelEntry[] = [];
  for (const [provider, rows] of Object.entries(t.providers)) {
    for (const line of rows.split('\n')) {
      if (line === '') continue;
      const [id, aliases, cw, mo, mi, status, tokenizer, prices, tiers] = line.split('|') as (string | undefined)[];
      const e: ModelEntry = { id: id!, provider, pricing: pricesOf(prices ?? '') };
      if (aliases) e.aliases = aliases.split(' ');
      if (cw) e.context_window = Number(cw);
      if (mo) e.max_output = Number(mo);
      if (mi) e.max_input = Number(mi);
      if (status) e.status = status as ModelEntry['status'];
      if (tokenizer) e.tokenizer = tokenizer as ModelEntry['tokenizer'];
      if (tiers)
        e.tiers = tiers.split(';').map((tier) => {
          const [above, p] = tier.split(':') as [string, string];
          return { above_input_tokens: Number(above), ...pricesOf(p) };
        });
      out.push(e);
    }
  }
  return out;
}

let mainModels: ModelEntry[] | undefined;

/**
 * The catalog shipped in the main entry: the model makers' own APIs. Its models are expanded
 * from the table on first read, not at import (a cold start pays for them only when a
 * policy asks a model's price).
 */
export const defaultCatalog: ModelCatalog = {
  asOf: mainTable.asOf,
  get models(): ModelEntry[] {
    return (mainModels ??= expandTable(mainTable));
  },
  currency: 'USD',
  unit: 'USD per million tokens',
  sources: [mainTable.source],
};

// ------------------------------------------------------------------ exact prices

/** Decimal places a price may have (USD per million tokens). */
export const PRICE_DECIMALS = 9;

/** Femto-dollars (10^-15 USD) per token of a price in USD per million tokens (an integer, exactly). */
export function femtoPerToken(usdPerMillion: number, where = 'price'): bigint {
  if (typeof usdPerMillion !== 'number' || !Number.isFinite(usdPerMillion) || usdPerMillion < 0) {
    throw new TypeError(`${where}: a price must be a finite number >= 0, got ${String(usdPerMillion)}`);
  }
  // The shortest decimal text of the double ('0.075', '1e-7'), read digit by digit.
  const text = usdPerMillion.toString();
  const [mantissa, expText] = text.split('e') as [string, string | undefined];
  const [intPart, fracPart = ''] = mantissa.split('.') as [string, string | undefined];
  const scale = fracPart.length - (expText === undefined ? 0 : Number(expText));
  const digits = BigInt(intPart + fracPart);
  if (scale > PRICE_DECIMALS)
    throw new TypeError(
      `${where}: ${text} has more than ${PRICE_DECIMALS} decimal places (the catalog's precision is 10^-${PRICE_DECIMALS} USD per million tokens)`,
    );
  return digits * 10n ** BigInt(PRICE_DECIMALS - scale);
}

interface FemtoPrices {
  input: bigint;
  output: bigint;
  cached: bigint;
  cacheWrite: bigint;
  reasoning: bigint;
}

function femtoPrices(p: ModelPrices, where: string): FemtoPrices {
  const input = femtoPerToken(p.input, `${where}.input`);
  const output = femtoPerToken(p.output, `${where}.output`);
  const or = (v: number | undefined, fallback: bigint, k: string) => (v === undefined ? fallback : femtoPerToken(v, `${where}.${k}`));
  return {
    input,
    output,
    cached: or(p.cached_input, input, 'cached_input'),
    cacheWrite: or(p.cache_write, input, 'cache_write'),
    reasoning: or(p.reasoning, output, 'reasoning'),
  };
}

/** Whole nano-dollars (rounded half-up) of an amount of femto-dollars. */
export function femtoToNano(femto: bigint): bigint {
  return (femto + 500_000n) / 1_000_000n;
}

/** A double USD amount of whole nano-dollars: the double nearest to the decimal amount. */
export function nanoToUsd(nano: bigint): number {
  return Number(nano) / 1e9;
}

// ------------------------------------------------------------------ resolved models

export interface ResolvedModel {
  readonly entry: ModelEntry;
  readonly base: FemtoPrices;
  /** Tiers, highest threshold first. */
  readonly tiers: readonly { above: bigint; prices: FemtoPrices }[];
  /** What llm.model returns (frozen; the same object on every call). */
  readonly facts: Readonly<Record<string, unknown>>;
}

export interface TokenCounts {
  input: bigint;
  output: bigint;
  /** The part of `input` read from a prompt cache. */
  cachedInput: bigint;
  /** The part of `input` written to a prompt cache. */
  cacheWrite: bigint;
  /** The part of `output` spent on reasoning. */
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
const PRICE_KEYS = new Set<string>(PRICE_FIELDS);
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
      femtoPerToken(o[k] as number, `${where}.${k}`);
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
  if (e.context_window !== undefined) checkTokens(e.context_window, `${where}.context_window`);
  if (e.max_output !== undefined) checkTokens(e.max_output, `${where}.max_output`);
  if (e.max_input !== undefined) checkTokens(e.max_input, `${where}.max_input`);
  checkPrices(e.pricing, `${where}.pricing`, PRICE_KEYS);
  if (e.tiers !== undefined && !Array.isArray(e.tiers)) fail(where, '`tiers` must be a list');
  for (const [i, t] of (e.tiers ?? []).entries()) {
    checkPrices(t, `${where}.tiers[${i}]`, TIER_KEYS);
    checkTokens(t.above_input_tokens, `${where}.tiers[${i}].above_input_tokens`);
  }
  if (e.status !== undefined && !STATUSES.has(e.status)) fail(where, `unknown status \`${String(e.status)}\``);
  if (e.tokenizer !== undefined && !TOKENIZERS.has(e.tokenizer)) fail(where, `unknown tokenizer \`${String(e.tokenizer)}\``);

  const base = femtoPrices(e.pricing, `${where}.pricing`);
  const tiers = (e.tiers ?? [])
    .map((t, i) => ({ above: BigInt(t.above_input_tokens), prices: femtoPrices(t, `${where}.tiers[${i}]`) }))
    .sort((a, b) => (a.above > b.above ? -1 : a.above < b.above ? 1 : 0));
  const p = e.pricing;
  // Limits the catalog does not know are absent, not guessed: `has(llm.model(m).max_output)`.
  const limits: Record<string, bigint> = {};
  if (e.context_window !== undefined) limits.context_window = intFact(e.context_window);
  if (e.max_output !== undefined) limits.max_output = intFact(e.max_output);
  const maxInput = e.max_input ?? e.context_window;
  if (maxInput !== undefined) limits.max_input = intFact(maxInput);
  const priceFacts = (t: ModelPrices) => ({
    input_price: t.input,
    output_price: t.output,
    cached_input_price: t.cached_input ?? t.input,
    cache_write_price: t.cache_write ?? t.input,
    reasoning_price: t.reasoning ?? t.output,
  });
  const facts = Object.freeze({
    id: e.id,
    provider: e.provider,
    aliases: Object.freeze([...(e.aliases ?? [])]),
    ...limits,
    ...priceFacts(p),
    tiers: Object.freeze(
      (e.tiers ?? []).map((t) => Object.freeze({ above_input_tokens: intFact(t.above_input_tokens), ...priceFacts(t) })),
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
export function pricesFor(m: ResolvedModel, inputTokens: bigint): FemtoPrices {
  for (const t of m.tiers) if (inputTokens > t.above) return t.prices;
  return m.base;
}

/**
 * The exact cost in femto-dollars. `cachedInput` and `cacheWrite` are parts of `input` and
 * `reasoning` part of `output`, as OpenAI reports usage and as the normalized response.usage
 * is (docs/input.md).
 */
export function costFemto(m: ResolvedModel, t: TokenCounts): bigint {
  if (t.cachedInput + t.cacheWrite > t.input)
    throw new EvaluationError(
      'invalid_argument',
      t.cacheWrite === 0n
        ? `cached input tokens (${t.cachedInput}) exceed input tokens (${t.input})`
        : `cached input tokens (${t.cachedInput}) and cache write tokens (${t.cacheWrite}) exceed input tokens (${t.input})`,
    );
  if (t.reasoning > t.output)
    throw new EvaluationError('invalid_argument', `reasoning tokens (${t.reasoning}) exceed output tokens (${t.output})`);
  const p = pricesFor(m, t.input);
  return (
    (t.input - t.cachedInput - t.cacheWrite) * p.input +
    t.cachedInput * p.cached +
    t.cacheWrite * p.cacheWrite +
    (t.output - t.reasoning) * p.output +
    t.reasoning * p.reasoning
  );
}

// ------------------------------------------------------------------ the process-wide catalog

// Two plug-in slots: the shipped tables (the main one; `llm-policy-engine/catalog-full` adds
// the full one) and a host's layer over them. Kept apart so that the order of installing does
// not matter: the full table added after a host's prices stays under them.
const shippedPlugin = plugin<readonly CatalogTable[]>('catalog.shipped', () => [mainTable]);
const hostPlugin = plugin<{ models: ModelEntry[]; extend: boolean; asOf?: string } | undefined>('catalog.host', () => undefined);

let memo: { shipped: number; host: number; catalog: Catalog } | undefined;

/** The catalog llm.* functions use unless a library was made with its own (process-wide). */
export function getModelCatalog(): Catalog {
  const shipped = shippedPlugin.generation();
  const host = hostPlugin.generation();
  if (memo !== undefined && memo.shipped === shipped && memo.host === host) return memo.catalog;
  const tables = shippedPlugin.get();
  const base = new Catalog(
    tables.flatMap((t) => (t === mainTable ? defaultCatalog.models : expandTable(t))),
    tables.map((t) => t.asOf).sort()[0],
  );
  const layer = hostPlugin.get();
  const catalog =
    layer === undefined ? base : Catalog.from({ asOf: layer.asOf ?? base.asOf ?? '', models: layer.models }, base, layer.extend);
  memo = { shipped, host, catalog };
  return catalog;
}

/** Adds a generated table under the shipped catalog (the full table's entry does this). */
export function addShippedTable(t: CatalogTable): void {
  const tables = shippedPlugin.get();
  if (tables.some((x) => x.source === t.source && x.asOf === t.asOf && Object.keys(x.providers).join() === Object.keys(t.providers).join()))
    return;
  shippedPlugin.set([...tables, t]);
}

function modelsOf(input: ModelCatalog | readonly ModelEntry[]): { models: ModelEntry[]; asOf?: string } {
  // validates (a TypeError naming the model and field) before anything is installed
  const own = Catalog.from(input);
  return { models: own.models(), asOf: own.asOf };
}

/**
 * Replaces the model catalog of every llm.* function in the process that was not made with a
 * catalog of its own: only these models are known from now on. Throws a TypeError naming the
 * model and field for an invalid entry, and then changes nothing. Install it before loading
 * policies: pure calls with constant arguments, such as `llm.cost('gpt-4o', 1000, 0)`, are
 * evaluated once, at load.
 */
export function setModelCatalog(catalog: ModelCatalog | readonly ModelEntry[]): void {
  hostPlugin.set({ ...modelsOf(catalog), extend: false });
}

/**
 * Lays models over the process-wide catalog: a model replaces the one with the same id (with
 * all its aliases), and an id or alias wins over an alias of another model. Repeated calls
 * accumulate. Validated like setModelCatalog.
 */
export function extendModelCatalog(catalog: ModelCatalog | readonly ModelEntry[]): void {
  const add = modelsOf(catalog);
  const prev = hostPlugin.get();
  if (prev === undefined) {
    hostPlugin.set({ ...add, extend: true });
    return;
  }
  const merged = Catalog.from({ asOf: add.asOf ?? prev.asOf ?? '', models: add.models }, new Catalog(prev.models, prev.asOf));
  hostPlugin.set({ models: merged.models(), asOf: merged.asOf, extend: prev.extend });
}

/** Back to the shipped catalog (with the full table, if it was installed). */
export function resetModelCatalog(): void {
  hostPlugin.set(undefined);
}
