import { defineConfig } from 'vitest/config';

// Two cores in CI: forks keep native modules (DuckDB, LevelDB) isolated per test file.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
