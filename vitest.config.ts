import { defineConfig } from 'vitest/config';

// Two cores in CI: forks keep native modules (DuckDB, LevelDB) isolated per test file.
//
// Timeouts are liveness guards, not performance checks (those live in `npm run bench`). They are set
// for a loaded 2-core machine, where a file that takes 5 s alone can take ten times as long, so that
// only a hang fails a test. Tests do not set their own shorter timeouts for the same reason.
// A test must never block its worker's event loop for long (no spawnSync of a slow command, no
// long synchronous loop): vitest's worker-to-runner RPC gives up after 60 s of silence and fails the
// run even when every test passed.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 300_000,
    hookTimeout: 300_000,
    teardownTimeout: 60_000,
    // The pinned AWS SDK works on Node 20; its "newer releases need Node 22" notice is noise in test output.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
