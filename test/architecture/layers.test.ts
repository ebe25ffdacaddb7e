// The layers of DESIGN.md section 5, enforced: imports point down the list only, and the
// main entry reaches no Node built-in, native addon or code generation.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { CODEGEN_LOADER, bundleNeutral, codegenCalls, edgeProblems, root } from './edge-bundle.js';

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

/**
 * Which folders each layer may import from (besides itself and npm packages it declares): the
 * stages of a decision from the bottom up (docs/architecture.md). `src/entries` assembles the
 * layers into the package's subpath entries.
 */
const CORE = ['src/util', 'src/lang', 'src/compile', 'src/policy', 'src/decide', 'src/audit'];
const ALLOWED: Record<string, string[]> = {
  'src/util': [],
  'src/lang': CORE.slice(0, 1),
  'src/compile': CORE.slice(0, 2),
  'src/policy': CORE.slice(0, 3),
  'src/decide': CORE.slice(0, 4),
  'src/audit': CORE.slice(0, 5),
  // the function library sees the language through one module only
  builtins: ['src/lang/library.ts'],
  'src/adapters': [...CORE, 'builtins'],
  'src/integrations': [...CORE, 'builtins', 'src/adapters'],
  'src/testing': [...CORE, 'builtins', 'src/adapters'],
  'src/entries': [...CORE, 'builtins', 'src/adapters', 'src/integrations', 'src/testing'],
  'src/cli': [...CORE, 'builtins', 'src/adapters', 'src/integrations', 'src/testing', 'src/entries'],
};

/** Node-only code: the only places a `node:*` import may appear. */
const NODE_ONLY = [
  'src/entries/node.ts',
  'src/entries/redis.ts',
  'src/entries/postgres.ts',
  'src/adapters/state/redis',
  'src/adapters/sources/postgres',
  'src/adapters/sources/directory.ts',
  'src/adapters/audit/file.ts',
  'src/adapters/regex',
  'src/cli',
];

function layerOf(file: string): string | undefined {
  const rel = relative(root, file);
  return Object.keys(ALLOWED).find((l) => rel === l || rel.startsWith(`${l}/`));
}

function allowed(layer: string, target: string, file: string): boolean {
  if (target === layer) return true;
  const rel = relative(root, file).replace(/\.js$/, '.ts');
  return ALLOWED[layer]!.some((a) => (a.endsWith('.ts') ? rel === a : target === a));
}

describe('layers', () => {
  for (const layer of Object.keys(ALLOWED)) {
    test(`${layer} imports only ${ALLOWED[layer]!.join(', ') || 'itself'}`, () => {
      const bad: string[] = [];
      for (const f of files(join(root, layer))) {
        for (const spec of imports(f)) {
          if (spec.startsWith('node:')) {
            const rel = relative(root, f);
            if (!NODE_ONLY.some((d) => rel === d || rel.startsWith(`${d}/`))) bad.push(`${rel} imports ${spec}`);
            continue;
          }
          if (!spec.startsWith('.')) continue;
          const resolved = resolve(dirname(f), spec);
          const target = layerOf(resolved);
          if (target !== undefined && !allowed(layer, target, resolved)) {
            bad.push(`${relative(root, f)} imports ${spec} (${target})`);
          }
        }
      }
      expect(bad).toEqual([]);
    });
  }
});

/** The entry files, as paths under src/entries/ (`functions/pii.ts` is `llm-policy-engine/functions/pii`). */
const ENTRY_FILES = ['', 'functions/'].flatMap((dir) =>
  readdirSync(join(root, 'src/entries', dir))
    .filter((n) => n.endsWith('.ts'))
    .map((n) => `${dir}${n}`),
);

/** Every entry an edge runtime may load: all but the Node-only ones. */
const NEUTRAL_ENTRIES = ENTRY_FILES.map((n) => `src/entries/${n}`).filter((e) => !NODE_ONLY.includes(e));

test('every package subpath has its entry in src/entries', () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  const subpaths = Object.keys(pkg.exports).filter((k) => k !== './package.json');
  const files = ENTRY_FILES.map((n) => (n === 'index.ts' ? '.' : `./${n.replace(/\.ts$/, '')}`));
  expect(subpaths.sort()).toEqual(files.sort());
});

test(`only ${CODEGEN_LOADER} compiles code from strings, once, behind its probe`, () => {
  const found = ['src', 'builtins']
    .flatMap((d) => files(join(root, d)))
    .flatMap((f) => codegenCalls(readFileSync(f, 'utf8')).map((c) => `${relative(root, f)}: ${c}`));
  expect(found).toEqual([`${CODEGEN_LOADER}: new Function(`, `${CODEGEN_LOADER}: new Function(`]);
  // the probe's call and the compile's: the second runs only when the first succeeded
  const loader = readFileSync(join(root, CODEGEN_LOADER), 'utf8');
  expect(loader).toMatch(/allowed = new Function\('return 1'\)\(\) === 1/);
});

test.each(NEUTRAL_ENTRIES)('%s bundles for a neutral platform without node:*, eval or new Function', async (entry) => {
  expect(edgeProblems(await bundleNeutral(entry))).toEqual([]);
});

/** What builds policies from their sources (src/decide/source-engine.ts), and the function library. */
const BUILD_TIME = [
  'node_modules/yaml/',
  'node_modules/re2js/',
  'node_modules/lru-cache/',
  'builtins/',
  'src/audit/',
  'src/lang/lexer.ts',
  'src/lang/parser.ts',
  'src/lang/checker.ts',
  'src/lang/print.ts',
  'src/compile/compile.ts',
  'src/compile/expression.ts',
  'src/compile/codegen/expr.ts',
  'src/compile/codegen/source.ts',
  'src/compile/codegen/load.ts',
  'src/policy/parse.ts',
  'src/policy/validator.generated.js',
  'src/policy/compile.ts',
  'src/policy/compose.ts',
  'src/policy/bundle.ts',
  'src/decide/source-engine.ts',
  'src/decide/codegen.ts',
  'src/decide/prebuilt-write.ts',
  'src/decide/decision-cache.ts',
];

test('the /runtime entry reaches, file by file, none of what builds policies', async () => {
  // without tree shaking: dist/ shares code between entries by file, so a file reached is imported
  const { inputs } = await bundleNeutral('src/entries/runtime.ts', false, false);
  expect(inputs).toContain('src/decide/engine.ts');
  expect(inputs).toContain('src/decide/prebuilt.ts');
  expect(inputs.filter((i) => BUILD_TIME.some((b) => i.startsWith(b)))).toEqual([]);
});

test('the main entry bundles the browser build of lru-cache (no node:diagnostics_channel import)', async () => {
  const { inputs } = await bundleNeutral('src/entries/index.ts');
  const lru = inputs.filter((i) => i.includes('node_modules/lru-cache/'));
  expect(lru.length).toBeGreaterThan(0);
  expect(lru.every((i) => i.includes('/dist/esm/browser/'))).toBe(true);
});
