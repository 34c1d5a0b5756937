import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDataDir, runChorus, seedShop } from '../support/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-fb-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('chorus feedback export', () => {
  it('writes the log as JSON Lines, narrowed by collection, time, type and origin; client events import back', async () => {
    const from = path.join(dir, 'from');
    const to = path.join(dir, 'to');
    const titles = ['walnut lamp', 'oak chair'].map((title, i) => ({ id: `i${i}`, title }));
    await seedShop(from, titles);
    await seedShop(to, titles);
    const chorus = await openDataDir(from);
    try {
      await chorus.engine.search({ collection: 'shop', query: { text: 'walnut' }, limit: 2 });
      await chorus.engine.flush();
      const at = Date.parse('2026-11-01T12:00:00Z');
      await chorus.engine.ingest([
        {
          type: 'click',
          eventId: 'c1',
          collection: 'shop',
          userId: 'u1',
          itemId: 'i0',
          timestamp: at,
        },
        {
          type: 'like',
          eventId: 'l1',
          collection: 'shop',
          userId: 'u1',
          itemId: 'i1',
          timestamp: at + 1000,
        },
      ]);
    } finally {
      await chorus.close();
    }
    const run = (dataDir: string, ...args: string[]) =>
      runChorus(args, {
        env: { ...process.env, CHORUS_DATA_DIR: dataDir, CHORUS_STORE: 'lancedb' },
      });
    const lines = (file: string) =>
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>);

    const all = path.join(dir, 'all.jsonl');
    const r = await run(from, 'feedback', 'export', '--out', all);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`exported 3 events to ${all}\n`);
    const events = lines(all);
    expect(events.map((e) => e.type).sort()).toEqual(['click', 'impression', 'like']);
    const impression = events.find((e) => e.type === 'impression')!;
    expect(impression).toMatchObject({ collection: 'shop', query: 'walnut' });
    expect(impression.features).toBeUndefined();
    const withRows = path.join(dir, 'rows.jsonl');
    expect((await run(from, 'feedback', 'export', '--out', withRows, '--features')).code).toBe(0);
    expect(lines(withRows).find((e) => e.type === 'impression')!.features).toBeDefined();

    const clicks = path.join(dir, 'clicks.jsonl');
    expect(
      (await run(from, 'feedback', 'export', '--out', clicks, '--type', 'click', '--client-only'))
        .code,
    ).toBe(0);
    expect(lines(clicks).map((e) => e.eventId)).toEqual(['c1']);
    const window = path.join(dir, 'window.jsonl');
    await run(
      from,
      'feedback',
      'export',
      '--out',
      window,
      '--since',
      '2026-11-01T12:00:01Z',
      '--until',
      '2026-11-02',
    );
    expect(lines(window).map((e) => e.eventId)).toEqual(['l1']);
    const badType = await run(from, 'feedback', 'export', '--out', clicks, '--type', 'view');
    expect(badType.code).toBe(2);
    expect(badType.stderr).toMatch(/--type view/);

    // Client events move to another data dir.
    const client = path.join(dir, 'client.jsonl');
    expect((await run(from, 'feedback', 'export', '--out', client, '--client-only')).code).toBe(0);
    const imported = await run(to, 'feedback', 'import', client);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/^imported 2 events/);
  });
});
