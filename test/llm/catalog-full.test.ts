// llm-policy-engine/catalog-full: importing it lays the full generated table under the
// process-wide catalog, in agreement with genai-prices, without touching a host's prices.
import { describe, expect, test } from 'vitest';
import { extendModelCatalog, getModelCatalog, resetModelCatalog, setModelCatalog } from '../../builtins/llm/catalog.js';
import { table as fullTable } from '../../builtins/llm/catalog-full.generated.js';
import { expandTable } from '../../builtins/llm/index.js';
import { compileExpression } from '../../src/entries/index.js';
import { agreement } from './genai-prices.js';

const full = expandTable(fullTable);
const hosted = full.find((m) => m.provider === 'groq')!;

describe('the full table', () => {
  test('is opt-in: the main entry does not know its models until the entry is imported', async () => {
    expect(getModelCatalog().lookup(hosted.id)).toBeUndefined();
    extendModelCatalog([{ id: hosted.id, provider: 'host', pricing: { input: 1, output: 1 } }]); // a host's price, installed first
    const before = getModelCatalog().size;
    await import('../../builtins/llm/catalog-full.js');
    expect(getModelCatalog().size).toBe(before + full.length - 1);
    expect(getModelCatalog().require(hosted.id).entry.provider).toBe('host'); // the host's price stays on top
    resetModelCatalog();
    expect(getModelCatalog().require(hosted.id).entry.provider).toBe('groq');
    expect(compileExpression('llm.knownModel(m)').evaluate({ m: hosted.id })).toBe(true);
    setModelCatalog([{ id: 'only', provider: 'host', pricing: { input: 1, output: 1 } }]);
    expect(getModelCatalog().size).toBe(1); // replace means replace, full table or not
    resetModelCatalog();
  });

  test('hosting platforms, with 800+ models, agree with calcPrice within 1e-9 USD', async () => {
    await import('../../builtins/llm/catalog-full.js');
    expect(full.length).toBeGreaterThanOrEqual(800);
    for (const p of ['aws', 'azure', 'groq', 'together', 'fireworks', 'openrouter'])
      expect(
        full.some((m) => m.provider === p),
        p,
      ).toBe(true);
    const r = agreement(full, fullTable.asOf);
    expect(r.bad.slice(0, 10)).toEqual([]);
    expect(r.names).toBeGreaterThanOrEqual(800);
  });
});
