import { defineConfig } from 'vitest/config';

export default defineConfig({
  // CommonJS sources (.cts) that require only node builtins, such as src/fast/file-trust.cts, which ESM modules of
  // src/ import, run under vitest too; those that require siblings are tested from dist/ (test/unit/fast-path-dist.ts).
  oxc: { include: /\.(m?ts|cts|[jt]sx)$/ },
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
