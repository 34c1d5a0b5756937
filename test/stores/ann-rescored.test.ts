import { readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Index, MetricKind, ScalarKind } from 'usearch';
import { describe, expect, it } from 'vitest';
import { LanceDbStore, type LanceDbStoreOptions } from '../../src/stores/lancedb-store.js';
import { toI8 } from '../../src/stores/ann/row-rescore.mjs';
import { HNSW_PARAMS } from '../../src/stores/ann/vector-index.js';
import { cosine, near, rng, unitVector } from './builders.js';
import { tempDirs } from '../support/temp-dirs.js';

/**
 * Reduced-precision graphs (`hnsw.quantization`: 'i8', the default for cosine vectors, or 'f16') pick candidates
 * only; the scores a search returns are computed again from the exact f32 rows (shared memory, read by the search
 * workers directly), so they equal exact cosine within the store contract's tolerance, in this thread and in the
 * search workers, through writes and reopens. A saved index built with other parameters is rebuilt on open.
 */
const DIM = 48;
const tempDir = tempDirs('chorus-f16-');

const schema = { name: 'c', vectors: { text: { modality: 'text' as const, dim: DIM } } };

function items(n: number, seed: number, prefix = 'i') {
  const rand = rng(seed);
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${i}`,
    payload: { n: i },
    vectors: { text: unitVector(DIM, rand) },
  }));
}

async function openStore(
  dataDir: string,
  extra: Partial<LanceDbStoreOptions> = {},
  quantization: 'f16' | 'i8' = 'f16',
) {
  return LanceDbStore.open({
    dataDir,
    indexMaintenance: 'inline',
    annSaveIdleMs: 60_000,
    ...extra,
    hnsw: { quantization, ...extra.hnsw },
  });
}

const annDir = (dir: string) => path.join(dir, 'lancedb', 'c.ann');
const manifest = (dir: string) =>
  JSON.parse(readFileSync(path.join(annDir(dir), 'manifest.json'), 'utf8')) as {
    params: { quantization: string; connectivity: number; expansionAdd: number };
  };

/** Every hit's score is the exact cosine of its stored vector (contract: toBeCloseTo(.., 4)), best first. */
async function expectExact(
  store: LanceDbStore,
  byId: Map<string, Float32Array>,
  queries: Float32Array[],
  k: number,
) {
  let worst = 0;
  for (const q of queries) {
    const hits = await store.search('c', 'text', q, k);
    expect(hits).toHaveLength(k);
    hits.forEach((h, i) => {
      worst = Math.max(worst, Math.abs(h.score - cosine(q, byId.get(h.id)!)));
      if (i > 0) expect(h.score).toBeLessThanOrEqual(hits[i - 1]!.score);
    });
  }
  expect(worst).toBeLessThan(1e-6);
}

describe('reduced-precision graphs with exact re-scoring', () => {
  it.each(['i8', 'f16'] as const)(
    '%s: return exact cosine scores from the graph, in this thread and in the workers, through writes and reopens',
    async (kind) => {
      const open = (d: string, extra: Partial<LanceDbStoreOptions> = {}) =>
        openStore(d, extra, kind);
      const dir = tempDir();
      const data = items(1500, 41);
      const byId = new Map(data.map((d) => [d.id, d.vectors.text]));
      const rand = rng(42);
      const queries = Array.from({ length: 15 }, (_, i) =>
        near(data[i * 97]!.vectors.text, rand, 0.3),
      );

      // The graph's own distances are off by more than the tolerance on this data: re-scoring is what fixes it.
      const raw = new Index({
        dimensions: DIM,
        metric: MetricKind.Cos,
        quantization: kind === 'i8' ? ScalarKind.I8 : ScalarKind.F16,
        connectivity: 16,
        expansion_add: 128,
        expansion_search: 128,
        multi: false,
      });
      const flat = Float32Array.from(data.flatMap((d) => [...d.vectors.text]));
      raw.add(
        BigUint64Array.from(data, (_, i) => BigInt(i)),
        kind === 'i8' ? toI8(flat, DIM) : flat,
      );
      let rawWorst = 0;
      for (const q of queries) {
        const res = raw.search(kind === 'i8' ? toI8(q, DIM) : q, 30, 1);
        res.keys.forEach(
          (key, i) =>
            (rawWorst = Math.max(
              rawWorst,
              Math.abs(1 - res.distances[i]! - cosine(q, data[Number(key)]!.vectors.text)),
            )),
        );
      }
      expect(rawWorst).toBeGreaterThan(5e-5);

      const first = await open(dir);
      await first.createCollection(schema);
      await first.upsert('c', data);
      await first.flushIndex('c'); // in the graph (in memory, this thread)
      await expectExact(first, byId, queries, 30);
      await first.close();
      expect(manifest(dir).params.quantization).toBe(kind);

      const here = await open(dir, { searchThreads: 0 });
      const pooled = await open(dir, { searchThreads: 2, searchThreadsMinGraph: 0 });
      await expectExact(here, byId, queries, 30); // memory-mapped graph, rows read from the file
      await expectExact(pooled, byId, queries, 30); // the same in the workers
      for (const q of queries)
        expect((await pooled.search('c', 'text', q, 30)).map((h) => [h.id, h.score])).toEqual(
          (await here.search('c', 'text', q, 30)).map((h) => [h.id, h.score]),
        );
      expect(pooled.searchThreadStats()!.searches).toBeGreaterThanOrEqual(2 * queries.length);
      await here.close();

      // Writes: the mapped graph and its rows are copied (another process may share the saved files), new rows are
      // absorbed with their exact rows, replaced items score by their new vectors.
      const more = items(300, 43, 'm');
      const replaced = items(20, 44).map((d) => ({ ...d, id: `i${d.id.slice(1)}` }));
      await pooled.upsert('c', [...more, ...replaced]);
      for (const d of [...more, ...replaced]) byId.set(d.id, d.vectors.text);
      await pooled.flushIndex('c');
      await expectExact(
        pooled,
        byId,
        [...queries, more[5]!.vectors.text, replaced[3]!.vectors.text],
        30,
      );
      expect((await pooled.search('c', 'text', replaced[3]!.vectors.text, 1))[0]!.id).toBe('i3');
      await pooled.close();
      // One exact-rows file per vector is left: the one the manifest names (the copied-from file was removed).
      expect(readdirSync(annDir(dir)).filter((f) => f.endsWith('.f32'))).toHaveLength(1);

      const again = await open(dir, { searchThreads: 2, searchThreadsMinGraph: 0 });
      expect((await again.indexInfo('c')).find((i) => i.type === 'usearch-hnsw')).toMatchObject({
        indexed: 1800,
        unindexed: 0,
      });
      await expectExact(again, byId, queries, 30);
      await again.close();
    },
  );

  it('the workers re-score from shared memory: the rows file is not read after open', async () => {
    const dir = tempDir();
    const data = items(1200, 71);
    const byId = new Map(data.map((d) => [d.id, d.vectors.text]));
    const rand = rng(72);
    const queries = Array.from({ length: 10 }, (_, i) =>
      near(data[i * 101]!.vectors.text, rand, 0.3),
    );
    const first = await LanceDbStore.open({ dataDir: dir, indexMaintenance: 'inline' });
    await first.createCollection(schema);
    await first.upsert('c', data);
    await first.close();
    expect(manifest(dir).params.quantization).toBe('i8'); // the default

    const pooled = await LanceDbStore.open({
      dataDir: dir,
      indexMaintenance: 'inline',
      searchThreads: 2,
      searchThreadsMinGraph: 0,
    });
    expect((await pooled.indexInfo('c')).find((i) => i.type === 'usearch-hnsw')).toMatchObject({
      indexed: 1200,
      unindexed: 0,
    });
    // Gone from disk: a search that read rows from the file would fail in the worker (and fall back here).
    for (const f of readdirSync(annDir(dir)))
      if (f.endsWith('.f32')) rmSync(path.join(annDir(dir), f));
    await expectExact(pooled, byId, queries, 30);
    expect(pooled.searchThreadStats()!.searches).toBe(queries.length);
    expect((await pooled.search('c', 'text', data[404]!.vectors.text, 1))[0]!.id).toBe('i404');
    await pooled.close();
  });

  it('rebuilds a saved index whose HNSW parameters or precision differ from the store settings', async () => {
    const dir = tempDir();
    const data = items(400, 51);
    const hnsw = async (store: LanceDbStore) =>
      (await store.indexInfo('c')).find((i) => i.type === 'usearch-hnsw')!;
    const open = openStore;
    const f32 = await open(dir, { hnsw: { quantization: 'f32' } });
    await f32.createCollection(schema);
    await f32.upsert('c', data);
    await f32.close();
    expect(manifest(dir).params.quantization).toBe('f32');
    expect(readdirSync(annDir(dir)).filter((f) => f.endsWith('.f32'))).toHaveLength(0);

    // Saved as f32, opened as f16: rebuilt from the table (every row pending at first), then saved as f16.
    const f16 = await open(dir);
    expect(await hnsw(f16)).toMatchObject({ indexed: 0, unindexed: 400 });
    expect((await f16.search('c', 'text', data[77]!.vectors.text, 1))[0]!.id).toBe('i77');
    await f16.close();
    expect(manifest(dir).params.quantization).toBe('f16');
    // Same settings: opened from the saved files, no rebuild.
    const same = await open(dir);
    expect(await hnsw(same)).toMatchObject({ indexed: 400, unindexed: 0 });
    await same.close();
    // Other build parameters (connectivity) rebuild too, and so does going back to f32.
    const wider = await open(dir, { hnsw: { connectivity: 32 } });
    expect(await hnsw(wider)).toMatchObject({ indexed: 0, unindexed: 400 });
    await wider.close();
    const back = await open(dir, { hnsw: { quantization: 'f32' } });
    expect(await hnsw(back)).toMatchObject({ indexed: 0, unindexed: 400 });
    expect((await back.search('c', 'text', data[9]!.vectors.text, 1))[0]!.id).toBe('i9');
    await back.close();
  });

  it('rebuilds an index saved under the previous default degree (M 24) when opened with the defaults', async () => {
    const dir = tempDir();
    const data = items(400, 71);
    const hnsw = async (store: LanceDbStore) =>
      (await store.indexInfo('c')).find((i) => i.type === 'usearch-hnsw')!;
    // What a store before the degree change saved: the defaults of then (M 24, efConstruction 128, i8).
    const before = await openStore(dir, { hnsw: { connectivity: 24, expansionAdd: 128 } }, 'i8');
    await before.createCollection(schema);
    await before.upsert('c', data);
    await before.close();
    expect(manifest(dir).params).toMatchObject({ connectivity: 24, quantization: 'i8' });

    // Opened with no hnsw options at all (as the server opens it): rebuilt under the current defaults.
    const now = await LanceDbStore.open({ dataDir: dir, indexMaintenance: 'inline' });
    expect(await hnsw(now)).toMatchObject({ indexed: 0, unindexed: 400 });
    expect((await now.search('c', 'text', data[123]!.vectors.text, 1))[0]!.id).toBe('i123');
    await now.flushIndex('c');
    await now.close();
    expect(manifest(dir).params).toMatchObject({
      connectivity: HNSW_PARAMS.connectivity,
      expansionAdd: HNSW_PARAMS.expansionAdd,
      quantization: 'i8',
    });
    // And opened from its saved files the next time.
    const again = await LanceDbStore.open({ dataDir: dir, indexMaintenance: 'inline' });
    expect(await hnsw(again)).toMatchObject({ indexed: 400, unindexed: 0 });
    await again.close();
  });

  it('rebuilds when the exact rows file of a saved reduced-precision index is missing', async () => {
    const dir = tempDir();
    const data = items(300, 61);
    const open = openStore;
    const first = await open(dir);
    await first.createCollection(schema);
    await first.upsert('c', data);
    await first.close();
    for (const f of readdirSync(annDir(dir)))
      if (f.endsWith('.f32')) rmSync(path.join(annDir(dir), f));
    const again = await open(dir);
    expect((await again.indexInfo('c')).find((i) => i.type === 'usearch-hnsw')).toMatchObject({
      indexed: 0,
      unindexed: 300,
    });
    const hits = await again.search('c', 'text', data[5]!.vectors.text, 5);
    expect(hits[0]!.id).toBe('i5');
    await again.close();
  });
});
