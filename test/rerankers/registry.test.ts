import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeedbackEvent } from '../../src/domain/feedback.js';
import { openChorusDb, type ChorusDb } from '../../src/storage/index.js';
import { interleavingWinRates, parseInterleaveTag } from '../../rerankers/interleaving.js';
import { LiveReranker } from '../../rerankers/live-reranker.js';
import { ndcgAt } from '../../rerankers/metrics.js';
import { ModelRegistry } from '../../src/model-registry/registry.js';
import {
  generateMultimodalWorld,
  type WorldQuery,
} from '../../rerankers/simulation/multimodal-world.js';
import { simulateTraffic } from '../../rerankers/simulation/simulate-traffic.js';

let dir: string;
let db: ChorusDb;
let registry: ModelRegistry;
let live: LiveReranker;
const world = generateMultimodalWorld({ queries: 120, seed: 21 });
const test = generateMultimodalWorld({ queries: 60, seed: 22 });

async function meanNdcg(queries: WorldQuery[]): Promise<number> {
  let sum = 0;
  for (const q of queries) {
    const hits = await live.rerank(q.candidates, {
      queryKind: q.kind,
      queryModalities: q.queryModalities,
      collection: 'shop',
    });
    sum += ndcgAt(
      hits.map((h) => -hits.indexOf(h)),
      hits.map((h) => q.labels.get(h.id) ?? 0),
      10,
    );
  }
  return sum / queries.length;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'chorus-registry-'));
  db = openChorusDb(dir);
  registry = new ModelRegistry({ db, dataDir: dir, executionProviders: ['cpu'] });
  live = await new LiveReranker(registry, { interleaveShare: 0, seed: 1 }).start();
  // Logged traffic served by the fallback (RRF) with feature rows, 10% adjacent swaps.
  const events = await simulateTraffic(world, live, {
    collection: 'shop',
    sessions: 3000,
    seed: 3,
    swapShare: 0.1,
  });
  db.events.append(events);
});

afterAll(async () => {
  await live.close();
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('model registry and live reranker', () => {
  it('serves RRF with logged feature rows before any model exists', async () => {
    const q = world[0]!;
    const hits = await live.rerank(q.candidates, {
      queryKind: q.kind,
      queryModalities: q.queryModalities,
      collection: 'shop',
    });
    expect(hits[0]!.explanation.ranker).toBe('rrf');
    expect(hits[0]!.features!.length).toBeGreaterThan(20);
    expect(hits[0]!.queryFeatures!.length).toBeGreaterThan(5);
  });

  it('trains from the event store, promotes, hot-swaps, and rolls back', async () => {
    const baseline = await meanNdcg(test);
    const v1 = registry.train({ collection: 'shop', epochs: 15, seed: 1 });
    expect(v1.version).toBe('v1');
    expect(v1.status).toBe('candidate');
    expect(existsSync(path.join(v1.artifactPath!, 'model.onnx'))).toBe(true);
    expect(v1.metrics.validationNdcg10).toBeGreaterThan(0);
    expect((v1.metrics.counterfactual as { snips: number }).snips).toBeGreaterThan(0);
    expect(v1.trainedFrom).toBeLessThan(v1.trainedTo!);

    await registry.promote('shop', 'v1');
    expect(live.versionFor('shop')).toBe('v1');
    expect(live.executionProviderFor('shop')).toBe('cpu');
    const learned = await meanNdcg(test);
    // The learned gate uses the reliable modality per query kind: clearly better than RRF on held-out queries.
    expect(learned).toBeGreaterThan(baseline + 0.03);
    const q = test[1]!;
    const hits = await live.rerank(q.candidates, {
      queryKind: q.kind,
      queryModalities: q.queryModalities,
      collection: 'shop',
    });
    expect(hits[0]!.explanation.ranker).toBe('v1');
    const shares = hits[0]!.explanation.shares;
    expect(Object.values(shares).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);

    const v2 = registry.train({ collection: 'shop', epochs: 5, seed: 2, hidden: 4 });
    // The guard compares v2 with the serving v1 on v2's held-out queries; a weaker candidate is refused.
    const cmp = registry.compare('shop', v2.version);
    expect(cmp.serving.version).toBe('v1');
    if (!cmp.better) {
      await expect(registry.promote('shop', v2.version)).rejects.toMatchObject({
        code: 'PROMOTION_REFUSED',
      });
      expect(live.versionFor('shop')).toBe('v1');
    }
    const forced = await registry.promote('shop', v2.version, { force: true });
    expect(forced.forced).toBe(!cmp.better);
    expect(live.versionFor('shop')).toBe('v2');
    expect(registry.list('shop').map((m) => [m.version, m.status])).toEqual([
      ['v2', 'promoted'],
      ['v1', 'retired'],
    ]);
    await registry.rollback('shop');
    expect(live.versionFor('shop')).toBe('v1');
  }, 600_000); // a fit takes ~50 s alone under load 29; the full suite runs two files at once

  it('interleaves the promoted model with a challenger and reports per-pair win rates', async () => {
    const il = await new LiveReranker(registry, { interleaveShare: 1, seed: 4 }).start();
    await il.setChallenger('shop', 'v2');
    const q = test[2]!;
    const hits = await il.rerank(q.candidates, {
      queryKind: q.kind,
      queryModalities: q.queryModalities,
      collection: 'shop',
    });
    const tag = parseInterleaveTag(hits[0]!.explanation.ranker)!;
    expect([tag.a, tag.b]).toEqual(['v1', 'v2']);
    expect(new Set(hits.map((h) => h.id)).size).toBe(hits.length);
    const events = (
      await simulateTraffic(test, il, { collection: 'shop', sessions: 400, seed: 9 })
    ).map((e) => FeedbackEvent.parse(e));
    const [pair] = interleavingWinRates(events);
    expect(pair!.a).toBe('v1');
    expect(pair!.winsA + pair!.winsB + pair!.ties).toBeGreaterThan(100);
    expect(pair!.winRateA).toBeGreaterThanOrEqual(0);
    expect(pair!.winRateA).toBeLessThanOrEqual(1);
    await il.close();
  });

  it('fits in a worker thread exactly as in-thread, and keeps error codes across the thread boundary', async () => {
    const req = { collection: 'shop', epochs: 8, hidden: 4, seed: 5 };
    const inline = registry.train({ ...req, version: 'inline-fit' });
    const background = await registry.trainInBackground({ ...req, version: 'worker-fit' });
    expect(background.metrics).toEqual(inline.metrics);
    const modelOf = (v: string) =>
      JSON.parse(readFileSync(path.join(registry.artifactDir('shop', v), 'model.json'), 'utf8'));
    const [a, b] = [modelOf('inline-fit'), modelOf('worker-fit')];
    delete a.meta.version;
    delete b.meta.version;
    expect(b).toEqual(a);
    // No logged feedback: the worker's CONFLICT comes back as the same ChorusError the CLI would print.
    await expect(registry.trainInBackground({ collection: 'empty' })).rejects.toMatchObject({
      code: 'CONFLICT',
      message: expect.stringMatching(/not enough logged feedback/),
    });
  }, 600_000); // a fit takes ~50 s alone under load 29; the full suite runs two files at once
});
