import { defineConfig } from 'tsup';

export default defineConfig({
  // One build for every entry, so that ESM entries share chunks: state such as the regex
  // engine chosen by `llm-policy-engine/node` is then the same object the main entry uses.
  // `testing` is the llm-policy-engine/testing entry; `cli` is the `llm-policy` bin (Node only,
  // starts with a shebang; dist/cli.js).
  entry: {
    index: 'src/index.ts',
    core: 'src/core.ts',
    node: 'src/adapters/node/index.ts',
    testing: 'src/testing/index.ts',
    cli: 'src/cli/index.ts',
    redis: 'src/adapters/redis/index.ts',
    postgres: 'src/adapters/postgres/index.ts',
    otel: 'src/adapters/otel/index.ts',
    tiktoken: 'src/adapters/tokenizers/index.ts',
    openai: 'src/integrations/openai/index.ts',
    anthropic: 'src/integrations/anthropic/index.ts',
    'ai-sdk': 'src/integrations/ai-sdk/index.ts',
    'catalog-full': 'builtins/llm/catalog-full.ts',
  },
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
