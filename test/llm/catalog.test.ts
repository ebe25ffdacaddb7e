// The model catalog and the money functions: the generated table (fresh, schema-valid, in
// agreement with @pydantic/genai-prices' calcPrice), lookups, host overrides, exact arithmetic
// (no 0.1 + 0.2 drift), cache reads and writes, tiers, and the engine-level wiring.
import { calcPrice } from '@pydantic/genai-prices';
import Ajv2020 from 'ajv/dist/2020.js';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import {
  Catalog,
  createLlmLibrary,
  defaultCatalog,
  expandTable,
  extendModelCatalog,
  femtoPerToken,
  getModelCatalog,
  resetModelCatalog,
  setModelCatalog,
  withLlmLibrary,
  type ModelEntry,
} from '../../builtins/llm/index.js';
import { table as mainTable } from '../../builtins/llm/catalog-main.generated.js';
import { compileExpression, defaultRegistry, PolicyEngine } from '../../src/entries/index.js';
import { agreement } from './genai-prices.js';

const root = resolve(__dirname, '../..');
const schema = JSON.parse(readFileSync(join(root, 'schemas/model-catalog.schema.json'), 'utf8'));
const overrides = JSON.parse(readFileSync(join(root, 'scripts/catalog/overrides.json'), 'utf8')).models as ModelEntry[];
const AjvClass = (Ajv2020 as unknown as { default?: typeof Ajv2020 }).default ?? Ajv2020;
const validate = new AjvClass({ allErrors: true, strict: true }).compile(schema);
const shipped = defaultCatalog.models;

type Options = Parameters<typeof createLlmLibrary>[0];
/** Evaluates one expression with the default library, or with llm.* made from `options`. */
const run = (expr: string, bindings: Record<string, unknown> = {}, options?: Options) =>
  compileExpression(expr, options ? { registry: withLlmLibrary(defaultRegistry(), options) } : {}).evaluate(bindings);

const decimals = (x: number) => (x.toString().split('.')[1] ?? '').length;

afterEach(() => resetModelCatalog());

