import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      // The timeline page's script runs in Chromium (tests/browser); its model is unit-tested.
      exclude: ['src/cli.ts', 'src/http/timeline/client/*.ts'],
      reporter: ['text-summary', 'json-summary'],
      thresholds: { lines: 80 },
    },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          // The property tests take seconds of CPU; on a loaded 2-core machine, more than 5.
          testTimeout: 30_000,
          typecheck: { enabled: true, include: ['tests/unit/**/*.test-d.ts'] },
        },
      },
      {
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          globalSetup: ['tests/setup/services.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          // The WAL transport, on a server with wal_level = logical (made by the setup when
          // DATABASE_URL's is not: tests/setup/wal-cluster.ts).
          name: 'wal',
          include: ['tests/wal/**/*.test.ts'],
          globalSetup: ['tests/setup/services.ts', 'tests/setup/wal-cluster.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          // Real Chromium (scripts/ensure-chromium.sh) against a real server and Postgres.
          name: 'browser',
          include: ['tests/browser/**/*.test.ts'],
          // The examples' code the tests run imports the package by name: the sources, here.
          alias: [
            { find: /^eventrail$/, replacement: new URL('src/index.ts', import.meta.url).pathname },
          ],
          globalSetup: ['tests/setup/services.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
