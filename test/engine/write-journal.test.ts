import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { Engine } from '../../src/engine/engine.js';
import { kvWriteJournal } from '../../src/engine/write-journal.js';
import { FeedbackState } from '../../src/feedback/feedback-state.js';
import { feedbackIngest } from '../../src/feedback/ingest.js';
import { Bm25Index } from '../../src/lexical/bm25-index.js';
import { openChorusDb } from '../../src/storage/index.js';
import { LanceDbStore } from '../../src/stores/lancedb-store.js';

const C = 'journal';
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A process's worth of components over one data dir (real LanceDB, real SQLite files). */
async function open(dir: string) {
  const store = await LanceDbStore.open({ dataDir: dir });
  const bm25 = new Bm25Index(path.join(dir, 'lexical.sqlite'));
  const db = openChorusDb(dir);
  const state = new FeedbackState(path.join(dir, 'feedback-state.sqlite'));
  const journal = kvWriteJournal(db.kv);
  const engine = new Engine({
    store,
    bm25,
    state,
    ingest: feedbackIngest({ store, state }),
    search: parseConfig({}).search,
    journal,
    inlineImpressions: true,
  });
  const close = async () => {
    await store.close();
    journal.flush?.(); // as chorus close() does
    bm25.close();
    state.close();
    db.close();
  };
  return { store, bm25, db, journal, engine, close };
}

describe('write journal: a crash between the store commit and the BM25 update is repaired on restart', () => {
  it('re-indexes items the store has and BM25 lacks, and drops BM25 entries the store no longer has', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chorus-journal-'));
    dirs.push(dir);
    const a = await open(dir);
    await a.engine.createCollection({
      name: C,
      vectors: { dense: { modality: 'text', dim: 4 } },
      payloadIndexes: { title: 'text' },
    });
    await a.engine.upsertItems(C, [
      { id: 'gone', payload: { title: 'quartz clock' }, vectors: { dense: [1, 0, 0, 0] } },
    ]);
    expect(a.journal.pending()).toEqual([]); // a finished write leaves nothing behind
    // The "crash": journal entries written, store commits done, the process dies before BM25 is touched.
    a.journal.begin(C, ['new-1', 'new-2']);
    await a.store.upsert(C, [
      { id: 'new-1', payload: { title: 'granite sink' }, vectors: { dense: [0, 1, 0, 0] } },
      { id: 'new-2', payload: { title: 'granite tile' }, vectors: { dense: [0, 0, 1, 0] } },
    ]);
    a.journal.begin(C, ['gone']);
    await a.store.delete(C, ['gone']);
    expect(a.bm25.search(C, 'granite', 5)).toEqual([]);
    expect(a.bm25.search(C, 'quartz', 5).map((h) => h.id)).toEqual(['gone']);
    await a.close();

    const b = await open(dir);
    try {
      expect(await b.engine.recoverPendingWrites()).toBe(3);
      expect(
        b.bm25
          .search(C, 'granite', 5)
          .map((h) => h.id)
          .sort(),
      ).toEqual(['new-1', 'new-2']);
      expect(b.bm25.search(C, 'quartz', 5)).toEqual([]);
      expect(b.bm25.count(C)).toBe(await b.store.count(C));
      expect(b.journal.pending()).toEqual([]);
      expect(await b.engine.recoverPendingWrites()).toBe(0);
    } finally {
      await b.close();
    }
  });

  it('an upsert refused before its commit leaves no journal entry', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chorus-journal-'));
    dirs.push(dir);
    const a = await open(dir);
    try {
      await a.engine.createCollection({
        name: C,
        vectors: { dense: { modality: 'text', dim: 4 } },
      });
      const ctrl = new AbortController();
      ctrl.abort(new Error('gave up'));
      await expect(
        a.engine.upsertItems(C, [{ id: 'x', vectors: { dense: [1, 0, 0, 0] } }], {
          signal: ctrl.signal,
        }),
      ).rejects.toThrow('gave up');
      expect(a.journal.pending()).toEqual([]);
      expect(await a.store.count(C)).toBe(0);
    } finally {
      await a.close();
    }
  });

  it('one durable commit per write: an ended entry is removed by the next begin, and a leftover one only re-syncs what already agrees', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chorus-journal-'));
    dirs.push(dir);
    const a = await open(dir);
    const stored = () => a.db.kv.list('pending-writes').map((e) => e.key);
    await a.engine.createCollection({
      name: C,
      vectors: { dense: { modality: 'text', dim: 4 } },
      payloadIndexes: { title: 'text' },
    });
    const first = a.journal.begin(C, ['x']);
    a.journal.end(first);
    expect(a.journal.pending()).toEqual([]); // ended: never reported, even before it is deleted
    expect(stored()).toEqual([first]); // not yet deleted: no commit of its own
    const second = a.journal.begin(C, ['y']);
    expect(stored()).toEqual([second]); // the begin's transaction removed it
    a.journal.end(second);

    // A completed write whose entry a crash left behind (the end never reached disk): recovery changes nothing.
    await a.engine.upsertItems(C, [
      { id: 'kept', payload: { title: 'walnut desk' }, vectors: { dense: [1, 0, 0, 0] } },
    ]);
    a.db.kv.set('pending-writes', 'leftover', { collection: C, ids: ['kept', 'never-written'] });
    await a.close(); // shutdown removes ended entries
    const b = await open(dir);
    try {
      expect(b.db.kv.list('pending-writes').map((e) => e.key)).toEqual(['leftover']);
      expect(await b.engine.recoverPendingWrites()).toBe(2);
      expect(b.bm25.search(C, 'walnut', 5).map((h) => h.id)).toEqual(['kept']);
      expect(b.bm25.count(C)).toBe(1);
      expect(b.db.kv.list('pending-writes')).toEqual([]);
    } finally {
      await b.close();
    }
  });
});
