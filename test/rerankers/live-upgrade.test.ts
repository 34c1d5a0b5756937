import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RrfReranker } from '../../rerankers/fusion/index.js';
import { LiveReranker } from '../../rerankers/live-reranker.js';
import { ModelRegistry } from '../../src/model-registry/registry.js';
import { generateMultimodalWorld } from '../../rerankers/simulation/multimodal-world.js';
import { simulateTraffic } from '../../rerankers/simulation/simulate-traffic.js';
import { openChorusDb } from '../../src/storage/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'chorus-live-upgrade-'));
const db = openChorusDb(dir);
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a promoted model that can no longer be opened (a model format from before an upgrade)', () => {
  it('is reported and skipped: the collection serves its baseline instead of failing every search', async () => {
    const registry = new ModelRegistry({ db, dataDir: dir, executionProviders: ['cpu'] });
    const world = generateMultimodalWorld({ queries: 40, seed: 5 });
    const first = await new LiveReranker(registry, { pollMs: 0 }).start();
    db.events.append(
      await simulateTraffic(world, first, { collection: 'shop', sessions: 400, seed: 6 }),
    );
    await first.close();
    const v1 = registry.train({ collection: 'shop', epochs: 2, seed: 1 });
    await registry.promote('shop', v1.version, { force: true });
    // The artifact as an older release wrote it.
    const file = path.join(registry.get('shop', v1.version).artifactPath!, 'model.json');
    const old = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...old, formatVersion: 2 }));

    const lines: string[] = [];
    const live = await new LiveReranker(registry, { pollMs: 0, log: (l) => lines.push(l) }).start();
    try {
      expect(lines.join('\n')).toMatch(/shop: promoted model not served: .*format 3/);
      const q = world[0]!;
      const ctx = { queryKind: q.kind, queryModalities: q.queryModalities, collection: 'shop' };
      const hits = await live.rerank(q.candidates, ctx);
      expect(live.version).toBe('rrf');
      const rrf = await new RrfReranker().rerank(q.candidates, ctx);
      expect(hits.map((h) => h.id)).toEqual(rrf.map((h) => h.id));
      // Polling does not retry (or fail on) the same unservable version.
      await expect(live.sync()).resolves.toBeUndefined();
    } finally {
      await live.close();
    }
  }, 120_000);
});
