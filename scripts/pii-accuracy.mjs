#!/usr/bin/env node
// `npm run accuracy:pii [-- --verbose]`: precision and recall of the PII detector per entity
// on test/fixtures/pii/corpus.jsonl. The measuring code is TypeScript (scripts/pii-accuracy.ts,
// shared with the test that asserts the goals); esbuild bundles it in memory, then it runs.
// Exits 1 when an entity with a checksum or a fixed format is under the goal.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('./pii-accuracy.ts', import.meta.url));
const out = await build({
  entryPoints: [entry],
  bundle: true,
  platform: 'node',
  format: 'esm',
  write: false,
  logLevel: 'error',
  // import.meta.url must stay the script's own location: the corpus is found relative to it.
  define: { 'import.meta.url': JSON.stringify(new URL('./pii-accuracy.ts', import.meta.url).href) },
});
const code = out.outputFiles[0].text;
const mod = await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`);
process.exitCode = mod.main(process.argv.slice(2));
