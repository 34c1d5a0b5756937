import { describe, expect, it } from 'vitest';
import { VectorWorldGen } from '../../rerankers/simulation/vector-world.js';

describe('vector world reliability spread', () => {
  const base = {
    text: { text: 0.15, image: 0.6, audio: 0.8 },
    image: { image: 0.15, text: 0.7 },
    audio: { audio: 0.15, text: 0.7 },
  };

  it('with spread 0, a modality is exactly as reliable in every query of a kind', () => {
    const gen = new VectorWorldGen({ items: 50, seed: 3, reliabilitySpread: 0 });
    for (const intent of gen.intents(12, 4)) {
      const expected = base[intent.kind];
      expect(Object.keys(intent.noise).sort()).toEqual(Object.keys(expected).sort());
      for (const [m, s] of Object.entries(expected))
        expect(intent.noise[m as keyof typeof intent.noise]).toBeCloseTo(s, 12);
    }
  });

  it('a wider spread varies reliability more between queries, over the same items and intents', () => {
    const logSd = (spread: number) => {
      const gen = new VectorWorldGen({ items: 50, seed: 3, reliabilitySpread: spread });
      const logs = gen.intents(300, 4).map((i) => Math.log(i.noise.text! / base[i.kind].text));
      const mean = logs.reduce((a, b) => a + b, 0) / logs.length;
      return Math.sqrt(logs.reduce((a, x) => a + (x - mean) ** 2, 0) / (logs.length - 1));
    };
    expect(logSd(0.5)).toBeGreaterThan(0.4);
    expect(logSd(0.5)).toBeLessThan(0.6);
    expect(logSd(1)).toBeGreaterThan(0.85);
    expect(logSd(1)).toBeLessThan(1.15);
    const a = new VectorWorldGen({ items: 50, seed: 3, reliabilitySpread: 0.5 });
    const b = new VectorWorldGen({ items: 50, seed: 3, reliabilitySpread: 1 });
    expect(b.world.items).toEqual(a.world.items);
    expect(b.intents(5, 4).map((i) => [...i.grades])).toEqual(
      a.intents(5, 4).map((i) => [...i.grades]),
    );
  });

  it('the default spread is the world every earlier benchmark ran on (0.5)', () => {
    const a = new VectorWorldGen({ items: 50, seed: 3 }).intents(6, 4);
    const b = new VectorWorldGen({ items: 50, seed: 3, reliabilitySpread: 0.5 }).intents(6, 4);
    expect(a.map((i) => i.noise)).toEqual(b.map((i) => i.noise));
  });
});
