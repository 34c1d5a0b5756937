import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Index, MetricKind, ScalarKind } from 'usearch';
import { describe, expect, it } from 'vitest';
import { LanceDbStore, type LanceDbStoreOptions } from '../../src/stores/lancedb-store.js';
import { matchKeys, rescore, rescoreFetch } from '../../src/stores/ann/row-rescore.mjs';
import { HNSW_PARAMS, searchEf } from '../../src/stores/ann/vector-index.js';
import { cosine, near, rng, unitVector } from './builders.js';
import { tempDirs } from '../support/temp-dirs.js';

/**
 * The search beam (hnsw.expansionSearch) is a search-time setting: a saved index opens as it is whatever beam the
 * store searches with, while build settings still rebuild it. And graph matches come back as plain numeric keys
 * (read from usearch's 64-bit keys without BigInt), exact past 2^32, padding cut.
 */
const DIM = 32;
const tempDir = tempDirs('chorus-ann-params-');

const schema = { name: 'c', vectors: { text: { modality: 'text' as const, dim: DIM } } };

function items(n: number, seed: number) {
  const rand = rng(seed);
  return Array.from({ length: n }, (_, i) => ({
    id: `i${i}`,
    payload: { n: i },
    vectors: { text: unitVector(DIM, rand) },
  }));
}

const open = (dataDir: string, hnsw: LanceDbStoreOptions['hnsw'] = {}) =>
  LanceDbStore.open({ dataDir, indexMaintenance: 'inline', annSaveIdleMs: 60_000, hnsw });

const graphInfo = async (store: LanceDbStore) =>
  (await store.indexInfo('c')).find((i) => i.type === 'usearch-hnsw')!;

