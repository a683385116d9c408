import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    // 2 cores: integration files each start a keyring session and moto; more workers only thrash.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    reporters: ['default'],
    // Marks the services test/helpers start, and checks at the end that none is left running.
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
