import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CurationSet, curateItem, matchCuration, queryWords } from '../../src/domain/curations.js';
import {
  curationsFromFile,
  formatCurationsFile,
  parseCurationsFile,
} from '../../src/domain/curations-file.js';
import { runChorus } from '../support/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-curations-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('curation rules', () => {
  it('compare words case-, width- and punctuation-blind, never stemmed', () => {
    expect(queryWords('  Summer  SALE! ')).toEqual(['summer', 'sale']);
    expect(queryWords('ＳＡＬＥ t-shirt')).toEqual(['sale', 't', 'shirt']);
    expect(queryWords('café')).toEqual(['café']);
    expect(queryWords('?!')).toEqual([]);
  });

  it('the first rule that matches applies: exact is the same words, contains the words in a row', () => {
    const { rules } = CurationSet.parse({
      rules: [
        { query: 'summer sale', promote: ['a'] },
        { query: 'sale', match: 'contains', hide: ['b'] },
        { query: 'summer', match: 'contains', promote: ['c'] },
      ],
    });
    const at = (text: string) => matchCuration(rules, text)?.index;
    expect(at('Summer sale')).toBe(0);
    expect(at('summer sale shoes')).toBe(1); // not exact; holds "sale"
    expect(at('summer shoes')).toBe(2);
    expect(at('sale summer')).toBe(1);
    expect(at('sales')).toBeUndefined(); // no stemming: a rule is for what people type
    expect(at('summers')).toBeUndefined();
    expect(at('')).toBeUndefined();
    const inRow = CurationSet.parse({
      rules: [{ query: 'red dress', match: 'contains', promote: ['x'] }],
    }).rules;
    expect(matchCuration(inRow, 'long red dress')?.index).toBe(0);
    expect(matchCuration(inRow, 'red summer dress')).toBeUndefined();
  });

  it('a scheduled rule applies inside its window only; the next matching rule applies outside it', () => {
    const { rules } = CurationSet.parse({
      rules: [
        {
          query: 'gift',
          promote: ['xmas'],
          from: '2026-12-01T00:00:00Z',
          until: '2026-12-26T00:00:00+01:00',
        },
        { query: 'gift', promote: ['always'] },
        { query: 'gift', match: 'contains', promote: ['late'], from: '2027-01-01T00:00:00Z' },
      ],
    });
    const at = (text: string, iso: string) =>
      matchCuration(rules, text, Date.parse(iso))?.rule.promote[0];
    expect(at('gift', '2026-11-30T23:59:59Z')).toBe('always');
    expect(at('gift', '2026-12-01T00:00:00Z')).toBe('xmas');
    expect(at('Gift!', '2026-12-25T22:59:59Z')).toBe('xmas');
    expect(at('gift', '2026-12-25T23:00:00Z')).toBe('always'); // until is exclusive (+01:00)
    expect(at('gift card', '2026-12-10T00:00:00Z')).toBeUndefined();
    expect(at('gift card', '2027-01-02T00:00:00Z')).toBe('late');
  });

  it('refuses rules that do nothing or contradict themselves', () => {
    const bad = (rule: unknown) => CurationSet.safeParse({ rules: [rule] }).success;
    expect(bad({ query: 'x', promote: ['a'] })).toBe(true);
    expect(bad({ query: 'x' })).toBe(false);
    expect(bad({ query: '!!', promote: ['a'] })).toBe(false);
    expect(bad({ query: 'x', promote: ['a'], hide: ['a'] })).toBe(false);
    expect(bad({ query: 'x', promote: ['a', 'a'] })).toBe(false);
    expect(bad({ query: 'x', promote: ['a'], boost: 2 })).toBe(false);
    expect(bad({ query: 'x', match: 'fuzzy', promote: ['a'] })).toBe(false);
    expect(bad({ query: 'x', promote: ['a\u0000'] })).toBe(false);
    expect(bad({ query: 'x', promote: ['a'], position: 3 })).toBe(true);
    expect(bad({ query: 'x', promote: ['a'], position: 0 })).toBe(false);
    expect(bad({ query: 'x', promote: ['a'], from: '2026-12-01' })).toBe(false);
    expect(
      bad({
        query: 'x',
        promote: ['a'],
        from: '2026-12-02T00:00:00Z',
        until: '2026-12-01T00:00:00Z',
      }),
    ).toBe(false);
  });

  it('one click edits the exact rule for the query: created first, items moved between lists, dropped when empty', () => {
    const start = CurationSet.parse({
      rules: [{ query: 'sale', match: 'contains', promote: ['x'] }],
    });
    const pinned = curateItem(start, ' Summer Sale ', 'a', 'promote');
    // The new exact rule goes first: it must win over the broader contains rule for this query.
    expect(pinned.rules[0]).toEqual({
      query: 'Summer Sale',
      match: 'exact',
      promote: ['a'],
      hide: [],
    });
    expect(pinned.rules[1]).toEqual(start.rules[0]);
    const more = curateItem(
      curateItem(pinned, 'summer sale!', 'b', 'promote'),
      'SUMMER SALE',
      'c',
      'hide',
    );
    expect(more.rules[0]).toMatchObject({ promote: ['a', 'b'], hide: ['c'] });
    // Hiding a pinned item moves it; pinning again puts it last; clearing removes it.
    const moved = curateItem(more, 'summer sale', 'a', 'hide');
    expect(moved.rules[0]).toMatchObject({ promote: ['b'], hide: ['c', 'a'] });
    expect(curateItem(moved, 'summer sale', 'c', 'promote').rules[0]).toMatchObject({
      promote: ['b', 'c'],
      hide: ['a'],
    });
    let cleared = moved;
    for (const id of ['a', 'b', 'c']) cleared = curateItem(cleared, 'summer sale', id, 'clear');
    expect(cleared).toEqual(start);
    expect(() => curateItem(start, '!!', 'a', 'promote')).toThrow(/letter or digit/);
  });

  it('read and write the line format; errors name the line or the rule', () => {
    const text =
      '# sale\nquery: Summer sale\npromote: p12\npromote: id, with spaces\nhide: p99\n\nquery: gift\nmatch: contains\npromote: p3\n';
    const set = parseCurationsFile(text);
    expect(set).toEqual({
      rules: [
        {
          query: 'Summer sale',
          match: 'exact',
          promote: ['p12', 'id, with spaces'],
          hide: ['p99'],
        },
        { query: 'gift', match: 'contains', promote: ['p3'], hide: [] },
      ],
    });
    expect(parseCurationsFile(formatCurationsFile(set))).toEqual(set);
    const scheduled = parseCurationsFile(
      'query: gift\nposition: 3\nfrom: 2026-12-01T00:00:00Z\nuntil: 2026-12-26T00:00:00Z\npromote: p1\n',
    );
    expect(scheduled.rules[0]).toEqual({
      query: 'gift',
      match: 'exact',
      promote: ['p1'],
      hide: [],
      position: 3,
      from: '2026-12-01T00:00:00Z',
      until: '2026-12-26T00:00:00Z',
    });
    expect(parseCurationsFile(formatCurationsFile(scheduled))).toEqual(scheduled);
    expect(() => parseCurationsFile('query: a\nposition: top\n')).toThrow(/line 2: position is/);
    expect(() => curationsFromFile('query: a\npromote: x\nfrom: tomorrow\n', false)).toThrow(
      /rule 1 \(from\): a date and time with a zone/,
    );
    expect(() => parseCurationsFile('promote: a\n')).toThrow(/line 1: a rule starts with/);
    expect(() => parseCurationsFile('query: a\nboost: 2\n')).toThrow(/line 2: unknown key "boost"/);
    expect(() => parseCurationsFile('query: a\nmatch: fuzzy\n')).toThrow(/line 2: match is/);
    expect(() => parseCurationsFile('query: a\npromote:\n')).toThrow(/line 2: "promote:" needs/);
    expect(() => parseCurationsFile('just words\n')).toThrow(/line 1: expected "query:"/);
    expect(() => curationsFromFile('query: a\npromote: x\n\nquery: b\n', false)).toThrow(
      /rule 2: a rule promotes or hides/,
    );
    expect(() => curationsFromFile('{"rules": [}', true)).toThrow(/not valid JSON/);
    expect(curationsFromFile('{"rules":[{"query":"a","hide":["x"]}]}', true).rules[0]).toEqual({
      query: 'a',
      match: 'exact',
      promote: [],
      hide: ['x'],
    });
  });
});