describe('the generated catalog', () => {
  test('is what scripts/gen-catalog.mjs makes from the installed @pydantic/genai-prices', () => {
    const dir = mkdtempSync(join(tmpdir(), 'catalog-'));
    try {
      execFileSync(process.execPath, [join(root, 'scripts/gen-catalog.mjs'), '--as-of', mainTable.asOf, '--out', dir], {
        encoding: 'utf8',
      });
      for (const f of ['catalog-main.generated.ts', 'catalog-full.generated.ts'])
        expect(readFileSync(join(dir, f), 'utf8'), `${f} is stale: run npm run gen:catalog`).toBe(
          readFileSync(join(root, 'builtins/llm', f), 'utf8'),
        );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('validates against schemas/model-catalog.schema.json', () => {
    const ok = validate({ asOf: defaultCatalog.asOf, models: shipped });
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  test('carries the model makers of the main entry, each with its models', () => {
    expect(defaultCatalog.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(shipped.length).toBeGreaterThanOrEqual(200);
    const byProvider = new Map<string, number>();
    for (const m of shipped) byProvider.set(m.provider, (byProvider.get(m.provider) ?? 0) + 1);
    for (const p of ['openai', 'anthropic', 'google', 'mistral', 'deepseek', 'x-ai', 'cohere'])
      expect(byProvider.get(p) ?? 0, p).toBeGreaterThanOrEqual(5);
    expect([...byProvider.keys()].sort()).toEqual(['anthropic', 'cohere', 'deepseek', 'google', 'mistral', 'openai', 'x-ai']);
  });

  test('every hand-kept model name still resolves, with its hand-kept limits', () => {
    for (const o of overrides) {
      for (const name of [o.id, ...(o.aliases ?? [])]) expect(getModelCatalog().lookup(name), name).toBeDefined();
      const e = getModelCatalog().require(o.id).entry;
      expect(e.id).toBe(o.id);
      expect([e.context_window, e.max_output, e.max_input, e.status], o.id).toEqual([
        o.context_window,
        o.max_output,
        o.max_input,
        o.status,
      ]);
    }
  });

  test('every model is consistent: ids unique, limits sane, prices exact to 10^-9', () => {
    const c = new Catalog(shipped); // throws on a duplicate id or alias
    expect(c.size).toBe(shipped.length);
    for (const m of shipped) {
      if (m.max_output !== undefined && m.context_window !== undefined) expect(m.max_output, m.id).toBeLessThanOrEqual(m.context_window);
      if (m.max_input !== undefined) expect(m.max_input, m.id).toBeLessThanOrEqual(m.context_window!);
      for (const p of [m.pricing, ...(m.tiers ?? [])]) {
        for (const v of Object.values(p)) expect(decimals(v as number), m.id).toBeLessThanOrEqual(9);
        if (p.cached_input !== undefined) expect(p.cached_input, m.id).toBeLessThanOrEqual(p.input);
      }
      for (const t of m.tiers ?? []) {
        expect(t.input, m.id).toBeGreaterThanOrEqual(m.pricing.input);
        if (m.context_window !== undefined) expect(t.above_input_tokens, m.id).toBeLessThan(m.context_window);
      }
    }
  });

  test('the compact table round-trips every field', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            id: fc.stringMatching(/^[a-z0-9][a-z0-9.:-]{0,20}$/),
            aliases: fc.array(fc.stringMatching(/^[a-z0-9][a-z0-9.:-]{0,20}$/), { minLength: 1, maxLength: 3 }),
            context_window: fc.integer({ min: 1, max: 2_000_000 }),
            max_output: fc.integer({ min: 1, max: 200_000 }),
            status: fc.constantFrom('active' as const, 'legacy' as const),
            pricing: fc.record({ input: fc.integer({ min: 0, max: 10 ** 6 }).map((n) => n / 1000), output: fc.constant(2) }),
          },
          { requiredKeys: ['id', 'pricing'] },
        ),
        (e) => {
          const cells = [
            e.id,
            (e.aliases ?? []).join(' '),
            e.context_window ?? '',
            e.max_output ?? '',
            '',
            e.status ?? '',
            '',
            `${e.pricing.input},${e.pricing.output}`,
          ];
          const [back] = expandTable({ asOf: '2026-01-01', source: 'test', providers: { p: `\n${cells.join('|')}` } });
          expect(back).toEqual({ ...e, provider: 'p' });
        },
      ),
      { numRuns: 50 },
    );
  });

  test('the schema and the loader reject the same broken entries', () => {
    const good = shipped.find((m) => m.id === 'gpt-4o')!;
    const broken: [string, unknown][] = [
      ['negative price', { ...good, pricing: { input: -1, output: 1 } }],
      ['no output price', { ...good, pricing: { input: 1 } }],
      ['fractional context', { ...good, context_window: 1000.5 }],
      ['unknown field', { ...good, colour: 'blue' }],
      ['unknown status', { ...good, status: 'gone' }],
      ['no provider', { ...good, provider: undefined }],
    ];
    for (const [why, entry] of broken) {
      const doc = { asOf: '2026-01-01', models: [JSON.parse(JSON.stringify(entry))] };
      expect(validate(doc), why).toBe(false);
      expect(() => new Catalog(doc.models as ModelEntry[]), why).toThrow(TypeError);
    }
    expect(() => new Catalog([good, { ...good, id: 'other', aliases: [good.id] }])).toThrow(/also names/);
    // Precision (at most 9 decimal places) is the loader's check: JSON Schema's multipleOf
    // cannot say it exactly for binary numbers.
    expect(() => new Catalog([{ ...good, pricing: { input: 0.0000000001, output: 1 } }])).toThrow(/9 decimal places/);
  });
});

describe('agreement with @pydantic/genai-prices', () => {
  test('llm.cost equals calcPrice within 1e-9 USD for every model both know, on every usage shape', () => {
    const r = agreement(shipped, mainTable.asOf);
    expect(r.bad.slice(0, 10)).toEqual([]);
    expect(r.names).toBeGreaterThanOrEqual(200);
    expect(r.compared).toBeGreaterThan(r.names * 6);
  });

  test('through the CEL call too, with usage maps and options', () => {
    const t = new Date(`${mainTable.asOf}T12:00:00Z`);
    const u = { input_tokens: 300_001, output_tokens: 40_000, cache_read_tokens: 100_000, cache_write_tokens: 50_000 };
    for (const [model, provider] of [
      ['claude-sonnet-4-5', 'anthropic'],
      ['gemini-2.5-pro', 'google'],
      ['gpt-5.5', 'openai'],
    ] as const) {
      const theirs = calcPrice(u, model, { providerId: provider, timestamp: t })!.total_price;
      const usage = { input_tokens: 300_001, output_tokens: 40_000, cached_input_tokens: 100_000, cache_write_tokens: 50_000 };
      expect(Math.abs((run('llm.cost(m, usage)', { m: model, usage }) as number) - theirs), model).toBeLessThanOrEqual(1e-9);
      const viaOptions = run("llm.cost(m, 300001, 40000, {'cachedInputTokens': 100000, 'cacheWriteTokens': 50000})", { m: model });
      expect(Math.abs((viaOptions as number) - theirs), model).toBeLessThanOrEqual(1e-9);
    }
  });
});

describe('lookups and facts', () => {
  test('ids, aliases, provider prefixes, case and Vertex-style @ dates resolve to one model', () => {
    for (const id of ['gpt-4o', 'gpt-4o-2024-08-06', 'openai/gpt-4o', 'GPT-4o']) expect(run('llm.model(id).id', { id })).toBe('gpt-4o');
    expect(run("llm.model('claude-opus-4-5@20251101').id")).toBe('claude-opus-4-5');
    expect(run("llm.model('models/gemini-2.5-flash').id")).toBe('gemini-2.5-flash');
    // a snapshot with its own price is its own model, not an alias
    expect(run("llm.model('gpt-4o-2024-05-13').input_price")).toBe(5);
    expect(run("llm.knownModel('gpt-4o-2024-04-01')")).toBe(false);
  });

  test('llm.model returns typed facts', () => {
    const f = run("llm.model('gemini-2.5-pro')") as Record<string, unknown>;
    expect(f).toMatchObject({
      id: 'gemini-2.5-pro',
      provider: 'google',
      context_window: 1048576n,
      max_output: 65536n,
      max_input: 1048576n,
      input_price: 1.25,
      output_price: 10,
      cached_input_price: 0.125,
      reasoning_price: 10,
      status: 'legacy',
    });
    expect((f.tiers as unknown[]).length).toBe(1);
    expect(run("llm.model('gpt-4o').context_window - llm.model('gpt-4o').max_output")).toBe(128000n - 16384n);
    expect(run("llm.model('claude-haiku-4-5').aliases")).toEqual(['claude-haiku-4-5-20251001']);
  });
});

describe('cost arithmetic', () => {
  test('prices are read from their decimal text, never multiplied in floating point', () => {
    expect(femtoPerToken(0.075)).toBe(75_000_000n);
    expect(femtoPerToken(2.5)).toBe(2_500_000_000n);
    expect(femtoPerToken(0.0833)).toBe(83_300_000n);
    expect(femtoPerToken(0.083333333)).toBe(83_333_333n);
    expect(femtoPerToken(1e-9)).toBe(1n);
    expect(femtoPerToken(1234567.123456789)).toBe(1_234_567_123_456_789n);
    expect(() => femtoPerToken(1e-10)).toThrow(/9 decimal places/);
    expect(() => femtoPerToken(Number.NaN)).toThrow(TypeError);
  });

  const drift: Options = {
    catalog: [
      {
        id: 'drift',
        provider: 'test',
        context_window: 10_000_000,
        max_output: 10_000_000,
        pricing: { input: 0.1, output: 0.2, cached_input: 0.01 },
      },
    ],
  };

  test('0.1 + 0.2 cannot flip a budget comparison', () => {
    // In floating point, 1M tokens at 0.1 plus 1M at 0.2 is 0.30000000000000004 > 0.3.
    expect((1_000_000 * 0.1) / 1e6 + (1_000_000 * 0.2) / 1e6).toBeGreaterThan(0.3);
    expect(run("llm.cost('drift', 1000000, 1000000)", {}, drift)).toBe(0.3);
    expect(run("llm.cost('drift', 1000000, 1000000) <= 0.3", {}, drift)).toBe(true);
    expect(run("llm.cost('drift', 1000000, 1000000) <= budget.limit_usd", { budget: { limit_usd: 0.3 } }, drift)).toBe(true);
    // 0.1 three times over: three separate costs summed as doubles drift; one cost call, or
    // integer nano-dollars, does not.
    expect(run("llm.cost('drift', 1000000, 0) + llm.cost('drift', 1000000, 0) + llm.cost('drift', 1000000, 0) == 0.3", {}, drift)).toBe(
      false,
    );
    expect(run("llm.cost('drift', 3000000, 0) == 0.3", {}, drift)).toBe(true);
    expect(run("llm.costNanos('drift', 1000000, 0) * 3 == llm.costNanos('drift', 3000000, 0)", {}, drift)).toBe(true);
  });

  test('cost equals the exact decimal value, rounded half-up to the nano-dollar (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200_000_000 }), // price in 10^-6 USD per million tokens
        fc.integer({ min: 0, max: 200_000_000 }),
        fc.integer({ min: 0, max: 2_000_000 }),
        fc.integer({ min: 0, max: 2_000_000 }),
        (pin, pout, tin, tout) => {
          const input = pin / 1e6;
          const output = pout / 1e6;
          const lib: Options = {
            extendCatalog: false,
            catalog: [{ id: 'm', provider: 't', context_window: 10_000_000, max_output: 10_000_000, pricing: { input, output } }],
          };
          const pico = BigInt(tin) * BigInt(pin) + BigInt(tout) * BigInt(pout); // 10^-12 USD
          const nano = (pico + 500n) / 1000n;
          const usd = run('llm.cost("m", i, o)', { i: tin, o: tout }, lib) as number;
          // the double nearest to the decimal nano-dollar amount
          const text = `${nano / 1_000_000_000n}.${(nano % 1_000_000_000n).toString().padStart(9, '0')}`;
          expect(usd).toBe(Number(text));
          expect(run('llm.costNanos("m", i, o)', { i: BigInt(tin), o: BigInt(tout) }, lib)).toBe(nano);
        },
      ),
      { numRuns: 60 },
    );
  });

  test('cached input and reasoning are parts of input and output, priced apart', () => {
    // gpt-4o-mini: 0.15 input, 0.075 cached, 0.60 output
    expect(run("llm.cost('gpt-4o-mini', 1000, 1000, {'cachedInputTokens': 1000})")).toBe(0.000675);
    expect(run("llm.cost('gpt-4o-mini', 1000, 1000, {'cached_input_tokens': 0, 'reasoning_tokens': 1000})")).toBe(0.00075);
    expect(() => run("llm.cost('gpt-4o-mini', 10, 10, {'cachedInputTokens': 11})")).toThrow(/exceed input/);
    expect(() => run("llm.cost('gpt-4o-mini', 10, 10, {'reasoningTokens': 11})")).toThrow(/exceed output/);
    expect(() => run("llm.cost('gpt-4o-mini', 10, 10, {'cachedTokens': 1})")).toThrow(/unknown option/);
  });

  test('token counts: ints, JSON numbers that are whole, nothing else', () => {
    expect(run('llm.cost("gpt-4o", usage.input, usage.output)', { usage: { input: 1000, output: 500 } })).toBe(0.0075);
    expect(() => run('llm.cost("gpt-4o", 1.5, 1)')).toThrow(/whole number/);
    expect(() => run('llm.cost("gpt-4o", -1, 1)')).toThrow(/negative/);
    expect(() => run('llm.cost("gpt-4o", "10", 1)')).toThrow(/number of tokens/);
  });

  test('a usage map, as response.usage is normalized', () => {
    const usage = { input_tokens: 10000, output_tokens: 2000, cached_input_tokens: 8000, reasoning_tokens: 1500 };
    // o4-mini: 1.10 input, 0.275 cached, 4.40 output
    expect(run("llm.cost('o4-mini', usage)", { usage })).toBe(0.0022 + 0.0022 + 0.0088);
    expect(
      run("llm.cost('o4-mini', usage) == llm.cost('o4-mini', 10000, 2000, {'cachedInputTokens': 8000, 'reasoningTokens': 1500})", {
        usage,
      }),
    ).toBe(true);
    expect(() => run("llm.cost('o4-mini', {'input_tokens': 1})")).toThrow(/usage needs/);
  });

  test('cache writes are part of the input, priced at the cache-write price', () => {
    // claude-haiku-4-5: 1 input, 0.10 cache reads, 1.25 cache writes, 5 output
    const usage = { input_tokens: 10000, output_tokens: 1000, cached_input_tokens: 6000, cache_write_tokens: 2000 };
    expect(run("llm.cost('claude-haiku-4-5', usage)", { usage })).toBe(0.0101); // 2000 x 1 + 6000 x 0.1 + 2000 x 1.25 + 1000 x 5
    expect(run("llm.model('claude-haiku-4-5').cache_write_price")).toBe(1.25);
    // without a cache-write price (gpt-4o-mini) a write is billed as input
    expect(run("llm.cost('gpt-4o-mini', 1000, 0, {'cacheWriteTokens': 1000}) == llm.cost('gpt-4o-mini', 1000, 0)")).toBe(true);
    expect(() => run("llm.cost('gpt-4o-mini', 10, 0, {'cachedInputTokens': 6, 'cacheWriteTokens': 5})")).toThrow(/exceed input/);
  });

  test('long-context tiers price the whole request above the threshold', () => {
    // gemini-2.5-pro: 1.25 / 10 up to 200K input tokens, 2.50 / 15 above
    expect(run("llm.cost('gemini-2.5-pro', 200000, 1000)")).toBe(0.25 + 0.01);
    expect(run("llm.cost('gemini-2.5-pro', 200001, 1000)")).toBe(0.5000025 + 0.015);
    // claude-haiku-5-5: 0.10 / 0.50 up to 100K, 0.50 / 2.50 above
    expect(run("llm.costNanos('claude-haiku-5-5', 100001, 0)")).toBe(50_000_500n);
  });
});

