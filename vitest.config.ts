import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Web component tests are .test.tsx and pick their DOM per file (`// @vitest-environment happy-dom`).
    include: ['{apps,packages,plugins}/*/test/**/*.test.{ts,tsx}'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: run files two at a time so process-heavy tests do not starve each other.
    maxWorkers: 2,
  },
});
