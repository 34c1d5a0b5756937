import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDataDir, runChorus, seedShop } from '../support/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-backup-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('chorus backup', () => {
  it('copies a data directory while it is written to; the copy opens whole and consistent', async () => {
    const dataDir = path.join(dir, 'data');
    const out = path.join(dir, 'backup');
    await seedShop(
      dataDir,
      ['walnut lamp', 'oak chair', 'steel desk'].map((title, i) => ({ id: `s${i}`, title })),
    );
    const live = await openDataDir(dataDir);
    let written = 0;
    let stop = false;
    let writer: Promise<void> = Promise.resolve();
    try {
      await live.engine.setSynonyms('shop', { groups: [['lamp', 'light']], rules: [] });
      await live.engine.ingest([
        { type: 'click', eventId: 'c1', collection: 'shop', userId: 'u1', itemId: 's0' },
      ]);
      // A server's writes go on while the backup runs in another process.
      writer = (async () => {
        while (!stop) {
          const batch = Array.from({ length: 20 }, (_, i) => ({
            id: `w${written + i}`,
            payload: { title: `walnut item ${written + i}` },
            vectors: { text: [1, written + i, 1, 0] },
          }));
          await live.engine.upsertItems('shop', batch);
          written += batch.length;
          await new Promise((r) => setTimeout(r, 5));
        }
      })();
      const env = { ...process.env, CHORUS_DATA_DIR: dataDir, CHORUS_STORE: 'lancedb' };
      await new Promise((r) => setTimeout(r, 300));
      const atStart = written;
      const r = await runChorus(['backup', '--out', out], { env });
      // The writes overlapped the whole backup.
      expect(written).toBeGreaterThan(atStart);
      stop = true;
      await writer;
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(
        /^backed up .* to .*backup \(\d+\.\d MB\)\n {2}shop: \d+ items, \d+ BM25 documents/,
      );
      expect(written).toBeGreaterThan(0);
      const again = await runChorus(['backup', '--out', out], { env });
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/exists and is not empty/);
    } finally {
      stop = true;
      await writer.catch(() => undefined);
      await live.close();
    }
    expect(existsSync(`${out}.partial`)).toBe(false);
    const report = JSON.parse(readFileSync(path.join(out, 'BACKUP.json'), 'utf8'));
    const copy = await openDataDir(out);
    try {
      const items = await copy.store.count('shop');
      expect(items).toBeGreaterThanOrEqual(3);
      expect(items).toBeLessThanOrEqual(3 + written);
      expect(report.collections).toEqual([
        expect.objectContaining({ name: 'shop', items, lexicalDocuments: items }),
      ]);
      // Every stored item, and only those, has its BM25 document; settings and events came along.
      const docs = copy.bm25.documentIds('shop').sort();
      const ids = (await copy.store.get('shop', docs)).map((i) => i.id).sort();
      expect(ids).toEqual(docs);
      expect(docs).toHaveLength(items);
      expect(await copy.engine.synonyms('shop')).toEqual({
        groups: [['lamp', 'light']],
        rules: [],
      });
      expect(copy.db.events.count({ collection: 'shop', types: ['click'] })).toBe(1);
      const found = await copy.engine.search({
        collection: 'shop',
        query: { text: 'light' },
        limit: 3,
      });
      expect(found.hits.map((h) => h.id)).toContain('s0');
    } finally {
      await copy.close();
    }
  });
});
