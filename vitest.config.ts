import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'indexers/**/*.test.ts', 'rerankers/**/*.test.ts', 'src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: model-loading suites contend for CPU, so cap parallel files.
    maxWorkers: 2,
    pool: 'forks',
    reporters: ['default'],
  },
});
