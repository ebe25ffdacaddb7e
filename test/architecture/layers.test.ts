// The layers of DESIGN.md section 5, enforced: imports point down the list only, and the
// main entry reaches no Node built-in, native addon or code generation.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { bundleNeutral, edgeProblems, root } from './edge-bundle.js';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return files(p);
    return /\.(ts|js|mjs)$/.test(n) && !n.endsWith('.d.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]!);
}

/** Which folders each layer may import from (besides itself and npm packages it declares). */
const ALLOWED: Record<string, string[]> = {
  'src/lang': [],
  'src/compile': ['src/lang'],
  'src/engine': ['src/lang', 'src/compile'],
  builtins: ['src/lang'],
  'src/adapters': ['src/lang', 'src/compile', 'src/engine', 'builtins'],
  'src/integrations': ['src/lang', 'src/compile', 'src/engine', 'builtins', 'src/adapters'],
  'src/testing': ['src/lang', 'src/compile', 'src/engine', 'builtins', 'src/adapters'],
  'src/cli': ['src/lang', 'src/compile', 'src/engine', 'builtins', 'src/adapters', 'src/integrations', 'src/testing'],
};

/** Node-only entries: the only places a `node:*` import may appear. */
const NODE_ONLY = ['src/adapters/node', 'src/adapters/redis', 'src/adapters/postgres', 'src/cli'];

function layerOf(file: string): string | undefined {
  const rel = relative(root, file);
  return Object.keys(ALLOWED).find((l) => rel === l || rel.startsWith(`${l}/`));
}

describe('layers', () => {
  for (const layer of Object.keys(ALLOWED)) {
    test(`${layer} imports only ${ALLOWED[layer]!.join(', ') || 'itself'}`, () => {
      const bad: string[] = [];
      for (const f of files(join(root, layer))) {
        for (const spec of imports(f)) {
          if (spec.startsWith('node:')) {
            if (!NODE_ONLY.some((d) => relative(root, f).startsWith(`${d}/`))) bad.push(`${relative(root, f)} imports ${spec}`);
            continue;
          }
          if (!spec.startsWith('.')) continue;
          const target = layerOf(resolve(dirname(f), spec));
          if (target !== undefined && target !== layer && !ALLOWED[layer]!.includes(target)) {
            bad.push(`${relative(root, f)} imports ${spec} (${target})`);
          }
        }
      }
      expect(bad).toEqual([]);
    });
  }
});

/** Every entry an edge runtime may load: all but the Node-only ones (node, cli, redis, postgres). */
const NEUTRAL_ENTRIES = [
  'src/index.ts',
  'src/core.ts',
  'src/testing/index.ts',
  'src/adapters/tokenizers/index.ts',
  'src/adapters/otel/index.ts',
  'src/integrations/openai/index.ts',
  'src/integrations/anthropic/index.ts',
  'src/integrations/ai-sdk/index.ts',
  'builtins/llm/catalog-full.ts',
];

test.each(NEUTRAL_ENTRIES)('%s bundles for a neutral platform without node:*, eval or new Function', async (entry) => {
  expect(edgeProblems(await bundleNeutral(entry))).toEqual([]);
});

test('the main entry bundles the browser build of lru-cache (no node:diagnostics_channel import)', async () => {
  const { inputs } = await bundleNeutral('src/index.ts');
  const lru = inputs.filter((i) => i.includes('node_modules/lru-cache/'));
  expect(lru.length).toBeGreaterThan(0);
  expect(lru.every((i) => i.includes('/dist/esm/browser/'))).toBe(true);
});
