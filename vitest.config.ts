import { defineConfig } from 'vitest/config';

export default defineConfig({
  // graphql ships CommonJS and ESM builds; some dependencies load one, vite would give this code
  // the other, and graphql refuses objects from a second copy. Everyone gets the CommonJS one.
  resolve: { alias: { graphql: 'graphql/index.js' } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Each file starts its own server and database; two at a time suit a two-core machine.
    maxWorkers: 2,
  },
});
