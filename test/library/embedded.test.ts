import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng } from '../../rerankers/random.js';
import { ChorusError, openChorus, type FeedbackEventInput } from '../../src/index.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-embedded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const C = 'shop';
const DIM = 8;
const axisVector = (rng: Rng, axis: number, strength: number) => {
  const v = Array.from({ length: DIM }, () => rng.normal() * 0.3);
  v[axis]! += strength;
  return v;
};

describe("openChorus: the server's engine in process", () => {
  it('collections, upsert, search, recommend, feedback, train and promote, then reopen and find it all', async () => {
    const chorus = await openChorus({ dataDir: dir, encoders: 'none' });
    await chorus.collections.create({
      name: C,
      vectors: { text: { modality: 'text', dim: DIM }, image: { modality: 'image', dim: DIM } },
    });
    expect((await chorus.collections.list()).map((c) => c.name)).toEqual([C]);
    const rng = new Rng(5);
    const items = Array.from({ length: 60 }, (_, i) => ({
      id: `p${i}`,
      payload: { title: `product ${i}`, relevant: i % 4 === 0 },
      vectors: {
        text: axisVector(rng, 0, 1 + rng.next()),
        image: axisVector(rng, 1, i % 4 === 0 ? 2 : 0.5),
      },
    }));
    expect(await chorus.upsert(C, items)).toEqual({ upserted: 60 });
    expect(await chorus.collections.count(C)).toBe(60);
    expect((await chorus.get(C, ['p4']))[0]?.payload.title).toBe('product 4');

    // Bad input is a ChorusError with the HTTP API's code, and nothing is written.
    await expect(chorus.upsert(C, [{ id: 'x', vectors: { text: [1, 2] } }])).rejects.toBeInstanceOf(
      ChorusError,
    );
    await expect(
      chorus.feedback({ type: 'click', eventId: 'e', collection: 'nope', itemId: 'p1' }),
    ).rejects.toMatchObject({ code: 'COLLECTION_NOT_FOUND' });
    await expect(
      chorus.feedback({ type: 'bogus' } as unknown as FeedbackEventInput),
    ).rejects.toThrow();
    expect(await chorus.collections.count(C)).toBe(60);

    // Searches log impressions (as the server does); clicks on relevant items at examination-biased positions.
    const q = {
      text: Array.from({ length: DIM }, (_, i) => (i === 0 ? 1 : 0)),
      image: Array.from({ length: DIM }, (_, i) => (i === 1 ? 1 : 0)),
    };
    const exam = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.3, 0.2, 0.2];
    for (let session = 0; session < 60; session++) {
      const jitter = (v: number[]) => v.map((x) => x + rng.normal() * 0.3);
      const r = await chorus.search({
        collection: C,
        query: { vectors: { text: jitter(q.text), image: jitter(q.image) } },
        limit: 10,
      });
      expect(r.hits).toHaveLength(10);
      const clicks: FeedbackEventInput[] = [];
      r.hits.forEach((h, k) => {
        if (h.payload.relevant && rng.next() < exam[k]!)
          clicks.push({
            type: 'click',
            eventId: `c${session}-${k}`,
            collection: C,
            queryId: r.queryId,
            itemId: h.id,
          });
      });
      if (clicks.length) expect((await chorus.feedback(clicks)).accepted).toBe(clicks.length);
    }

    const like = await chorus.recommend({ collection: C, itemId: 'p0', limit: 5 });
    expect(like.hits.map((h) => h.id)).not.toContain('p0');
    expect(like.hits).toHaveLength(5);

    const model = await chorus.models.train({ collection: C, epochs: 20, hidden: 4 });
    expect(model).toMatchObject({ collection: C, version: 'v1', status: 'candidate' });
    // 60 sessions are too few for the promotion guard to prove a held-out gain over RRF: it refuses, and force
    // overrides (recorded in the history).
    await expect(chorus.models.promote(C, 'v1')).rejects.toMatchObject({
      code: 'PROMOTION_REFUSED',
    });
    await chorus.models.promote(C, 'v1', { force: true });
    const served = await chorus.search({
      collection: C,
      query: { vectors: q },
      fusion: 'model',
      limit: 10,
    });
    expect(served.ranker.name).toBe('model');
    expect(served.ranker.version).toBe('v1');
    await chorus.close();

    const again = await openChorus({ dataDir: dir, encoders: 'none' });
    try {
      expect(await again.collections.count(C)).toBe(60);
      expect(again.models.list(C).map((m) => [m.version, m.status])).toEqual([['v1', 'promoted']]);
      expect(
        (await again.search({ collection: C, query: { vectors: q }, fusion: 'model', limit: 3 }))
          .ranker.version,
      ).toBe('v1');
    } finally {
      await again.close();
    }
  }, 600_000);
});
