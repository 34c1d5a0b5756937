import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { labelWorkerThreads } from '../../src/bench/thread-cpu.js';
import { openChorus } from '../../src/index.js';

// Before anything starts a worker: each new thread reports its script.
const labels = labelWorkerThreads();
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const words = ['red', 'blue', 'linen', 'wool', 'dress', 'coat', 'scarf', 'boots'];
const items = Array.from({ length: 40 }, (_, i) => ({
  id: `p${i}`,
  payload: { title: `${words[i % 8]} ${words[(i * 3 + 1) % 8]} ${words[(i * 5 + 2) % 8]}` },
  vectors: { v: [1, i / 40] },
}));
const bm25Threads = () => Object.values(labels()).filter((s) => s === 'bm25-read-worker').length;

/** The text-only hits of `query` over a fresh library data dir with `config`, searched `times` times. */
async function searchAll(config: object, queries: string[], until?: () => boolean) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-lexical-thread-'));
  dirs.push(dir);
  const chorus = await openChorus({ dataDir: dir, encoders: 'none', config });
  try {
    await chorus.collections.create({ name: 'c', vectors: { v: { modality: 'text', dim: 2 } } });
    await chorus.upsert('c', items);
    const run = async () =>
      Promise.all(
        queries.map(async (text) =>
          (await chorus.search({ collection: 'c', query: { text }, limit: 5 })).hits.map(
            (h) => h.id,
          ),
        ),
      );
    let hits = await run();
    // The thread opens in the background (searches run on this thread until then): up to 60 s on a busy machine.
    for (let i = 0; i < 600 && until && !until(); i++) {
      await new Promise((r) => setTimeout(r, 100));
      hits = await run();
    }
    return hits;
  } finally {
    await chorus.close();
  }
}

describe('the embedded library scores BM25 of big collections on a worker thread (search.lexicalThreadMinDocs)', () => {
  const queries = ['red dress', 'wool coat', 'linen scarf boots', 'blue'];

  it('off below the threshold (the default 50,000 documents), on above it, with the same hits', async () => {
    const inline = await searchAll({}, queries);
    expect(inline.every((h) => h.length > 0)).toBe(true);
    expect(bm25Threads()).toBe(0);

    const threaded = await searchAll(
      { search: { lexicalThreadMinDocs: 10 } },
      queries,
      () => bm25Threads() > 0,
    );
    expect(bm25Threads()).toBe(1);
    expect(threaded).toEqual(inline);
  }, 120_000);
});
