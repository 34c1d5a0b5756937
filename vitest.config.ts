import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'test/**/*.test.ts',
      'indexers/**/*.test.ts',
      'rerankers/**/*.test.ts',
      'src/**/*.test.ts',
    ],
    // Spawned `chorus` runs the sources under test, never a dist/ left by an earlier `npm run build`
    // (the package and image tests build their own copy).
    env: { CHORUS_FROM_SOURCE: '1' },
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: model-loading suites contend for CPU, so cap parallel files.
    maxWorkers: 2,
    pool: 'forks',
    reporters: ['default'],
  },
});
