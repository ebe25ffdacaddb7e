import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/integration/**', 'test/edge/**', 'node_modules/**'],
    // property tests run thousands of cases; a loaded CI machine (seen: load 20 on 2 cores) must not
    // turn them into timeouts. The timeout is a hang guard, not a speed check.
    testTimeout: 180_000,
  },
});
