// The edge tests (test/edge): the built package bundled for and run in workerd (miniflare)
// and Vercel's edge-runtime. Slow (a workerd process per bundle), so apart from `npm test`:
// `npm run build && npm run test:edge`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/edge/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
