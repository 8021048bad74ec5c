import { defineConfig } from 'vitest/config';

// `npm run test:chaos`: tests that stop and start local services. Not part of `npm test` or CI.
export default defineConfig({
  test: {
    include: ['tests/chaos/**/*.test.ts'],
    globalSetup: ['tests/setup/services.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
