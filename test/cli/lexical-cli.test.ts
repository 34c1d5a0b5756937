import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDataDir, runChorus, seedShop } from '../support/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-lexical-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('chorus lexical', () => {
  it('sets field weights and rebuilds; a lost lexical index is rebuilt from the store', async () => {
    const dataDir = path.join(dir, 'data');
    const env = { ...process.env, CHORUS_DATA_DIR: dataDir, CHORUS_STORE: 'lancedb' };
    const run = (...args: string[]) => runChorus(args, { env });
    const open = () => openDataDir(dataDir);
    await seedShop(
      dataDir,
      ['walnut lamp', 'oak chair', 'steel desk'].map((title, i) => ({ id: `i${i}`, title })),
    );
    expect((await run('lexical', 'show', '--collection', 'shop')).stdout).toBe(
      'every text field weighs 1\nlanguage: english\n',
    );
    const set = await run('lexical', 'set', '--collection', 'shop', '--weight', 'title=3');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe(
      'shop: field weights title=3; language english\nrebuilt 3 BM25 document(s)\n',
    );
    expect((await run('lexical', 'show', '--collection', 'shop')).stdout).toBe(
      'title: 3\nlanguage: english\n',
    );
    // A language: the rebuild re-analyzes the stored documents; the weights given are kept beside it.
    const lang = await run(
      'lexical',
      'set',
      '--collection',
      'shop',
      '--weight',
      'title=3',
      '--language',
      'none',
    );
    expect(lang.code, lang.stderr).toBe(0);
    expect(lang.stdout).toBe(
      'shop: field weights title=3; language none\nrebuilt 3 BM25 document(s)\n',
    );
    // Weights alone keep the language.
    const weightsOnly = await run('lexical', 'set', '--collection', 'shop', '--weight', 'title=3');
    expect(weightsOnly.stdout).toBe('shop: field weights title=3; language none\n');
    const badLanguage = await run('lexical', 'set', '--collection', 'shop', '--language', 'elvish');
    expect(badLanguage.code).toBe(2);
    expect(badLanguage.stderr).toMatch(/--language "elvish" is not one of english, none/);
    const bad = await run('lexical', 'set', '--collection', 'shop', '--weight', 'title=x');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--weight takes field=N/);
    const notText = await run('lexical', 'set', '--collection', 'shop', '--weight', 'price=2');
    expect(notText.code).toBe(2);
    expect(notText.stderr).toMatch(/"price" is not a text field/);

    // The lexical index lost (a deleted file): text search finds nothing until it is rebuilt from the store.
    for (const suffix of ['', '-wal', '-shm'])
      rmSync(path.join(dataDir, `lexical.sqlite${suffix}`), { force: true });
    expect(existsSync(path.join(dataDir, 'lexical.sqlite'))).toBe(false);
    const count = async () => {
      const c = await open();
      try {
        return c.engine.deps.bm25.count('shop');
      } finally {
        await c.close();
      }
    };
    expect(await count()).toBe(0);
    const rebuilt = await run('lexical', 'rebuild', '--collection', 'shop');
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    expect(rebuilt.stdout).toBe('rebuilt 3 BM25 document(s)\n');
    expect(rebuilt.stderr).toContain('rebuilding BM25 documents: 100%');
    expect(await count()).toBe(3);
    const chorus = await open();
    try {
      const r = await chorus.engine.search({
        collection: 'shop',
        query: { text: 'walnut' },
        limit: 3,
      });
      expect(r.hits.map((h) => h.id)).toEqual(['i0']);
      // A delete that reached the store but not the lexical index (a crash between the two).
      await chorus.engine.deps.store.delete('shop', ['i0']);
    } finally {
      await chorus.close();
    }
    expect(await count()).toBe(3);
    const repaired = await run('lexical', 'rebuild', '--collection', 'shop');
    expect(repaired.code, repaired.stderr).toBe(0);
    expect(repaired.stdout).toBe(
      'rebuilt 2 BM25 document(s), removed 1 of items no longer stored\n',
    );
    expect(await count()).toBe(2);
  });
});
