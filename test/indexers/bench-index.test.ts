import { describe, expect, it } from 'vitest';
import { runIndexBench } from '../../src/bench/index-bench.js';
import { FIXTURE_MODELS, ROOT } from './helpers.js';
import path from 'node:path';

// A smoke run so the benchmark cannot rot: tiny sizes, no timing assertions (figures come from bench/index.ts).
describe('bench index (smoke)', () => {
  it('measures every modality beside its raw session rate', async () => {
    const r = await runIndexBench({
      modelDir: FIXTURE_MODELS,
      corpusDir: path.join(ROOT, 'fixtures/corpus'),
      items: 4,
      repeats: 1,
      intraOpThreads: 1,
      threading: false,
    });
    expect(r.results.map((x) => x.modelId)).toEqual([
      'chorus-test/tiny-text',
      'chorus-test/tiny-clip',
      'chorus/colour-layout-v1',
      'chorus-test/tiny-clap',
      'openwakeword/speech-embedding',
    ]);
    for (const x of r.results) {
      expect(x.failures).toBe(0);
      expect(x.indexerItemsPerSec).toBeGreaterThan(0);
      if (x.modelId !== 'chorus/colour-layout-v1') expect(x.ratio).toBeGreaterThan(0);
    }
  });
});
