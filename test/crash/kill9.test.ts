import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openChorusDb } from '../../src/storage/index.js';
import { LanceDbStore } from '../../src/stores/lancedb-store.js';
import { api, startServeProcess, type ServerProcess } from './server-process.js';

const COLL = 'crash';
const DIM = 8;
const vectorOf = (n: number) =>
  Array.from({ length: DIM }, (_, i) => Math.fround(Math.sin(n * 0.37 + i * 1.3)));

/**
 * kill -9 of the real server (`node bin/chorus.js serve`) while concurrent clients upsert items and log
 * feedback; after a restart on the same data dir, every write that got a 2xx is there, intact, and the
 * stores open with consistent counts; replaying the acknowledged events changes nothing.
 */
describe('crash: SIGKILL during concurrent upserts and feedback', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'chorus-crash-'));
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged write and stays consistent', async () => {
    server = await startServeProcess(dir);
    const created = await api(server.url, 'POST', '/v1/collections', {
      name: COLL,
      vectors: { dense: { modality: 'text', dim: DIM } },
    });
    expect(created.status, created.text).toBe(201);
    const seed = await api(server.url, 'POST', '/v1/items', {
      collection: COLL,
      items: [{ id: 'seed', payload: { n: -1 }, vectors: { dense: vectorOf(-1) } }],
    });
    expect(seed.status).toBe(200);

    const ackedItems = new Map<string, number>();
    const ackedEvents: Record<string, unknown>[] = [];
    const sentEvents: Record<string, unknown>[] = [];
    let stop = false;
    let seq = 0;
    const url = server.url;

    const upserter = async (w: number) => {
      while (!stop) {
        const batch = Array.from({ length: 4 }, () => seq++).map((n) => ({ id: `w${w}-i${n}`, n }));
        try {
          const r = await api(url, 'POST', '/v1/items', {
            collection: COLL,
            items: batch.map((b) => ({
              id: b.id,
              payload: { n: b.n, worker: w },
              vectors: { dense: vectorOf(b.n) },
            })),
          });
          if (r.status === 200) for (const b of batch) ackedItems.set(b.id, b.n);
        } catch {
          return; // connection refused/reset: the server is gone
        }
      }
    };
    const feeder = async (w: number) => {
      let k = 0;
      while (!stop) {
        const events = Array.from({ length: 3 }, () => ({
          type: 'click',
          eventId: `f${w}-e${k++}`,
          collection: COLL,
          userId: `user-${w}`,
          itemId: 'seed',
          position: 0,
        }));
        sentEvents.push(...events);
        try {
          const r = await api(url, 'POST', '/v1/feedback', { events });
          if (r.status === 200) ackedEvents.push(...events);
        } catch {
          return;
        }
      }
    };
    const workers = [0, 1, 2].map(upserter).concat([0, 1, 2].map(feeder));
    // Kill once a fair amount of work is acknowledged (bounded in time either way).
    const t0 = Date.now();
    while ((ackedItems.size < 120 || ackedEvents.length < 60) && Date.now() - t0 < 20_000)
      await new Promise((r) => setTimeout(r, 25));
    server.child.kill('SIGKILL');
    const exit = await server.exited;
    stop = true;
    await Promise.all(workers);
    expect(exit.signal).toBe('SIGKILL');
    console.info(
      `crash: killed after ${Date.now() - t0} ms with ${ackedItems.size} items and ${ackedEvents.length} events acknowledged (${sentEvents.length} events sent)`,
    );
    expect(ackedItems.size).toBeGreaterThan(0);
    expect(ackedEvents.length).toBeGreaterThan(0);

    // Restart on the same data dir: it opens, serves, and search works.
    server = await startServeProcess(dir);
    expect((await api(server.url, 'GET', '/healthz')).status).toBe(200);
    expect((await api(server.url, 'GET', '/readyz')).status).toBe(200);
    const info = (await api(server.url, 'GET', `/v1/collections/${COLL}`)).json as {
      collection: { count: number };
    };
    expect(info.collection.count).toBeGreaterThanOrEqual(ackedItems.size + 1);
    const search = await api(server.url, 'POST', '/v1/search', {
      collection: COLL,
      vectors: { dense: vectorOf(7) },
      limit: 3,
    });
    expect(search.status, search.text).toBe(200);

    // Replaying what was acknowledged is a no-op; replaying what was sent but not acknowledged applies it once.
    const replay = await api(server.url, 'POST', '/v1/feedback', {
      events: ackedEvents.slice(0, 1000),
    });
    expect(replay.json).toEqual({ accepted: 0, duplicates: Math.min(1000, ackedEvents.length) });
    const ackedIds = new Set(ackedEvents.map((e) => e.eventId));
    const unacked = sentEvents.filter((e) => !ackedIds.has(e.eventId)).slice(0, 1000);
    if (unacked.length) {
      const first = (await api(server.url, 'POST', '/v1/feedback', { events: unacked })).json as {
        accepted: number;
        duplicates: number;
      };
      expect(first.accepted + first.duplicates).toBe(unacked.length);
      expect(
        await api(server.url, 'POST', '/v1/feedback', { events: unacked }).then((r) => r.json),
      ).toEqual({ accepted: 0, duplicates: unacked.length });
    }
    await server.stop();
    server = undefined;

    // Direct look at the files: every acknowledged item with its exact vector, counts consistent, events once each.
    const store = await LanceDbStore.open({ dataDir: dir });
    try {
      const ids = [...ackedItems.keys()];
      const found = new Map<string, Float32Array>();
      for (let i = 0; i < ids.length; i += 200)
        for (const it of await store.get(COLL, ids.slice(i, i + 200), { withVectors: true }))
          found.set(it.id, it.vectors.dense!);
      const missing = ids.filter((id) => !found.has(id));
      expect(missing, `acknowledged but lost: ${missing.slice(0, 5).join(', ')}`).toEqual([]);
      for (const [id, n] of ackedItems) expect(Array.from(found.get(id)!)).toEqual(vectorOf(n));
      let scrolled = 0;
      let cursor: string | undefined;
      const seen = new Set<string>();
      do {
        const page = await store.scroll(COLL, { limit: 500, cursor });
        for (const it of page.items) seen.add(it.id);
        scrolled += page.items.length;
        cursor = page.next;
      } while (cursor);
      expect(scrolled).toBe(seen.size); // no duplicate rows after the crash
      expect(await store.count(COLL)).toBe(scrolled);
    } finally {
      await store.close();
    }
    const db = openChorusDb(dir);
    try {
      for (const e of ackedEvents) expect(db.events.has(e.eventId as string)).toBe(true);
      // (search also logs an impression, so count clicks only)
      expect(db.events.count({ collection: COLL, types: ['click'] })).toBe(
        new Set(sentEvents.filter((e) => db.events.has(e.eventId as string)).map((e) => e.eventId))
          .size,
      );
    } finally {
      db.close();
    }
  }, 120_000);
});
