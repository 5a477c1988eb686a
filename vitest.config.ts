import { defineConfig } from 'vitest/config';

// Two cores in CI: forks keep native modules (DuckDB, LevelDB) isolated per test file.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 30_000,
    // The pinned AWS SDK works on Node 20; its "newer releases need Node 22" notice is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    hookTimeout: 60_000,
  },
});
