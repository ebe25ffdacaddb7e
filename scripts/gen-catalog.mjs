// Generates the model catalog from @pydantic/genai-prices (prices, maintained by Pydantic) and
// scripts/catalog/overrides.json (hand-kept limits, aliases and status):
//
//   builtins/llm/catalog-main.generated.ts   the model makers' own APIs, in the main entry
//   builtins/llm/catalog-full.generated.ts   every other model, for llm-policy-engine/catalog-full
//
// Refresh: `npm i -D --save-exact @pydantic/genai-prices@latest && npm run gen:catalog`, then
// `npx vitest run test/llm/catalog.test.ts` (it checks llm.cost against genai-prices' calcPrice
// for every model both know). Pass `--as-of YYYY-MM-DD` to price at another date, `--out DIR`
// to write elsewhere (the test regenerates into a temporary folder and compares).
//
// Every name in the table is priced by what calcPrice resolves that name to, so the two always
// agree: a genai-prices model is listed under its id and the exact names its `match` lists
// (`equals`); prefix and pattern matches are not copied, since llm.* looks names up exactly.
// Conditional prices are read at noon UTC on the as-of date (a scheduled price change shows
// in the next regenerated table; time-of-day discounts are not modelled). Only token prices
// are kept (input, output, cache reads, cache writes, reasoning); models priced per request,
// page or audio hour are left out.

import { calcPrice, waitForUpdate } from '@pydantic/genai-prices';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const version = JSON.parse(readFileSync(join(root, 'node_modules/@pydantic/genai-prices/package.json'), 'utf8')).version;

const asOfArg = process.argv.indexOf('--as-of');
const asOf = asOfArg > 0 ? process.argv[asOfArg + 1] : new Date().toISOString().slice(0, 10);
if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf)) throw new Error(`--as-of: expected YYYY-MM-DD, got \`${asOf}\``);
const timestamp = new Date(`${asOf}T12:00:00Z`);
const outArg = process.argv.indexOf('--out');
const outDir = outArg > 0 ? process.argv[outArg + 1] : join(root, 'builtins/llm');

/**
 * The providers whose models go in the main entry: the model makers' own APIs, where a model
 * id names one price. Hosting platforms (AWS Bedrock, Azure, Groq, Together, Fireworks,
 * OpenRouter, ...) resell models under their own ids and prices: the opt-in full table.
 */
export const MAIN_PROVIDERS = ['openai', 'anthropic', 'google', 'mistral', 'deepseek', 'x-ai', 'cohere'];

const PRICE_KEYS = {
  input_mtok: 'input',
  output_mtok: 'output',
  cache_read_mtok: 'cached_input',
  cache_write_mtok: 'cache_write',
  output_reasoning_mtok: 'reasoning',
};
const PRICE_ORDER = ['input', 'output', 'cached_input', 'cache_write', 'reasoning'];
/** Price keys that charge whatever the usage: a token table cannot say them. */
const ALWAYS_CHARGED = new Set(['requests_kcount']);

/** The lookup key of a name, as builtins/llm/catalog.ts modelKey makes it. */
function modelKey(id) {
  let k = id.trim().toLowerCase();
  const slash = k.lastIndexOf('/');
  if (slash >= 0) k = k.slice(slash + 1);
  return k.replace('@', '-');
}

/** A USD-per-million price at the catalog's precision (9 decimal places; float noise dropped). */
function price(x) {
  return Number(x.toFixed(9));
}

/** Names a match lists exactly. */
function exactNames(match) {
  if ('equals' in match) return [match.equals];
  if ('or' in match) return match.or.flatMap(exactNames);
  return [];
}

