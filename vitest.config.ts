import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/integration/**', 'test/edge/**', 'node_modules/**'],
    // property tests run thousands of cases; a loaded CI machine must not turn them into timeouts
    testTimeout: 60_000,
  },
});
