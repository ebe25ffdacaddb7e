import { defineConfig } from 'tsup';

export default defineConfig({
  // One build for every entry, so that ESM entries share chunks: state such as the regex
  // engine chosen by `llm-policy-engine/node` is then the same object the main entry uses.
  entry: { index: 'src/index.ts', node: 'src/adapters/node/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'es2022',
  platform: 'neutral',
  // Node built-ins appear only under Node-only entries; the layers test keeps them out of
  // the main entry.
  external: [/^node:/, 're2'],
  shims: true,
  treeshake: true,
});
