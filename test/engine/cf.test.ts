import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildChorus, type Chorus } from '../../src/app/build.js';
import { parseConfig } from '../../src/config.js';
import { choleskySolve, implicitAls } from '../../src/engine/cf/implicit-als.js';
import { cosine } from '../../src/domain/vectors.js';

describe('implicit ALS', () => {
  it('solves SPD systems', () => {
    const A = Float64Array.from([4, 2, 2, 3]);
    const x = choleskySolve(A, Float64Array.from([2, 1]), 2);
    expect(4 * x[0]! + 2 * x[1]!).toBeCloseTo(2, 10);
    expect(2 * x[0]! + 3 * x[1]!).toBeCloseTo(1, 10);
  });

  it('puts co-consumed items close together', () => {
    // Two taste groups: users 0-9 like items 0-4, users 10-19 like items 5-9.
    const rows: [number, number][][] = Array.from({ length: 20 }, (_, u) =>
      Array.from(
        { length: 5 },
        (_, k) => [(u < 10 ? 0 : 5) + ((u + k) % 5), 1] as [number, number],
      ).slice(0, 3),
    );
    const { itemFactors } = implicitAls(rows, 10, { factors: 4, iterations: 15 });
    const within = cosine(itemFactors[0]!, itemFactors[1]!);
    const across = cosine(itemFactors[0]!, itemFactors[6]!);
    expect(within).toBeGreaterThan(0.8);
    expect(within - across).toBeGreaterThan(0.5);
  });
});

describe('cf refresh through the engine', () => {
  let dir: string;
  let chorus: Chorus;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'chorus-cf-'));
    chorus = await buildChorus(parseConfig({ dataDir: dir, logLevel: 'silent' }), {
      encoders: 'none',
      indexMaintenance: 'inline',
    });
  });
  afterAll(async () => {
    await chorus?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the cf vector, which then serves item-to-item recommendations', async () => {
    const { engine } = chorus;
    await engine.createCollection({
      name: 'c',
      vectors: { text: { modality: 'text', dim: 2 }, cf: { modality: 'cf', dim: 2 } },
    });
    // Text vectors are all alike: only co-engagement can tell the groups apart.
    await engine.upsertItems(
      'c',
      Array.from({ length: 10 }, (_, i) => ({
        id: `i${i}`,
        payload: { group: i < 5 ? 'a' : 'b' },
        vectors: { text: [1, 0] },
      })),
    );
    const events = [];
    for (let u = 0; u < 20; u++) {
      for (let k = 0; k < 3; k++) {
        const item = (u < 10 ? 0 : 5) + ((u + k) % 5);
        events.push({
          type: 'click' as const,
          eventId: `e${u}-${k}`,
          collection: 'c',
          userId: `u${u}`,
          itemId: `i${item}`,
        });
      }
    }
    await engine.ingest(events);
    const r = await engine.refreshCf('c');
    expect(r).toMatchObject({ users: 20, items: 10, interactions: 60, dim: 2 });
    const rec = await engine.recommend({
      collection: 'c',
      itemId: 'i0',
      vectorNames: ['cf'],
      limit: 4,
    });
    expect(rec.sources).toEqual(['cf']);
    for (const h of rec.hits) expect(h.payload.group).toBe('a');
    const forUser = await engine.recommend({
      collection: 'c',
      userId: 'u0',
      vectorNames: ['cf'],
      limit: 2,
    });
    for (const h of forUser.hits) expect(h.payload.group).toBe('a');
    await engine.createCollection({
      name: 'nocf',
      vectors: { text: { modality: 'text', dim: 2 } },
    });
    await expect(engine.refreshCf('nocf')).rejects.toThrow(/no "cf" vector/);
  });
});
