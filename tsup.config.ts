import { readFileSync, readdirSync } from 'node:fs';
import { defineConfig } from 'tsup';

// Every package subpath has its entry file in src/entries/, named as the subpath (`index` is the
// main entry); `cli` is the `llm-policy` bin (Node only, starts with a shebang; dist/cli.js).
const entries = Object.fromEntries(
  readdirSync('src/entries')
    .filter((f) => f.endsWith('.ts'))
    .map((f) => [f.slice(0, -3), `src/entries/${f}`]),
);

const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };

export default defineConfig({
  // the version a prebuilt policy module records (src/util/version.ts)
  define: { __LLM_POLICY_ENGINE_VERSION__: JSON.stringify(version) },
  // One build for every entry, so that ESM entries share chunks: state such as the regex
  // engine chosen by `llm-policy-engine/node` is then the same object the main entry uses.
  entry: { ...entries, cli: 'src/cli/index.ts' },
  format: ['esm', 'cjs'],
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
  shims: true,
  treeshake: true,
});