describe('chorus curations', () => {
  it('sets rules from a file (lines or JSON), shows them, refuses bad input (exit 2), clears them', async () => {
    const env = {
      ...process.env,
      CHORUS_DATA_DIR: path.join(dir, 'data'),
      CHORUS_STORE: 'lancedb',
    };
    const run = (...args: string[]) => runChorus(args, { env });
    expect((await run('collection', 'create', 'shop', '--vector', 'text:4')).code).toBe(0);
    const file = path.join(dir, 'rules.txt');
    writeFileSync(file, 'query: summer sale\npromote: p2\npromote: p1\nhide: p9\n');
    const set = await run('curations', 'set', '--collection', 'shop', '--file', file);
    expect(set.code, set.stderr).toBe(0);
    // Stored, and the ids no item has yet are named (the collection is empty).
    expect(set.stdout).toBe('shop: 1 curation rule(s)\nnot in the collection (yet): p2, p1, p9\n');
    const shown = await run('curations', 'show', '--collection', 'shop');
    expect(shown.stdout).toBe('query: summer sale\npromote: p2\npromote: p1\nhide: p9\n');
    const json = await run('curations', 'show', '--collection', 'shop', '--json');
    expect(JSON.parse(json.stdout)).toEqual({
      rules: [{ query: 'summer sale', match: 'exact', promote: ['p2', 'p1'], hide: ['p9'] }],
    });

    writeFileSync(file, 'query: gift\nhide: a\nhide: a\npromote: a\n');
    const refused = await run('curations', 'set', '--collection', 'shop', '--file', file);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/rule 1: an item cannot be both promoted and hidden/);
    const jsonFile = path.join(dir, 'rules.json');
    writeFileSync(jsonFile, JSON.stringify({ rules: [{ query: 'gift', promote: ['p3'] }] }));
    const fromJson = await run('curations', 'set', '--collection', 'shop', '--file', jsonFile);
    expect(fromJson.code, fromJson.stderr).toBe(0);
    // A refused file left the stored rules as they were; a good one replaced them.
    expect((await run('curations', 'show', '--collection', 'shop')).stdout).toBe(
      'query: gift\npromote: p3\n',
    );
    const missing = await run('curations', 'set', '--collection', 'shop', '--file', `${file}.nope`);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read/);
    const unknown = await run('curations', 'show', '--collection', 'nope');
    expect(unknown.code).not.toBe(0);
    const cleared = await run('curations', 'clear', '--collection', 'shop');
    expect(cleared.stdout).toBe('shop: 0 curation rule(s)\n');
    expect((await run('curations', 'show', '--collection', 'shop')).stdout).toBe('');
  });
});
