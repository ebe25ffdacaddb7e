// `llm-policy-engine/core` is the engine without the function library: a bundle of it holds
// no builtin, and an engine built from it knows only the functions it is given.
import { bundleNeutral } from './edge-bundle.js';
import { expect, test } from 'vitest';
import { PolicyEngine, PolicyError, Registry } from '../../src/entries/core.js';

async function size(entry: string): Promise<{ bytes: number; inputs: string[] }> {
  const b = await bundleNeutral(entry, true);
  return { bytes: b.code.length, inputs: b.inputs };
}

test('the core bundle leaves the function library out', async () => {
  const core = await size('src/entries/core.ts');
  const full = await size('src/entries/index.ts');
  expect(core.inputs.filter((i) => i.startsWith('builtins/'))).toEqual([]);
  expect(full.inputs.some((i) => i.startsWith('builtins/'))).toBe(true);
  expect(core.bytes).toBeLessThan(full.bytes);
});

test('a core engine knows only the functions it is given', () => {
  const e = new PolicyEngine({ registry: new Registry() });
  e.addPolicy(
    'apiVersion: llmpolicy/v1\nkind: Policy\nmetadata: { name: p }\nspec:\n  rules:\n    - { id: r, when: "request.model in [\'a\'] && request.n > 2.0", effect: deny }',
  );
  expect(e.evaluate({ request: { model: 'a', n: 3 } }).effect).toBe('deny');
  expect(() =>
    e.addPolicy(
      'apiVersion: llmpolicy/v1\nkind: Policy\nmetadata: { name: q }\nspec:\n  rules:\n    - { id: r, when: "size(request.model) > 2", effect: deny }',
    ),
  ).toThrow(PolicyError);
});
