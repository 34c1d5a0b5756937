import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { Filter } from '../../src/domain/filter.js';
import { LanceDbStore, type LanceDbStoreOptions } from '../../src/stores/lancedb-store.js';
import type { ItemInput } from '../../src/stores/vector-store.js';
import { near, rng, unitVector } from './builders.js';
import { tempDirs } from '../support/temp-dirs.js';

/**
 * The in-process HNSW index in front of LanceDB: searchable at once, saved beside the table and reopened without a
 * rebuild, rebuilt when it lags the table, deletes invisible everywhere, filters planned by selectivity.
 */
const DIM = 24;
const tempDir = tempDirs('chorus-ann-');

async function open(
  dataDir: string,
  extra: Partial<LanceDbStoreOptions> = {},
): Promise<LanceDbStore> {
  return LanceDbStore.open({
    dataDir,
    indexMaintenance: 'inline',
    annSaveIdleMs: 60_000,
    ...extra,
  });
}

type TestItem = ItemInput & {
  payload: { group: number; common: boolean; tag: string };
  vectors: { text: Float32Array };
};

function items(n: number, seed: number, prefix = 'i'): TestItem[] {
  const rand = rng(seed);
  return Array.from({ length: n }, (_, i) => ({
    id: `${prefix}${i}`,
    payload: { group: i % 100, common: i % 10 !== 0, tag: i % 2 ? 'odd' : 'even' },
    vectors: { text: unitVector(DIM, rand) },
  }));
}

const schema = {
  name: 'c',
  vectors: { text: { modality: 'text' as const, dim: DIM } },
  payloadIndexes: { group: 'integer' as const, common: 'bool' as const, tag: 'keyword' as const },
};

async function hnswInfo(store: LanceDbStore) {
  return (await store.indexInfo('c')).find((i) => i.type === 'usearch-hnsw')!;
}

async function topId(store: LanceDbStore, v: Float32Array): Promise<string | undefined> {
  return (await store.search('c', 'text', v, 1))[0]?.id;
}

