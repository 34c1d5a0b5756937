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
    // expect.poll's default (1 s) is shorter than one slow step on a loaded 2-core CI box; a poll still ends as soon
    // as its condition holds.
    expect: { poll: { timeout: 15_000, interval: 100 } },
    // Two cores: model-loading suites contend for CPU, so cap parallel files.
    maxWorkers: 2,
    pool: 'forks',
    reporters: ['default'],
  },
});