describe('estimateCost and fitsContext', () => {
  const request = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hello world' }] };

  test("without max_tokens, estimateCost assumes the model's max_output; a host can choose another default", () => {
    // 9 input tokens (estimator and o200k agree) + 16384 output tokens at 0.60
    expect(run('llm.estimateCost(r)', { r: request })).toBe(0.00000135 + 0.0098304);
    const lib: Options = { defaultMaxTokens: 1000 };
    expect(run('llm.estimateCost(r)', { r: request }, lib)).toBe(0.00000135 + 0.0006);
    expect(run('llm.estimateCost(r)', { r: { ...request, max_tokens: 1000 } })).toBe(0.00000135 + 0.0006);
    expect(() => createLlmLibrary({ defaultMaxTokens: -1 })).toThrow(TypeError);
  });

  test('a request for an unknown model is an error, so a deny-by-default policy fails closed', () => {
    expect(() => run('llm.estimateCost(r)', { r: { ...request, model: 'gpt-99' } })).toThrow(/unknown model/);
    expect(() => run('llm.fitsContext(r)', { r: { messages: [] } })).toThrow(/no `model`/);
  });

  test('fitsContext checks max_input, max_output and the window', () => {
    expect(run('llm.fitsContext(r)', { r: { ...request, max_tokens: 16384 } })).toBe(true);
    expect(run('llm.fitsContext(r)', { r: { ...request, max_tokens: 16385 } })).toBe(false); // over max_output
    const big = { model: 'gpt-5', messages: [{ role: 'user', content: 'word '.repeat(280_000) }] };
    expect(run('llm.fitsContext(r)', { r: big })).toBe(false); // over max_input (272K) though under the 400K window
    expect(run("llm.fitsContext(r, 'gpt-4.1')", { r: big })).toBe(true);
  });
});

