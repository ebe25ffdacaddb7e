// llm.cost against @pydantic/genai-prices' calcPrice, for the catalog tests (main and full table).
import { calcPrice } from '@pydantic/genai-prices';
import { costFemto, femtoToNano, getModelCatalog, nanoToUsd, type ModelEntry } from '../../builtins/llm/catalog.js';

/** Token usage in genai-prices' terms: input_tokens includes cache reads and writes. */
export interface UsageShape {
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens?: number;
  cache_write_tokens?: number;
  output_reasoning_tokens?: number;
}

/** USD of a usage by the process-wide catalog: what llm.cost computes, without the CEL call. */
export function ourCost(name: string, u: UsageShape): number {
  const b = (n = 0) => BigInt(n);
  return nanoToUsd(
    femtoToNano(
      costFemto(getModelCatalog().require(name), {
        input: b(u.input_tokens),
        output: b(u.output_tokens),
        cachedInput: b(u.cache_read_tokens),
        cacheWrite: b(u.cache_write_tokens),
        reasoning: b(u.output_reasoning_tokens),
      }),
    ),
  );
}

/** Usage shapes for one model: plain, cached, cache writes, reasoning, each side of every tier. */
export function shapesFor(m: ModelEntry): UsageShape[] {
  const shapes: UsageShape[] = [
    { input_tokens: 0, output_tokens: 0 },
    { input_tokens: 1234, output_tokens: 567 },
    { input_tokens: 100_000, output_tokens: 2_000, cache_read_tokens: 60_000 },
    { input_tokens: 50_000, output_tokens: 1_000, cache_write_tokens: 20_000 },
    {
      input_tokens: 300_001,
      output_tokens: 40_000,
      cache_read_tokens: 100_000,
      cache_write_tokens: 50_000,
      output_reasoning_tokens: 30_000,
    },
    { input_tokens: 2_500_000, output_tokens: 1_000_000, cache_read_tokens: 1_000_000, output_reasoning_tokens: 999_999 },
  ];
  for (const t of m.tiers ?? [])
    for (const input of [t.above_input_tokens, t.above_input_tokens + 1])
      shapes.push({ input_tokens: input, output_tokens: 777, cache_read_tokens: Math.floor(input / 3), cache_write_tokens: 11 });
  return shapes;
}

/** Compares llm.cost with calcPrice for every name of every model calcPrice also knows. */
export function agreement(models: readonly ModelEntry[], asOf: string): { compared: number; names: number; worst: number; bad: string[] } {
  const timestamp = new Date(`${asOf}T12:00:00Z`);
  let compared = 0;
  let names = 0;
  let worst = 0;
  const bad: string[] = [];
  for (const m of models) {
    for (const name of [m.id, ...(m.aliases ?? [])]) {
      if (calcPrice({ input_tokens: 1 }, name, { providerId: m.provider, timestamp }) === null) continue;
      names++;
      for (const u of shapesFor(m)) {
        const theirs = calcPrice({ ...u }, name, { providerId: m.provider, timestamp })!.total_price;
        const ours = ourCost(name, u);
        const d = Math.abs(ours - theirs);
        worst = Math.max(worst, d);
        compared++;
        if (!(d <= 1e-9)) bad.push(`${m.provider}/${name} ${JSON.stringify(u)}: ours ${ours}, calcPrice ${theirs}`);
      }
    }
  }
  return { compared, names, worst, bad };
}
