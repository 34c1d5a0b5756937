import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatSynonymsFile, parseSynonymsFile } from '../../src/domain/synonyms-file.js';
import { runChorus } from '../support/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-synonyms-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Solr synonyms files', () => {
  it('reads groups, one-way rules and comments; says which line is wrong', () => {
    const set = parseSynonymsFile(
      '# clothing\ntee, t-shirt , tshirt\n\nsneakers, trainers => shoes # one way\r\nsofa,couch\n',
    );
    expect(set).toEqual({
      groups: [
        ['tee', 't-shirt', 'tshirt'],
        ['sofa', 'couch'],
      ],
      rules: [{ from: ['sneakers', 'trainers'], to: ['shoes'] }],
    });
    expect(parseSynonymsFile(formatSynonymsFile(set))).toEqual(set);
    expect(() => parseSynonymsFile('a, b\nlonely\n')).toThrow(/line 2: a group needs two/);
    expect(() => parseSynonymsFile('a =>\n')).toThrow(/line 1: "=>" needs words on both sides/);
    expect(() => parseSynonymsFile('a => b => c')).toThrow(/line 1: more than one "=>"/);
  });
});

describe('chorus synonyms', () => {
  it('sets a collection’s synonyms from a file, shows them, refuses bad input (exit 2), clears them', async () => {
    const env = {
      ...process.env,
      CHORUS_DATA_DIR: path.join(dir, 'data'),
      CHORUS_STORE: 'lancedb',
    };
    const run = (...args: string[]) => runChorus(args, { env });
    expect((await run('collection', 'create', 'shop', '--vector', 'text:4')).code).toBe(0);
    const file = path.join(dir, 'synonyms.txt');
    writeFileSync(file, '# shop\ntee, T-shirt, tee\nsneakers => shoes\n');
    const set = await run('synonyms', 'set', '--collection', 'shop', '--file', file);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe('shop: 1 synonym group(s), 1 one-way rule(s)\n');
    const shown = await run('synonyms', 'show', '--collection', 'shop');
    expect(shown.stdout).toBe('tee, T-shirt\nsneakers => shoes\n');
    const json = await run('synonyms', 'show', '--collection', 'shop', '--json');
    expect(JSON.parse(json.stdout)).toEqual({
      groups: [['tee', 'T-shirt']],
      rules: [{ from: ['sneakers'], to: ['shoes'] }],
    });

    writeFileSync(file, 'tee, the\n');
    const refused = await run('synonyms', 'set', '--collection', 'shop', '--file', file);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/synonym "the" has no searchable word/);
    writeFileSync(file, 'tee\n');
    const badLine = await run('synonyms', 'set', '--collection', 'shop', '--file', file);
    expect(badLine.code).toBe(2);
    expect(badLine.stderr).toMatch(/line 1: a group needs two/);
    writeFileSync(file, 'sofa, couch\n');
    const missing = await run('synonyms', 'set', '--collection', 'nope', '--file', file);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope/);
    // Nothing refused changed what was stored.
    expect((await run('synonyms', 'show', '--collection', 'shop')).stdout).toBe(shown.stdout);

    const cleared = await run('synonyms', 'clear', '--collection', 'shop');
    expect(cleared.stdout).toBe('shop: 0 synonym group(s), 0 one-way rule(s)\n');
    expect((await run('synonyms', 'show', '--collection', 'shop')).stdout).toBe('');
  }, 120_000);
});