describe('in-process ANN index (LanceDB store)', () => {
  it('finds a write at once (exact scan of pending rows), then from the graph once absorbed', async () => {
    const store = await open(tempDir());
    await store.createCollection(schema);
    const data = items(600, 1);
    await store.upsert('c', data);
    const rand = rng(2);
    expect(await topId(store, near(data[17]!.vectors.text, rand))).toBe('i17');
    await store.flushIndex('c');
    expect(await hnswInfo(store)).toMatchObject({ indexed: 600, unindexed: 0 });
    for (const i of [0, 17, 599])
      expect(await topId(store, near(data[i]!.vectors.text, rand))).toBe(`i${i}`);
    const hits = await store.search('c', 'text', data[3]!.vectors.text, 5);
    expect(hits[0]).toMatchObject({ id: 'i3', payload: data[3]!.payload });
    expect(hits[0]!.score).toBeCloseTo(1, 5);
    await store.close();
  });

  it('attaches each hit its own payload whether the payload cache holds it or it is read from the table', async () => {
    const dir = tempDir();
    const data = items(300, 21);
    const first = await open(dir);
    await first.createCollection(schema);
    await first.upsert('c', data);
    await first.close();
    // A cache of 8 payloads: most hits of a 40-deep search are read, some come from the cache.
    for (const payloadCacheSize of [8, 10_000]) {
      const store = await open(dir, { payloadCacheSize });
      const rand = rng(22);
      for (const i of [5, 77, 5, 150, 77]) {
        const hits = await store.search('c', 'text', near(data[i]!.vectors.text, rand), 40);
        expect(hits.length).toBe(40);
        expect(hits[0]!.id).toBe(`i${i}`);
        for (const h of hits) expect(h.payload).toEqual(data[Number(h.id.slice(1))]!.payload);
      }
      await store.close();
    }
  });

  it('a payload remembered by key follows its item: a rewrite shows the new one, a delete drops the hit', async () => {
    // A cache that holds the collection remembers payloads by key; one that cannot (8) does not.
    for (const payloadCacheSize of [10_000, 8]) {
      const store = await open(tempDir(), { payloadCacheSize });
      await store.createCollection(schema);
      const data = items(300, 31);
      await store.upsert('c', data);
      await store.flushIndex('c');
      const q = data[42]!.vectors.text;
      const first = async () => (await store.search('c', 'text', q, 5))[0];
      expect(await first()).toMatchObject({ id: 'i42', payload: data[42]!.payload });
      expect(await first()).toMatchObject({ id: 'i42', payload: data[42]!.payload }); // now remembered
      const changed = { group: 7, common: false, tag: 'changed' };
      await store.upsert('c', [{ ...data[42]!, payload: changed }]);
      expect(await first()).toMatchObject({ id: 'i42', payload: changed });
      await store.flushIndex('c');
      expect(await first()).toMatchObject({ id: 'i42', payload: changed });
      await store.delete('c', ['i42']);
      expect((await first())?.id).not.toBe('i42');
      await store.close();
    }
  });

  it('saves beside the table and reopens memory-mapped without rebuilding', async () => {
    const dir = tempDir();
    const first = await open(dir);
    await first.createCollection(schema);
    const data = items(400, 3);
    await first.upsert('c', data);
    await first.close(); // absorbs and saves
    expect(existsSync(path.join(dir, 'lancedb', 'c.ann', 'manifest.json'))).toBe(true);
    const again = await open(dir);
    // Loaded from the saved graph: nothing pending (a rebuild would hold every row as pending).
    expect(await hnswInfo(again)).toMatchObject({ indexed: 400, unindexed: 0 });
    expect(await topId(again, near(data[123]!.vectors.text, rng(4)))).toBe('i123');
    // Writes after a memory-mapped open: visible at once, absorbed into a private copy of the graph.
    const more = items(50, 5, 'm');
    await again.upsert('c', more);
    expect(await topId(again, more[7]!.vectors.text)).toBe('m7');
    await again.flushIndex('c');
    expect(await hnswInfo(again)).toMatchObject({ indexed: 450, unindexed: 0 });
    await again.close();
  });

  it('an idle save keeps the big graph file and writes the rows it lacks beside it; a crashed run reopens without a rebuild', async () => {
    const dir = tempDir();
    const annDir = path.join(dir, 'lancedb', 'c.ann');
    const manifest = () =>
      JSON.parse(readFileSync(path.join(annDir, 'manifest.json'), 'utf8')) as {
        generation: number;
      };
    const first = await open(dir);
    await first.createCollection(schema);
    const data = items(300, 30);
    await first.upsert('c', data);
    await first.flushIndex('c');
    await first.close();
    const graphFile = readdirSync(annDir).find((f) => f.endsWith('.usearch'))!;
    const generation = manifest().generation;
    // The next run writes and deletes a little, saves when idle, then dies (never closed).
    const crashed = await open(dir, { annSaveIdleMs: 30 });
    expect(await topId(crashed, data[1]!.vectors.text)).toBe('i1');
    const late = items(40, 31, 'late');
    await crashed.upsert('c', late);
    await crashed.delete('c', ['i5', 'i6']);
    // Up to 30 s (the save is a background job; 5 s was the bound before, tight on a loaded CI box).
    for (let t = 0; t < 600 && manifest().generation === generation; t++)
      await new Promise((r) => setTimeout(r, 50));
    expect(manifest().generation).toBeGreaterThan(generation);
    const files = readdirSync(annDir);
    expect(files).toContain(graphFile); // 40 rows did not rewrite the graph
    expect(files.some((f) => f.endsWith('.rows'))).toBe(true);
    const reopened = await open(dir);
    // 298 live in the mapped graph (300, i5 and i6 dead inside it), the 40 late rows back in the exact scan (a
    // rebuild would hold all 338 as pending).
    expect(await hnswInfo(reopened)).toMatchObject({ indexed: 298, unindexed: 40 });
    expect(await topId(reopened, late[9]!.vectors.text)).toBe('late9');
    const hits = await reopened.search('c', 'text', data[5]!.vectors.text, 20);
    expect(hits).toHaveLength(20);
    expect(hits.map((h) => h.id)).not.toContain('i5');
    await reopened.flushIndex('c');
    expect(await hnswInfo(reopened)).toMatchObject({ indexed: 338, unindexed: 0 });
    const after = (await reopened.search('c', 'text', data[6]!.vectors.text, 20)).map((h) => h.id);
    expect(after).toHaveLength(20);
    expect(after).not.toContain('i6');
    expect(await topId(reopened, late[22]!.vectors.text)).toBe('late22');
    await reopened.close();
  });

  it('close does not wait for the graphs: unabsorbed rows are saved and absorbed after the next open', async () => {
    const dir = tempDir();
    const first = await open(dir, { annCloseDrainMs: 0 });
    await first.createCollection(schema);
    const data = items(500, 32);
    await first.upsert('c', data);
    await first.close();
    const again = await open(dir);
    const info = await hnswInfo(again);
    expect(info.indexed + info.unindexed).toBe(500);
    expect(info.unindexed).toBeGreaterThan(0); // saved unabsorbed, not rebuilt from the table and not drained
    expect(await topId(again, near(data[77]!.vectors.text, rng(33)))).toBe('i77');
    await again.flushIndex('c');
    expect(await hnswInfo(again)).toMatchObject({ indexed: 500, unindexed: 0 });
    await again.close();
  });

  it('table maintenance by a process that has not searched yet keeps the saved index valid (no rebuild on reopen)', async () => {
    const dir = tempDir();
    // 70 one-row commits over two processes (each plans maintenance only every 32 of its own writes): 70 small
    // fragments are left for compaction.
    const data = items(70, 21);
    const first = await open(dir);
    await first.createCollection(schema);
    for (const it of data.slice(0, 40)) await first.upsert('c', [it]);
    await first.close();
    const second = await open(dir);
    for (const it of data.slice(40)) await second.upsert('c', [it]);
    await second.close();
    // A process that only runs maintenance (as `bench/store-open` and batch tools do): compaction bumps the table
    // version without changing rows, and the saved index must be stamped with it.
    const maintainer = await open(dir);
    await maintainer.maintain('c');
    await maintainer.close();
    const reopened = await open(dir);
    expect(await hnswInfo(reopened)).toMatchObject({ indexed: 70, unindexed: 0 });
    expect(await topId(reopened, near(data[55]!.vectors.text, rng(22)))).toBe('i55');
    await reopened.close();
  });

  it('rebuilds from the table when the saved index lags it (writes after the last save, then a crash)', async () => {
    const dir = tempDir();
    const first = await open(dir);
    await first.createCollection(schema);
    const data = items(300, 6);
    await first.upsert('c', data);
    await first.close();
    // A second run writes, then dies before saving (never closed; saves only after a minute of idle).
    const crashed = await open(dir);
    const late = items(40, 7, 'late');
    await crashed.upsert('c', late);
    await crashed.delete('c', ['i5', 'i6']);
    const reopened = await open(dir);
    const info = await hnswInfo(reopened);
    expect(info.indexed + info.unindexed).toBe(338);
    expect(info.unindexed).toBe(338); // rebuilt: every row came back from the table
    expect(await topId(reopened, late[9]!.vectors.text)).toBe('late9');
    const ids = (await reopened.search('c', 'text', data[5]!.vectors.text, 20)).map((h) => h.id);
    expect(ids).not.toContain('i5');
    await reopened.close();
  });

  it("picks up another process's writes: a newer table version rebuilds the index in the background", async () => {
    const dir = tempDir();
    const server = await open(dir, { readConsistencyIntervalS: 0 });
    await server.createCollection(schema);
    await server.upsert('c', items(100, 20));
    expect(await hnswInfo(server)).toMatchObject({ indexed: expect.any(Number) });
    const cli = await open(dir); // a second writer on the same data dir (the CLI beside a running server)
    const theirs = items(10, 21, 'cli');
    await cli.upsert('c', theirs);
    await cli.close();
    let found: string | undefined;
    for (let t = 0; t < 300 && found !== 'cli3'; t++) {
      // Up to 30 s: the rebuild runs in the background (5 s was tight on a loaded CI box).
      await new Promise((r) => setTimeout(r, 100));
      found = await topId(server, theirs[3]!.vectors.text);
    }
    expect(found).toBe('cli3');
    expect((await server.get('c', ['cli3']))[0]?.payload).toEqual(theirs[3]!.payload);
    await server.close();
  });

  it("rebuilds after another process's write outside the write lock: own writes meanwhile are kept", async () => {
    const dir = tempDir();
    const server = await open(dir, { readConsistencyIntervalS: 0 });
    await server.createCollection(schema);
    await server.upsert('c', items(20_000, 40)); // a scan long enough for writes to land during it
    await server.flushIndex('c');
    const cli = await open(dir);
    const theirs = items(10, 41, 'cli');
    await cli.upsert('c', theirs);
    await cli.close();
    await new Promise((r) => setTimeout(r, 1100)); // past the freshness interval
    // This search starts the rebuild in the background; the writes right after it must not wait for its scan.
    await server.search('c', 'text', theirs[0]!.vectors.text, 1);
    const ours = items(30, 42, 'own');
    for (let i = 0; i < 30; i += 10) await server.upsert('c', ours.slice(i, i + 10));
    await server.delete('c', ['i7']);
    let info = await hnswInfo(server);
    for (let n = 0; n < 600 && info.indexed + info.unindexed !== 20_039; n++) {
      await new Promise((r) => setTimeout(r, 100));
      info = await hnswInfo(server);
    }
    expect(info.indexed + info.unindexed).toBe(20_039);
    expect(await topId(server, theirs[3]!.vectors.text)).toBe('cli3');
    for (const i of [0, 15, 29]) expect(await topId(server, ours[i]!.vectors.text)).toBe(`own${i}`);
    const near7 = (await server.search('c', 'text', items(20_000, 40)[7]!.vectors.text, 5)).map(
      (h) => h.id,
    );
    expect(near7).not.toContain('i7');
    await server.close();
  }, 120_000);

  it('rebuilds when the saved files are damaged', async () => {
    const dir = tempDir();
    const first = await open(dir);
    await first.createCollection(schema);
    const data = items(200, 8);
    await first.upsert('c', data);
    await first.close();
    writeFileSync(path.join(dir, 'lancedb', 'c.ann', 'manifest.json'), '{"format":1,');
    const again = await open(dir);
    expect(await hnswInfo(again)).toMatchObject({ indexed: 0, unindexed: 200 });
    expect(await topId(again, data[42]!.vectors.text)).toBe('i42');
    await again.close();
  });

  it('hides deleted and replaced items at once: in the graph, in pending rows, and in a memory-mapped graph', async () => {
    const dir = tempDir();
    const store = await open(dir);
    await store.createCollection(schema);
    const data = items(300, 9);
    await store.upsert('c', data);
    await store.flushIndex('c');
    await store.delete('c', ['i10']); // in the graph
    const fresh = items(5, 10, 'f');
    await store.upsert('c', fresh);
    await store.delete('c', ['f2']); // still pending
    const moved = unitVector(DIM, rng(11));
    await store.upsert('c', [{ id: 'i20', payload: { group: 20 }, vectors: { text: moved } }]); // replaced
    const around = (v: Float32Array) =>
      store.search('c', 'text', v, 10).then((h) => h.map((x) => x.id));
    expect(await around(data[10]!.vectors.text)).not.toContain('i10');
    expect(await around(fresh[2]!.vectors.text)).not.toContain('f2');
    const oldSpot = await store.search('c', 'text', data[20]!.vectors.text, 300);
    expect(oldSpot.filter((h) => h.id === 'i20')).toHaveLength(1); // one entry, at its new vector's score
    expect(await topId(store, moved)).toBe('i20');
    await store.close();
    const mapped = await open(dir); // the graph is read-only until the first write copies it
    await mapped.delete('c', ['i30']);
    expect(
      (await mapped.search('c', 'text', data[30]!.vectors.text, 10)).map((h) => h.id),
    ).not.toContain('i30');
    expect(await mapped.count('c')).toBe(302);
    await mapped.close();
  });

  it('searches saved graphs from worker threads exactly as in this thread, and stays current through writes', async () => {
    const dir = tempDir();
    const first = await open(dir);
    await first.createCollection(schema);
    const data = items(800, 21);
    await first.upsert('c', data);
    await first.close(); // absorbs and saves: the graph file is what both stores below map
    const here = await open(dir, { searchThreads: 0 });
    const pooled = await open(dir, { searchThreads: 2, searchThreadsMinGraph: 0 });
    const rand = rng(22);
    const queries = Array.from({ length: 20 }, (_, i) => near(data[i * 37]!.vectors.text, rand));
    for (const q of queries) {
      const [a, b] = await Promise.all([
        here.search('c', 'text', q, 25),
        pooled.search('c', 'text', q, 25),
      ]);
      expect(b.map((h) => [h.id, h.score])).toEqual(a.map((h) => [h.id, h.score]));
    }
    expect(pooled.searchThreadStats()!.searches).toBe(queries.length);
    await here.close();
    // Writes on the mapped graph: a delete (deferred inside the read-only graph), new rows (pending scan).
    await pooled.delete('c', ['i37']);
    const fresh = items(5, 23, 'f');
    await pooled.upsert('c', fresh);
    const ids = async (v: Float32Array) =>
      (await pooled.search('c', 'text', v, 10)).map((h) => h.id);
    expect(await ids(data[37]!.vectors.text)).not.toContain('i37');
    expect((await ids(fresh[3]!.vectors.text))[0]).toBe('f3');
    // The writes were absorbed into a private copy of the graph: searched in this thread until it is saved again.
    const before = pooled.searchThreadStats()!.searches;
    await pooled.flushIndex('c');
    expect((await ids(fresh[1]!.vectors.text))[0]).toBe('f1');
    expect(await ids(data[37]!.vectors.text)).not.toContain('i37');
    expect(pooled.searchThreadStats()!.searches).toBeGreaterThan(before);
    await pooled.close();
  });

  it('plans filters by selectivity: a selective one scans its subset exactly, a broad one walks the graph', async () => {
    const store = await open(tempDir(), { filterPlan: { exactMaxCount: 50, exactMaxShare: 0.05 } });
    await store.createCollection(schema);
    const data = items(2000, 12);
    await store.upsert('c', data);
    await store.flushIndex('c');
    const q = unitVector(DIM, rng(13));
    const run = async (filter: Filter) => {
      let plan = '';
      const hits = await store.search('c', 'text', q, 10, { filter, onPlan: (p) => (plan = p) });
      return { plan, ids: hits.map((h) => h.id) };
    };
    const exactTop = (pred: (i: (typeof data)[number]) => boolean) =>
      data
        .filter(pred)
        .map((i) => ({ id: i.id, s: i.vectors.text.reduce((a, x, j) => a + x * q[j]!, 0) }))
        .sort((a, b) => b.s - a.s)
        .slice(0, 10)
        .map((x) => x.id);
    const selective = await run({ must: [{ key: 'group', match: { value: 7 } }] }); // 20 of 2000
    expect(selective.plan).toBe('exact');
    expect(selective.ids).toEqual(exactTop((i) => i.payload.group === 7));
    const broad = await run({ must: [{ key: 'common', match: { value: true } }] }); // 90%
    expect(broad.plan).toBe('graph');
    const truth = exactTop((i) => i.payload.common);
    expect(broad.ids.filter((id) => truth.includes(id)).length).toBeGreaterThanOrEqual(9);
    expect(broad.ids.every((id) => data[Number(id.slice(1))]!.payload.common)).toBe(true);
    await store.close();
  });

  it('evaluates filters in memory exactly as the table does (graph plan forced vs exact plan forced)', async () => {
    const dir = tempDir();
    const graph = await open(dir, { filterPlan: { exactMaxCount: -1, exactMaxShare: -1 } });
    await graph.createCollection(schema);
    const data = items(300, 14);
    await graph.upsert('c', data);
    const exact = await open(dir, {
      filterPlan: { exactMaxCount: Infinity, exactMaxShare: 1 },
      payloadCacheSize: 0,
    });
    const filters: Filter[] = [
      { must: [{ key: 'tag', match: { value: 'odd' } }] },
      { must: [{ key: 'group', range: { gte: 10, lt: 60 } }] },
      {
        should: [
          { key: 'group', in: [1, 2, 3] },
          { key: 'common', match: { value: false } },
        ],
      },
      { must_not: [{ key: 'tag', in: ['even'] }], must: [{ key: 'group', exists: true }] },
    ];
    const q = unitVector(DIM, rng(15));
    for (const filter of filters) {
      const plans: string[] = [];
      const a = await graph.search('c', 'text', q, 300, { filter, onPlan: (p) => plans.push(p) });
      const b = await exact.search('c', 'text', q, 300, { filter, onPlan: (p) => plans.push(p) });
      expect(plans).toEqual(['graph', 'exact']);
      expect(a.map((h) => h.id).sort()).toEqual(b.map((h) => h.id).sort());
    }
    await graph.close();
    await exact.close();
  });

  it('runs the exact plan in memory as the table scan answers it: absorbed and pending rows, deletes, geo', async () => {
    const dir = tempDir();
    const geoSchema = {
      ...schema,
      payloadIndexes: { ...schema.payloadIndexes, place: 'geo' as const },
    };
    const always = { exactMaxCount: Infinity, exactMaxShare: 1 };
    const memory = await open(dir, { filterPlan: always });
    await memory.createCollection(geoSchema);
    const data = items(600, 21).map((item, i) => ({
      ...item,
      payload: { ...item.payload, place: { lat: 40 + (i % 20), lon: (i * 7) % 30 } },
    }));
    await memory.upsert('c', data.slice(0, 400));
    await memory.flushIndex('c');
    // Rows written after the flush are still pending (searched exactly until the graph absorbs them).
    await memory.upsert('c', data.slice(400));
    await memory.delete('c', ['i3', 'i450']);
    // No payload cache: the exact plan cannot run in memory, the table scan answers.
    const table = await open(dir, { filterPlan: always, payloadCacheSize: 0 });
    const scans = (s: LanceDbStore) =>
      vi.spyOn(s as unknown as { exactSearch: () => unknown }, 'exactSearch');
    const memoryScans = scans(memory);
    const tableScans = scans(table);
    const q = unitVector(DIM, rng(22));
    const filters: Filter[] = [
      { must: [{ key: 'group', in: [3, 50, 99] }] },
      {
        must: [{ key: 'tag', match: { value: 'even' } }],
        must_not: [{ key: 'common', match: { value: true } }],
      },
      { must: [{ key: 'place', geo_radius: { center: { lat: 45, lon: 10 }, radius: 300_000 } }] },
    ];
    for (const filter of filters) {
      const a = await memory.search('c', 'text', q, 200, { filter });
      const b = await table.search('c', 'text', q, 200, { filter });
      expect(a.map((h) => h.id)).toEqual(b.map((h) => h.id));
      a.forEach((h, i) => expect(h.score).toBeCloseTo(b[i]!.score, 5));
      expect(a.map((h) => h.id)).not.toContain('i450');
      expect(a.some((h) => Number(h.id.slice(1)) >= 400)).toBe(true);
    }
    expect(memoryScans).not.toHaveBeenCalled();
    expect(tableScans).toHaveBeenCalledTimes(filters.length);
    await memory.close();
    await table.close();
  });

  it('reaches recall@10 >= 0.95 against exact search on embedding-like data', async () => {
    const store = await open(tempDir());
    const dim = 64;
    await store.createCollection({ name: 'c', vectors: { text: { modality: 'text', dim } } });
    // Low-rank data with a decaying spectrum (as real embeddings have), not uniform noise.
    const rand = rng(16);
    const rank = 16;
    const basis = Array.from({ length: rank }, () => unitVector(dim, rand));
    const make = () => {
      const v = new Float32Array(dim);
      basis.forEach((b, r) => {
        const w = (rand() * 2 - 1) / (1 + r) ** 0.8;
        for (let j = 0; j < dim; j++) v[j]! += w * b[j]!;
      });
      for (let j = 0; j < dim; j++) v[j]! += 0.02 * (rand() - 0.5);
      return v;
    };
    const n = 4000;
    const vecs = Array.from({ length: n }, make);
    for (let i = 0; i < n; i += 1000)
      await store.upsert(
        'c',
        vecs.slice(i, i + 1000).map((v, j) => ({ id: String(i + j), vectors: { text: v } })),
      );
    await store.flushIndex('c');
    const norm = (v: Float32Array) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));
    let hit = 0;
    const queries = 50;
    for (let t = 0; t < queries; t++) {
      const q = make();
      const qn = norm(q);
      const truth = vecs
        .map((v, i) => ({
          i: String(i),
          s: v.reduce((a, x, j) => a + x * q[j]!, 0) / (norm(v) * qn),
        }))
        .sort((a, b) => b.s - a.s)
        .slice(0, 10)
        .map((x) => x.i);
      const got = (await store.search('c', 'text', q, 10)).map((h) => h.id);
      hit += got.filter((id) => truth.includes(id)).length;
    }
    expect(hit / (queries * 10)).toBeGreaterThanOrEqual(0.95);
    await store.close();
  });
});
