import { readFileSync, readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { defineConfig } from 'tsup';
import ts from 'typescript';

// Every package subpath has its entry file in src/entries/, named as the subpath (`index` is the
// main entry; `functions/pii` is `llm-policy-engine/functions/pii`); `cli` is the `llm-policy`
// bin (Node only, starts with a shebang; dist/cli.js). Each function family has an entry of its
// own so that its code has chunks of its own: an app that imports one family bundles that one
// (a chunk shared by all families would be kept whole, since a bundler cannot tell which of its
// top-level statements are free of side effects once whitespace is minified away).
const entries = Object.fromEntries(
  ['', 'functions/']
    .flatMap((dir) => readdirSync(`src/entries/${dir}`).map((f) => `${dir}${f}`))
    .filter((f) => f.endsWith('.ts'))
    .map((f) => [f.slice(0, -3), `src/entries/${f}`]),
);

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

/**
 * Drops the `examples: [...]` of the builtin declarations from the build. They are the
 * library's documentation and tests (test/builtins/examples.test.ts runs them from the
 * sources, docs/functions.md is generated from them) and nothing reads them at run time, but
 * shipped they are ~40 KB of object literals that every import parses and allocates (about a
 * tenth of the main entry's import time; docs/performance.md, "Cold start").
 */
const stripExamples: Plugin = {
  name: 'strip-builtin-examples',
  setup(build) {
    build.onLoad({ filter: /[\\/]builtins[\\/].+\.ts$/ }, ({ path }) => {
      const text = readFileSync(path, 'utf8');
      if (!/\bexamples\s*:/.test(text)) return undefined;
      const file = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
      const cuts: [number, number][] = [];
      const visit = (n: ts.Node): void => {
        if (ts.isPropertyAssignment(n) && ts.isIdentifier(n.name) && n.name.text === 'examples' && ts.isObjectLiteralExpression(n.parent)) {
          const end = text[n.getEnd()] === ',' ? n.getEnd() + 1 : n.getEnd();
          cuts.push([n.getStart(file), end]);
          return;
        }
        ts.forEachChild(n, visit);
      };
      visit(file);
      let contents = text;
      for (const [start, end] of cuts.reverse()) contents = contents.slice(0, start) + contents.slice(end);
      return { contents, loader: 'ts' };
    });
  },
};

/**
 * Source files whose code may be copied into `dist/runtime.js` although other entries share it:
 * no class, symbol or module state of theirs crosses from one entry to another (the generated
 * code of a prebuilt module gets its helpers from the engine that loads it). Not the CEL value
 * classes (src/lang/values.ts: functions of other entries pass their values to the engine,
 * which tests them with `instanceof`), nor the errors and registry: the chunks holding those
 * stay shared.
 */
const RUNTIME_COPYABLE =
  /^src\/(decide\/|compile\/(limits|frame|codegen\/runtime)\.ts|policy\/(rule-index|display)\.ts|util\/(version|fnv)\.ts|lang\/(print-value|ast|period)\.ts)/;

/**
 * Rewrites dist/runtime.js with the chunks it imports copied in, but for the chunks holding
 * code that must stay shared (RUNTIME_COPYABLE): esbuild splits the runtime's code into 6 files
 * because other entries share different parts of it, and each file costs Node's ES module loader
 * about 1.5 ms (docs/performance.md, "Cold start"); 3 remain. The chunks copied stay in dist/
 * for the other entries, whose code is unchanged.
 */
async function joinRuntimeChunks(): Promise<void> {
  const sourcesOf = (file: string): string[] =>
    (JSON.parse(readFileSync(`${file}.map`, 'utf8')) as { sources: string[] }).sources.map((s) => s.replace(/^(\.\.\/)+/, ''));
  const importsOf = (file: string): string[] =>
    [...readFileSync(file, 'utf8').matchAll(/(?:^|;)(?:import|export)[^;'"]*?from\s*['"](\.\/chunk-[^'"]+)['"]/gm)].map((m) =>
      resolve(dirname(file), m[1]!),
    );
  const copied = new Set<string>();
  const shared = new Set<string>();
  await build({
    entryPoints: ['dist/runtime.js'],
    outfile: 'dist/runtime.js',
    allowOverwrite: true,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    sourcemap: true,
    minifyWhitespace: true,
    minifySyntax: true,
    logLevel: 'warning',
    plugins: [
      {
        name: 'copy-runtime-chunks',
        setup(b) {
          b.onResolve({ filter: /^\.\/chunk-/ }, ({ path, importer }) => {
            const file = resolve(dirname(importer), path);
            if (sourcesOf(file).every((s) => RUNTIME_COPYABLE.test(s))) {
              copied.add(file);
              return { path: file };
            }
            shared.add(file);
            return { path, external: true };
          });
        },
      },
    ],
  });
  // A shared chunk that imported a copied one would load a second copy of it beside runtime.js.
  const seen = new Set<string>();
  const walk = (file: string): void => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const i of importsOf(file)) {
      if (copied.has(i))
        throw new Error(
          `dist/runtime.js: the shared chunk \`${file}\` imports \`${i}\`, which was copied into it: add its sources to RUNTIME_COPYABLE's exceptions`,
        );
      walk(i);
    }
  };
  for (const f of shared) walk(f);
}

export default defineConfig({
  // the version a prebuilt policy module records (src/util/version.ts)
  define: { __LLM_POLICY_ENGINE_VERSION__: JSON.stringify(version) },
  // One build for every entry, so that ESM entries share chunks: state such as the regex
  // engine chosen by `llm-policy-engine/node` is then the same object the main entry uses.
  entry: { ...entries, cli: 'src/cli/index.ts' },
  format: ['esm', 'cjs'],
  // CommonJS shares chunks between entries too (tsup splits only ES modules by default): one copy of
  // the CEL value classes for `runtime.cjs` and a family's `.cjs`, whose values it must recognise.
  splitting: true,
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  // Node built-ins appear only under Node-only entries; the layers test keeps them out of
  // the main entry.
  external: [/^node:/, 're2'],
  // The runtime dependencies are bundled, as their runtime-neutral ESM builds: importing the
  // main entry in Node then reads a few files instead of yaml's ~70 CommonJS modules (a third
  // of a cold start), and every bundler and runtime gets lru-cache's browser build, which
  // never reaches for node:diagnostics_channel.
  noExternal: ['yaml', 're2js', 'lru-cache'],
  esbuildOptions(options) {
    options.conditions = ['browser', 'import', 'default'];
    // Less text for Node to read, decode and parse at import (a cold start is mostly that);
    // names are kept, so stack traces stay readable (and source maps map them back).
    options.minifyWhitespace = true;
    options.minifySyntax = true;
  },
  esbuildPlugins: [stripExamples],
  onSuccess: joinRuntimeChunks,
  shims: true,
  treeshake: true,
});