/** pricing and tiers of a genai-prices ModelPrice, or a reason it is left out. */
function convert(modelPrice) {
  const keys = Object.keys(modelPrice).filter((k) => modelPrice[k] !== undefined);
  if (keys.some((k) => ALWAYS_CHARGED.has(k))) return { skip: 'charged per request' };
  const token = keys.filter((k) => k in PRICE_KEYS);
  if (!token.includes('input_mtok') && keys.length > token.length) return { skip: 'not priced per token' };
  const at = (v, input) => {
    if (typeof v === 'number') return v;
    let p = v.base;
    for (const t of v.tiers) if (input > t.start) p = t.price;
    return p;
  };
  const starts = [...new Set(token.flatMap((k) => (typeof modelPrice[k] === 'object' ? modelPrice[k].tiers.map((t) => t.start) : [])))];
  starts.sort((a, b) => a - b);
  const pricesAt = (input) => {
    const p = { input: 0, output: 0 };
    for (const k of token) p[PRICE_KEYS[k]] = price(at(modelPrice[k], input));
    return p;
  };
  return { pricing: pricesAt(0), tiers: starts.map((s) => ({ above_input_tokens: s, ...pricesAt(s + 1) })) };
}

function resolveName(name, providerId) {
  const r = calcPrice({ input_tokens: 1 }, name, { providerId, timestamp });
  return r ? { model: r.model, modelPrice: r.model_price } : undefined;
}

// ------------------------------------------------------------------ build the entries

const providers = await waitForUpdate();
const overrides = JSON.parse(readFileSync(join(root, 'scripts/catalog/overrides.json'), 'utf8')).models;
const order = [...MAIN_PROVIDERS, ...providers.map((p) => p.id).filter((id) => !MAIN_PROVIDERS.includes(id))];

const taken = new Map(); // lookup key -> entry id
const entries = []; // { provider, main, entry }
const covered = new Set(); // genai-prices models already listed, by object
const warnings = [];
const skipped = new Map();

function claim(names, id) {
  const kept = [];
  for (const n of names) {
    const k = modelKey(n);
    if (taken.has(k)) continue;
    taken.set(k, id);
    kept.push(n);
  }
  return kept;
}

// Hand-kept models first: their names, limits and status win.
for (const o of overrides) {
  // genai-prices may know the model by an alias only (a -latest name)
  const r = [o.id, ...(o.aliases ?? [])].map((n) => resolveName(n, o.provider)).find((x) => x !== undefined);
  const names = [o.id, ...(o.aliases ?? [])];
  const aliases = [];
  for (const a of o.aliases ?? []) {
    const ra = resolveName(a, o.provider);
    if (r && ra && ra.model !== r.model)
      warnings.push(`alias \`${a}\` of \`${o.id}\`: genai-prices prices it as \`${ra.model.id}\`, not \`${r.model.id}\``);
    else aliases.push(a);
  }
  let pricing = o.pricing;
  let tiers = o.tiers;
  if (r) {
    const c = convert(r.modelPrice);
    if (c.skip) throw new Error(`override \`${o.id}\`: genai-prices model \`${r.model.id}\` is ${c.skip}`);
    ({ pricing, tiers } = c);
    if (r.model.id.toLowerCase() === o.id.toLowerCase()) {
      covered.add(r.model);
      // the model's other exact names join the hand-kept entry
      for (const n of exactNames(r.model.match)) {
        const rn = resolveName(n, o.provider);
        if (rn && rn.model === r.model && !names.some((x) => modelKey(x) === modelKey(n))) aliases.push(n.toLowerCase());
      }
    }
  } else warnings.push(`\`${o.id}\`: not in genai-prices ${version}; hand-kept price`);
  const [id, ...kept] = claim([o.id, ...aliases], o.id);
  if (id !== o.id) throw new Error(`override \`${o.id}\` is listed twice`);
  const entry = { id: o.id, provider: o.provider };
  if (kept.length) entry.aliases = kept;
  for (const k of ['context_window', 'max_output', 'max_input', 'status', 'tokenizer']) if (o[k] !== undefined) entry[k] = o[k];
  entry.pricing = pricing;
  if (tiers?.length) entry.tiers = tiers;
  entries.push({ provider: o.provider, main: true, entry });
}

