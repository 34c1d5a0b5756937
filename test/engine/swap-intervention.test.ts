import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { swapIntervention } from '../../src/engine/swap-intervention.js';
import { startServer, vec, type Json, type TestServer } from '../api/harness.js';

/** A scripted random source: each call returns the next value. */
const script =
  (...values: number[]) =>
  () =>
    values.shift() ?? 0;

describe('swapIntervention', () => {
  const hits = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l'];

  it('leaves the order alone outside its share, and for lists too short to swap', () => {
    expect(swapIntervention(hits, 0, script(0))).toEqual({ hits });
    expect(swapIntervention(hits, 0.3, script(0.3))).toEqual({ hits });
    expect(swapIntervention(['a'], 1, script(0, 0))).toEqual({ hits: ['a'] });
  });

  it('swaps one adjacent pair, chosen uniformly among the first ten positions', () => {
    expect(swapIntervention(hits, 0.5, script(0.49, 0))).toEqual({
      hits: ['b', 'a', ...hits.slice(2)],
      swapped: [0],
    });
    // The last pair it may touch is (8, 9): positions past ten are never moved.
    const last = swapIntervention(hits, 1, script(0, 0.999));
    expect(last.swapped).toEqual([8]);
    expect(last.hits.slice(8, 10)).toEqual(['j', 'i']);
    expect(last.hits.slice(10)).toEqual(['k', 'l']);
    expect(swapIntervention(['a', 'b', 'c'], 1, script(0, 0.7))).toEqual({
      hits: ['a', 'c', 'b'],
      swapped: [1],
    });
  });
});

/** Two servers over the same items: one never swaps, one swaps every response (search.swapShare 1). */
describe('search.swapShare through the API', () => {
  const C = 'swaps';
  let plain: TestServer;
  let swapping: TestServer;
  const query = { text: vec(8, 3, 0), image: vec(8, 4, 1) };

  beforeAll(async () => {
    plain = await startServer();
    swapping = await startServer({ search: { swapShare: 1 } });
    for (const s of [plain, swapping]) {
      await s.chorus.engine.createCollection({
        name: C,
        vectors: { text: { modality: 'text', dim: 8 }, image: { modality: 'image', dim: 8 } },
      });
      await s.chorus.engine.upsertItems(
        C,
        Array.from({ length: 30 }, (_, i) => ({
          id: `i${i}`,
          payload: { n: i },
          vectors: { text: vec(8, i, i % 3), image: vec(8, i + 50, (i + 1) % 4) },
        })),
      );
    }
  });
  afterAll(async () => {
    await plain?.close();
    await swapping?.close();
  });

  const ids = (r: { json: Json }) => (r.json.hits as Json[]).map((h) => h.id as string);

  it('shows the ranking with one adjacent pair swapped and logs which one', async () => {
    const body = { collection: C, vectors: query, fusion: 'rrf', limit: 8 };
    const reference = ids(await plain.call('POST', '/v1/search', body));
    const seen = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const r = await swapping.call('POST', '/v1/search', body);
      expect(r.status).toBe(200);
      const shown = ids(r);
      const moved = shown.flatMap((id, p) => (id === reference[p] ? [] : [p]));
      expect(moved).toHaveLength(2);
      const k = moved[0]!;
      expect(moved[1]).toBe(k + 1);
      expect([shown[k], shown[k + 1]]).toEqual([reference[k + 1], reference[k]]);
      seen.add(k);

      await swapping.chorus.engine.flush();
      const [stored] = swapping.chorus.db.events.query({
        collection: C,
        queryId: r.json.queryId as string,
        types: ['impression'],
      });
      const imp = stored!.event;
      if (imp.type !== 'impression') throw new Error('not an impression');
      expect(imp.swapped).toEqual([k]);
      expect(imp.items.map((it) => it.id)).toEqual(shown);
      expect(Object.keys(imp.features!)).toEqual(expect.arrayContaining(shown));
    }
    expect(seen.size).toBeGreaterThan(1); // the pair is drawn at random, not fixed

    const r = await plain.call('POST', '/v1/search', body);
    await plain.chorus.engine.flush();
    const [stored] = plain.chorus.db.events.query({
      collection: C,
      queryId: r.json.queryId as string,
      types: ['impression'],
    });
    if (stored!.event.type !== 'impression') throw new Error('not an impression');
    expect(stored!.event.swapped).toBeUndefined();
  });
});
