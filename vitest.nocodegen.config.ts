// The core suite once more with `--disallow-code-generation-from-strings` in the test
// workers: an `eval` or `new Function` that slips into src/ or builtins/ fails here, as it
// would in Cloudflare Workers.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/lang/**/*.test.ts',
      'test/compile/**/*.test.ts',
      'test/policy/**/*.test.ts',
      'test/engine/**/*.test.ts',
      'test/builtins/**/*.test.ts',
      'test/conformance/**/*.test.ts',
    ],
    pool: 'forks',
    execArgv: ['--disallow-code-generation-from-strings'],
    testTimeout: 180_000,
  },
});