for (const pid of order) {
  const p = providers.find((x) => x.id === pid);
  for (const m of p.models) {
    if (covered.has(m)) continue;
    // every name that calcPrice resolves to this very model
    const names = [m.id, ...exactNames(m.match)].map((n) => n.toLowerCase());
    const own = [...new Set(names)].filter((n) => resolveName(n, pid)?.model === m);
    if (own.length === 0) {
      skipped.set('unreachable by its own names', (skipped.get('unreachable by its own names') ?? 0) + 1);
      continue;
    }
    const c = convert(resolveName(own[0], pid).modelPrice);
    if (c.skip) {
      skipped.set(c.skip, (skipped.get(c.skip) ?? 0) + 1);
      continue;
    }
    const kept = claim(own, own[0]);
    if (kept.length === 0) {
      skipped.set('names taken by an earlier provider', (skipped.get('names taken by an earlier provider') ?? 0) + 1);
      continue;
    }
    covered.add(m);
    const [id, ...aliases] = kept;
    const entry = { id, provider: pid };
    if (aliases.length) entry.aliases = aliases;
    if (m.context_window) entry.context_window = m.context_window;
    if (m.deprecated) entry.status = 'deprecated';
    entry.pricing = c.pricing;
    if (c.tiers.length) entry.tiers = c.tiers;
    entries.push({ provider: pid, main: MAIN_PROVIDERS.includes(pid), entry });
  }
}

// ------------------------------------------------------------------ the compact table

// One line a model: id|aliases|context_window|max_output|max_input|status|tokenizer|prices|tiers
// with prices `input,output,cached_input,cache_write,reasoning` and tiers `above:prices;...`,
// empty fields for what a model lacks and trailing empty fields cut (catalog.ts expandTable).
function pricesText(p) {
  return PRICE_ORDER.map((k) => (p[k] === undefined ? '' : String(p[k])))
    .join(',')
    .replace(/,+$/, '');
}

function row(e) {
  const cells = [
    e.id,
    (e.aliases ?? []).join(' '),
    e.context_window ?? '',
    e.max_output ?? '',
    e.max_input ?? '',
    e.status ?? '',
    e.tokenizer ?? '',
    pricesText(e.pricing),
    (e.tiers ?? []).map((t) => `${t.above_input_tokens}:${pricesText(t)}`).join(';'),
  ].map(String);
  for (const c of cells) if (/[|\n`\\]|\$\{/.test(c)) throw new Error(`\`${c}\` cannot go in the table`);
  while (cells.at(-1) === '') cells.pop();
  return cells.join('|');
}

function module(which, list) {
  const byProvider = new Map();
  for (const { provider, entry } of list) byProvider.set(provider, [...(byProvider.get(provider) ?? []), row(entry)]);
  // keys as Biome prints them, so that the generated file passes `npm run format:check`
  const key = (p) => (/^[A-Za-z_$][\w$]*$/.test(p) ? p : `'${p}'`);
  const body = [...byProvider].map(([p, rows]) => `    ${key(p)}: \`\n${rows.join('\n')}\`,`).join('\n');
  return `// Generated by scripts/gen-catalog.mjs from @pydantic/genai-prices ${version} and
// scripts/catalog/overrides.json: do not edit (docs/llm.md says how to refresh it).
// ${which}

import type { CatalogTable } from './catalog.js';

export const table: CatalogTable = {
  asOf: '${asOf}',
  source: '@pydantic/genai-prices@${version}',
  providers: {
${body}
  },
};
`;
}

const main = entries.filter((e) => e.main);
const full = entries.filter((e) => !e.main);
writeFileSync(
  join(outDir, 'catalog-main.generated.ts'),
  module(`The model makers' own APIs (${MAIN_PROVIDERS.join(', ')}): ${main.length} models.`, main),
);
writeFileSync(
  join(outDir, 'catalog-full.generated.ts'),
  module(
    `Every other model, for llm-policy-engine/catalog-full: ${full.length} models of ${new Set(full.map((e) => e.provider)).size} providers.`,
    full,
  ),
);
console.log(`as of ${asOf}, @pydantic/genai-prices ${version}: ${main.length} models in the main table, ${full.length} in the full table`);
for (const [why, n] of skipped) console.log(`  left out: ${n} (${why})`);
for (const w of warnings) console.log(`  note: ${w}`);
