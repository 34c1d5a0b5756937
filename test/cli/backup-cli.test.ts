import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
} from 'node:fs';
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

  it('--into DIR --keep N: a timestamped backup, then the older ones past N go (never before it succeeded)', async () => {
    const dataDir = path.join(dir, 'rotated-data');
    const into = path.join(dir, 'rotated');
    await seedShop(dataDir, [{ id: 'r0', title: 'walnut lamp' }]);
    const env = { ...process.env, CHORUS_DATA_DIR: dataDir, CHORUS_STORE: 'lancedb' };
    // A crashed run's leftover (a day old) goes; anything else there is never touched.
    const crashed = path.join(into, 'chorus-2020-01-01T00-00-00-000Z.partial');
    mkdirSync(crashed, { recursive: true });
    utimesSync(crashed, new Date('2020-01-02'), new Date('2020-01-02'));
    mkdirSync(path.join(into, 'mine'));
    const names: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await runChorus(['backup', '--into', into, '--keep', '2', '--json'], { env });
      expect(r.code, r.stderr).toBe(0);
      const report = JSON.parse(r.stdout) as { out: string; removed: string[] };
      expect(path.dirname(report.out)).toBe(into);
      names.push(path.basename(report.out));
      if (i === 0) expect(report.removed).toEqual([path.basename(crashed)]);
      if (i === 2) expect(report.removed).toEqual([names[0]]);
    }
    expect(names).toEqual([...names].sort());
    expect(readdirSync(into).sort()).toEqual(['mine', names[1], names[2]].sort());
    for (const name of names.slice(1))
      expect(existsSync(path.join(into, name, 'BACKUP.json'))).toBe(true);
    const newest = await openDataDir(path.join(into, names[2]!));
    try {
      expect(await newest.store.count('shop')).toBe(1);
    } finally {
      await newest.close();
    }
    // A failed backup removes nothing: a data dir that is not one.
    const failed = await runChorus(['backup', '--into', into, '--keep', '1'], {
      env: { ...env, CHORUS_DATA_DIR: path.join(dir, 'not-a-data-dir') },
    });
    expect(failed.code).not.toBe(0);
    expect(readdirSync(into).sort()).toEqual(['mine', names[1], names[2]].sort());
    for (const [args, message] of [
      [['--keep', '2', '--out', path.join(dir, 'x')], /--keep goes with --into/],
      [['--out', path.join(dir, 'x'), '--into', into], /--out DIR or --into DIR/],
      [[], /--out DIR or --into DIR/],
      [['--into', into, '--keep', '0'], /--keep takes a whole number/],
    ] as const) {
      const r = await runChorus(['backup', ...args], { env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });
});
