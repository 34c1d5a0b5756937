import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runChorus, seedShop } from '../support/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-recommend-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('chorus recommend', () => {
  it('gives a user without a profile the most engaged items, and nothing with --no-fallback', async () => {
    const env = {
      ...process.env,
      CHORUS_DATA_DIR: path.join(dir, 'data'),
      CHORUS_STORE: 'lancedb',
    };
    const run = (...args: string[]) => runChorus(args, { env });
    // Items with their own vectors, written as a library user writes them.
    await seedShop(
      env.CHORUS_DATA_DIR,
      ['a', 'b', 'c'].map((id) => ({ id, title: id })),
    );
    const events = path.join(dir, 'events.jsonl');
    writeFileSync(
      events,
      [
        { type: 'purchase', eventId: 'e1', collection: 'shop', userId: 'u1', itemId: 'c' },
        { type: 'click', eventId: 'e2', collection: 'shop', userId: 'u2', itemId: 'a' },
      ]
        .map((e) => JSON.stringify(e))
        .join('\n') + '\n',
    );
    const imported = await run('feedback', 'import', events);
    expect(imported.code, imported.stderr).toBe(0);
    const popular = await run('recommend', '--collection', 'shop', '--user', 'new', '--json');
    expect(popular.code, popular.stderr).toBe(0);
    const r = JSON.parse(popular.stdout);
    expect(r.hits.map((h: { id: string }) => h.id)).toEqual(['c', 'a']);
    expect(r.sources).toEqual(['popular']);
    const none = await run(
      'recommend',
      '--collection',
      'shop',
      '--user',
      'new',
      '--no-fallback',
      '--json',
    );
    expect(none.code, none.stderr).toBe(0);
    expect(JSON.parse(none.stdout).hits).toEqual([]);
    // Neither --item nor --user: the list itself, all time or trending.
    const shelf = await run('recommend', '--collection', 'shop', '--trending', '--json');
    expect(shelf.code, shelf.stderr).toBe(0);
    expect(JSON.parse(shelf.stdout).sources).toEqual(['trending']);
    const nothing = await run('recommend', '--collection', 'shop', '--no-fallback');
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/give --item ID or --user ID/);
  });
});
