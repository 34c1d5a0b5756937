import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runChorus, seedShop } from '../support/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-settings-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('chorus settings', () => {
  it("copies one data dir's relevance settings to another; a bad document changes nothing", async () => {
    const staging = path.join(dir, 'staging');
    const prod = path.join(dir, 'prod');
    const items = ['walnut sofa', 'oak chair', 'steel lamp'].map((title, i) => ({
      id: `i${i}`,
      title,
    }));
    await seedShop(staging, items);
    await seedShop(prod, items);
    const run = (dataDir: string, ...args: string[]) =>
      runChorus(args, {
        env: { ...process.env, CHORUS_DATA_DIR: dataDir, CHORUS_STORE: 'lancedb' },
      });

    const tuned = {
      synonyms: { groups: [['sofa', 'couch']] },
      curations: { rules: [{ query: 'couch', promote: ['i2', 'gone'] }] },
      lexical: { fieldWeights: { title: 2 } },
    };
    const tunedFile = path.join(dir, 'tuned.json');
    writeFileSync(tunedFile, JSON.stringify(tuned));
    const applied = await run(
      staging,
      'settings',
      'apply',
      '--collection',
      'shop',
      '--file',
      tunedFile,
    );
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toBe(
      'shop: replaced\n' +
        '  synonyms: 1 group(s), 0 one-way rule(s)\n' +
        '  curations: 1 rule(s)\n' +
        '  field weights: title=2; language english\n' +
        'curated ids not in the collection (yet): gone\n' +
        'rebuilt 3 BM25 document(s)\n',
    );

    const exported = path.join(dir, 'shop.settings.json');
    const shown = await run(staging, 'settings', 'show', '--collection', 'shop', '--out', exported);
    expect(shown.code, shown.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(exported, 'utf8'));
    expect(doc).toEqual({
      synonyms: { groups: [['sofa', 'couch']], rules: [] },
      curations: { rules: [{ query: 'couch', match: 'exact', promote: ['i2', 'gone'], hide: [] }] },
      lexical: { fieldWeights: { title: 2 }, language: 'english' },
      suggestions: { exclude: [] },
      ranking: { preset: null },
    });

    expect(
      (await run(prod, 'settings', 'apply', '--collection', 'shop', '--file', exported)).code,
    ).toBe(0);
    const prodDoc = await run(prod, 'settings', 'show', '--collection', 'shop');
    expect(JSON.parse(prodDoc.stdout)).toEqual(doc);
    const search = await run(prod, 'search', 'couch', '--collection', 'shop', '--json');
    expect(search.code, search.stderr).toBe(0);
    expect(JSON.parse(search.stdout).hits.map((h: { id: string }) => h.id)).toEqual(['i2', 'i0']);

    // Refused documents: exit 2, the message says what and where, the stored settings stay.
    const bad = path.join(dir, 'bad.json');
    const refuse = async (body: string, message: RegExp) => {
      writeFileSync(bad, body);
      const r = await run(prod, 'settings', 'apply', '--collection', 'shop', '--file', bad);
      expect(r.code, body).toBe(2);
      expect(r.stderr).toMatch(message);
    };
    await refuse('{"curations": {"rules": []}', /not valid JSON/);
    await refuse(
      '{"curations": {"rules": []}, "lexical": {"fieldWeights": {"colour": 2}}}',
      /"colour" is not a text field/,
    );
    await refuse('{"curations": {"rules": [{"promote": ["x"]}]}}', /curations\.rules\.0\.query/);
    const missing = await run(
      prod,
      'settings',
      'apply',
      '--collection',
      'nope',
      '--file',
      exported,
    );
    expect(missing.code).toBe(2);
    expect(
      JSON.parse((await run(prod, 'settings', 'show', '--collection', 'shop')).stdout),
    ).toEqual(doc);
  });
});