describe('host catalogs', () => {
  const host: ModelEntry[] = [
    {
      id: 'gpt-4o',
      provider: 'openai',
      context_window: 128000,
      max_output: 16384,
      pricing: { input: 2, output: 8 },
      note: 'negotiated price',
    },
    {
      id: 'acme-llm',
      provider: 'acme',
      aliases: ['acme-llm-2026-01'],
      context_window: 32000,
      max_output: 4000,
      pricing: { input: 0.5, output: 1.5 },
      tokenizer: 'o200k_base',
    },
  ];

  test('extend (the default): host models replace same-id models and add new ones', () => {
    const lib: Options = { catalog: { asOf: '2026-02-01', models: host } };
    expect(run("llm.cost('gpt-4o', 1000000, 0)", {}, lib)).toBe(2);
    expect(run("llm.knownModel('gpt-4o-2024-08-06')", {}, lib)).toBe(false); // the replaced entry's aliases go with it
    expect(run("llm.model('acme-llm-2026-01').provider", {}, lib)).toBe('acme');
    expect(run("llm.knownModel('claude-haiku-4-5')", {}, lib)).toBe(true);
    // the shipped library is untouched
    expect(run("llm.cost('gpt-4o', 1000000, 0)")).toBe(2.5);
  });

  test('replace: only the host models', () => {
    const lib: Options = { catalog: host, extendCatalog: false };
    expect(run("llm.knownModel('claude-haiku-4-5')", {}, lib)).toBe(false);
    expect(run("llm.knownModel('acme-llm')", {}, lib)).toBe(true);
  });

  test('a bad host catalog fails at construction, naming the model and field', () => {
    expect(() => createLlmLibrary({ catalog: [{ ...host[1]!, pricing: { input: 0.5 } as never }] })).toThrow(/acme-llm.*output/);
    expect(() => createLlmLibrary({ catalog: { asOf: 'x' } as never })).toThrow(/models/);
  });

  test('a PolicyEngine takes a host catalog through withLlmLibrary', () => {
    const engine = new PolicyEngine({ registry: withLlmLibrary(defaultRegistry(), { catalog: host, defaultMaxTokens: 500 }) });
    engine.addPolicy(`apiVersion: llmpolicy/v1
kind: Policy
metadata: { name: budget }
spec:
  let:
    est: llm.estimateCost(request)
  rules:
    - id: unknown-model
      when: "!llm.knownModel(request.model)"
      effect: deny
    - id: over-budget
      when: budget.spent_usd + est > budget.limit_usd
      effect: deny
      message: "{{ est }}"
`);
    const request = { model: 'acme-llm', messages: [{ role: 'user', content: 'Hello world' }] };
    // 9 tokens at 0.5 + 500 at 1.5 = 0.0000045 + 0.00075
    expect(engine.evaluate({ request, budget: { spent_usd: 0, limit_usd: 0.0007545 } }).effect).toBe('allow');
    expect(engine.evaluate({ request, budget: { spent_usd: 0.0000001, limit_usd: 0.0007545 } }).effect).toBe('deny');
    expect(engine.evaluate({ request: { ...request, model: 'nope' }, budget: { spent_usd: 0, limit_usd: 1 } }).effect).toBe('deny');
  });
});