describe('HNSW search settings', () => {
  it('opens a saved index without a rebuild when only the search beam changed; build settings still rebuild', async () => {
    const dir = tempDir();
    const data = items(400, 5);
    const first = await open(dir);
    await first.createCollection(schema);
    await first.upsert('c', data);
    await first.close();
    const manifest = JSON.parse(
      readFileSync(path.join(dir, 'lancedb', 'c.ann', 'manifest.json'), 'utf8'),
    ) as { params: { expansionSearch: number } };
    expect(manifest.params.expansionSearch).toBe(HNSW_PARAMS.expansionSearch);

    // Another beam: the saved graph is opened (every row indexed at once), and searched with the new beam.
    const wider = await open(dir, { expansionSearch: HNSW_PARAMS.expansionSearch + 60 });
    expect(await graphInfo(wider)).toMatchObject({ indexed: 400, unindexed: 0 });
    const hits = await wider.search('c', 'text', data[123]!.vectors.text, 5);
    expect(hits[0]!.id).toBe('i123');
    expect(hits[0]!.score).toBeCloseTo(1, 5);
    await wider.close();

    // Another build setting (expansionAdd) is another graph: rebuilt from the table.
    const rebuilt = await open(dir, { expansionAdd: HNSW_PARAMS.expansionAdd + 32 });
    expect(await graphInfo(rebuilt)).toMatchObject({ indexed: 0, unindexed: 400 });
    expect((await rebuilt.search('c', 'text', data[7]!.vectors.text, 1))[0]!.id).toBe('i7');
    await rebuilt.close();
  });

  it('searches re-scored graphs with the configured beam; f32 graphs (no re-score) with at least 128, 192 over 384-d', () => {
    expect(searchEf(HNSW_PARAMS, 512, true)).toBe(HNSW_PARAMS.expansionSearch);
    expect(searchEf({ ...HNSW_PARAMS, expansionSearch: 64 }, 384, true)).toBe(64);
    expect(searchEf({ ...HNSW_PARAMS, expansionSearch: 64 }, 384, false)).toBe(128);
    expect(searchEf({ ...HNSW_PARAMS, expansionSearch: 64 }, 512, false)).toBe(192);
    expect(searchEf({ ...HNSW_PARAMS, expansionSearch: 300 }, 512, false)).toBe(300);
  });

  it('re-scores as many candidates as the beam, max(k, ef), in this thread and in the workers', async () => {
    expect(rescoreFetch(1, 10_000, 64)).toBe(64);
    expect(rescoreFetch(100, 10_000, 64)).toBe(100);
    expect(rescoreFetch(10, 30, 64)).toBe(30);
    // Near-duplicates closer together than i8 resolution: the graph's own order among them is noise, so a search
    // for one item's top 1 is right only when the whole beam's candidates are re-scored, not just the first k.
    const rand = rng(17);
    const base = unitVector(DIM, rand);
    const dups = Array.from({ length: 24 }, () => near(base, rand, 0.002));
    const data = [
      ...items(600, 18),
      ...dups.map((v, i) => ({ id: `d${i}`, payload: { n: i }, vectors: { text: v } })),
    ];
    const dir = tempDir();
    const first = await open(dir);
    await first.createCollection(schema);
    await first.upsert('c', data);
    await first.flushIndex('c'); // every row in the graph (none left to the exact pending scan)
    await first.close();
    const here = await open(dir, { expansionSearch: 64 });
    const pooled = await LanceDbStore.open({
      dataDir: dir,
      indexMaintenance: 'inline',
      annSaveIdleMs: 60_000,
      hnsw: { expansionSearch: 64 },
      searchThreads: 2,
      searchThreadsMinGraph: 0,
    });
    for (const store of [here, pooled]) {
      let right = 0;
      for (const [i, d] of dups.entries()) {
        const q = near(d, rand, 0.0002);
        const top = (await store.search('c', 'text', q, 1))[0]!;
        if (top.id !== `d${i}`) continue;
        right++;
        expect(Math.abs(top.score - cosine(q, d))).toBeLessThan(5e-5);
      }
      expect(right).toBe(dups.length);
    }
    expect(pooled.searchThreadStats()!.searches).toBeGreaterThanOrEqual(dups.length);
    await here.close();
    await pooled.close();
  });

  it('reads graph keys past 2^32 exactly, cuts usearch padding, and re-scores by them', () => {
    const rand = rng(9);
    const keys = [5, 2 ** 32 + 7, 2 ** 40 + 3, 2 ** 52 + 1];
    const rows = keys.map(() => unitVector(DIM, rand));
    const graph = new Index({
      dimensions: DIM,
      metric: MetricKind.Cos,
      quantization: ScalarKind.F32,
      connectivity: 8,
      expansion_add: 32,
      expansion_search: 32,
      multi: false,
    });
    const flat = new Float32Array(keys.length * DIM);
    rows.forEach((r, i) => flat.set(r, i * DIM));
    graph.add(BigUint64Array.from(keys, BigInt), flat, 1);
    const res = graph.search(rows[2]!, 10, 1);
    const got = matchKeys(res.keys);
    expect(got.length).toBe(4);
    expect(got[0]).toBe(2 ** 40 + 3);
    expect([...got].sort((a, b) => a - b)).toEqual(keys);
    // A short batch result is padded with 2^64 - 1: cut there.
    const padded = new BigUint64Array([...res.keys, 2n ** 64n - 1n, 2n ** 64n - 1n]);
    expect(Array.from(matchKeys(padded))).toEqual(Array.from(got));
    expect(matchKeys(new BigUint64Array(0)).length).toBe(0);

    // Re-scoring reads each key's row from its chunk (a sparse layout of 4-row chunks: keys past 2^32 included).
    const chunkRows = 4;
    const chunks: Float32Array[] = [];
    keys.forEach((k, i) => {
      const c = Math.floor(k / chunkRows);
      chunks[c] ??= new Float32Array(chunkRows * DIM);
      chunks[c].set(rows[i]!, (k - c * chunkRows) * DIM);
    });
    const q = rows[3]!;
    const exact = rescore(graph.search(q, 10, 1), q, DIM, MetricKind.Cos, { chunkRows, chunks }, 3);
    expect(Array.from(exact.keys)[0]).toBe(2 ** 52 + 1);
    expect(exact.keys.length).toBe(3);
    exact.keys.forEach((k, i) => {
      const row = rows[keys.indexOf(k)]!;
      expect(Math.abs(1 - exact.distances[i]! - cosine(q, row))).toBeLessThan(1e-6);
    });
  });
});
