import { describe, expect, it } from 'vitest';
import { FEATURE_ROW_SHAPE } from '../../rerankers/features/row-shape.js';
import { Rng } from '../../rerankers/random.js';
import { trainFromClickthroughs } from '../../rerankers/train-from-logs.js';
import type { Clickthrough } from '../../src/domain/clickthrough.js';

/** 30 queries x 4 impressions of 8 items, position-biased clicks (enough for the estimate to be used). */
function log(): Clickthrough[] {
  const rng = new Rng(11);
  const out: Clickthrough[] = [];
  let t = 0;
  for (let r = 0; r < 4; r++)
    for (let q = 0; q < 30; q++) {
      const items = Array.from({ length: 8 }, (_, position) => {
        const features = new Float32Array(FEATURE_ROW_SHAPE.item).map(() => rng.next() * 0.1);
        features[0] = 1 - position / 8;
        const clicked = rng.next() < 0.6 / (position + 1);
        return { id: `q${q}-d${position}`, position, features, clicked, label: clicked ? 1 : 0 };
      });
      out.push({ queryId: `s${t}`, collection: 'c', rankerVersion: 'rrf', timestamp: t++, items });
    }
  return out;
}

describe('known propensities (a measured examination curve)', () => {
  const o = { epochs: 1, hidden: 2, seed: 1, guard: 'holdout' as const, weightSearch: false };

  it('are used as given, not estimated or made monotone', () => {
    const given = [1, 0.9, 0.95, 0.5, 0.4, 0.3, 0.2, 0.1, 0.1, 0.1];
    const trained = trainFromClickthroughs(log(), { ...o, propensities: given });
    expect(trained.propensities).toEqual(given);
    expect(trained.propensitySource).toBe('given');
    // Without them the trainer estimates its own curve from the same clicks.
    const estimated = trainFromClickthroughs(log(), o);
    expect(estimated.propensitySource).not.toBe('given');
    expect(estimated.propensities).not.toEqual(given);
  });

  it('refuse values outside (0, 1] with a clear error', () => {
    expect(() => trainFromClickthroughs(log(), { ...o, propensities: [1, 0] })).toThrow(
      /propensities must be .* in \(0, 1\], got \[1, 0\]/,
    );
    expect(() => trainFromClickthroughs(log(), { ...o, propensities: [] })).toThrow(/non-empty/);
  });
});
