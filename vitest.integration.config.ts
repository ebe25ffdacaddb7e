import { defineConfig } from 'vitest/config';

// Integration tests: against the real Redis and PostgreSQL servers of the machine
// (`npm run test:integration`; build first, the multi-process tests run dist/).
// `npm test` leaves them out (vitest.config.ts excludes test/integration).
export default defineConfig({
  test: {
    include: ['test/integration/**/*.test.ts'],
    // the files share the servers: one at a time
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