describe('the process-wide catalog (setModelCatalog, extendModelCatalog)', () => {
  const acme: ModelEntry = {
    id: 'acme-llm',
    provider: 'acme',
    context_window: 32000,
    max_output: 4000,
    pricing: { input: 0.5, output: 1.5 },
  };

  test('extend lays models over the shipped ones, for every llm.* library that has no catalog of its own', () => {
    const lib = withLlmLibrary(defaultRegistry(), { defaultMaxTokens: 10 }); // made before: it sees the change too
    extendModelCatalog({
      asOf: '2026-12-01',
      models: [acme, { ...acme, id: 'gpt-4o', provider: 'openai', pricing: { input: 2, output: 8 } }],
    });
    expect(run("llm.cost('acme-llm', 1000000, 0)")).toBe(0.5);
    expect(run("llm.cost('gpt-4o', 1000000, 0)")).toBe(2);
    expect(run("llm.knownModel('gpt-4o-2024-08-06')")).toBe(false); // the replaced entry's aliases go with it
    expect(run("llm.knownModel('claude-haiku-4-5')")).toBe(true);
    expect(compileExpression("llm.cost('acme-llm', 1000000, 0)", { registry: lib }).evaluate({})).toBe(0.5);
    extendModelCatalog([{ ...acme, pricing: { input: 0.25, output: 1 } }]); // accumulates: the later call wins
    expect(run("llm.cost('acme-llm', 1000000, 0) + llm.cost('gpt-4o', 1000000, 0)")).toBe(2.25);
    resetModelCatalog();
    expect(run("llm.knownModel('acme-llm')")).toBe(false);
    expect(run("llm.cost('gpt-4o', 1000000, 0)")).toBe(2.5);
  });

  test('set replaces it; a library with its own catalog lays it over whatever is installed', () => {
    setModelCatalog([acme]);
    expect(run("llm.knownModel('gpt-4o')")).toBe(false);
    expect(getModelCatalog().size).toBe(1);
    const own: Options = { catalog: [{ ...acme, id: 'own' }] };
    expect(run("llm.knownModel('acme-llm') && llm.knownModel('own')", {}, own)).toBe(true);
    expect(run("llm.knownModel('acme-llm')", {}, { ...own, extendCatalog: false })).toBe(false);
  });

  test('a bad catalog throws, naming the model and field, and changes nothing', () => {
    expect(() => setModelCatalog([{ ...acme, pricing: { input: 0.5 } as never }])).toThrow(/acme-llm.*output/);
    expect(() => extendModelCatalog({ asOf: 'x' } as never)).toThrow(/models/);
    expect(run("llm.knownModel('gpt-4o') && !llm.knownModel('acme-llm')")).toBe(true);
  });

  test('limits the catalog does not know are absent, and the functions that need them say so', () => {
    extendModelCatalog([
      { id: 'no-limits', provider: 't', pricing: { input: 1, output: 2 } },
      { id: 'window-only', provider: 't', context_window: 1000, pricing: { input: 1, output: 2 } },
    ]);
    const r = { model: 'no-limits', messages: [{ role: 'user', content: 'Hello world' }] };
    expect(run("has(llm.model('no-limits').context_window)")).toBe(false);
    expect(run("llm.model('window-only').max_input")).toBe(1000n);
    expect(() => run('llm.fitsContext(r)', { r })).toThrow(/no context window for model `no-limits`/);
    expect(() => run('llm.estimateCost(r)', { r })).toThrow(/no max_output or context window/);
    expect(run('llm.estimateCost(r)', { r: { ...r, max_tokens: 1000000 } })).toBe(2.000009);
    // the window bounds the output when max_output is unknown: 9 input + 1000 output tokens
    expect(run("llm.estimateCost(r, 'window-only')", { r })).toBe(0.002009);
    expect(run("llm.fitsContext(r, 'window-only')", { r: { ...r, max_tokens: 991 } })).toBe(true);
    expect(run("llm.fitsContext(r, 'window-only')", { r: { ...r, max_tokens: 992 } })).toBe(false);
  });
});
