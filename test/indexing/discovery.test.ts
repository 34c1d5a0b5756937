import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseCsv } from '../../src/indexing/csv.js';
import { discoverInput } from '../../src/indexing/discover-input.js';
import { loadItem } from '../../src/indexing/load-item.js';
import { readManifest } from '../../src/indexing/read-manifest.js';
import { checkRelativePath } from '../../src/indexing/safe-path.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'chorus-discover-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const put = (rel: string, content: string | Buffer = 'x') => {
  mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  writeFileSync(path.join(dir, rel), content);
};

describe('directory discovery', () => {
  it('groups files by base name, nested ids are relative paths without extension', async () => {
    put('123.jpg');
    put('123.txt', 'red dress');
    put('123.json', '{"price": 3}');
    put('123.wav');
    put('shoes/9.png');
    put('shoes/9.md', 'boots');
    put('notes.csv');
    put('.hidden.txt');
    const d = await discoverInput(dir);
    expect(d.kind).toBe('directory');
    expect(d.items).toEqual(
      [
        {
          id: '123',
          origin: '123',
          imagePath: '123.jpg',
          textPath: '123.txt',
          payloadPath: '123.json',
          audioPath: '123.wav',
        },
        { id: 'shoes/9', origin: 'shoes/9', imagePath: 'shoes/9.png', textPath: 'shoes/9.md' },
      ].map((o) => expect.objectContaining(o)),
    );
    expect(d.ignored).toEqual(['notes.csv']);
  });

  it('marks an item with two files of one role as ambiguous', async () => {
    put('a.jpg');
    put('a.png');
    const d = await discoverInput(dir);
    expect(d.items[0]!.problem).toMatchObject({ code: 'AMBIGUOUS_FILES', path: 'a.png' });
  });

  it('refuses a symlink that escapes the root when the item is read', async () => {
    const outside = mkdtempSync(path.join(tmpdir(), 'chorus-outside-'));
    writeFileSync(path.join(outside, 'secret.txt'), 'secret');
    symlinkSync(path.join(outside, 'secret.txt'), path.join(dir, 'leak.txt'));
    put('ok.txt', 'fine');
    const d = await discoverInput(dir);
    const leak = d.items.find((i) => i.id === 'leak')!;
    const r = await loadItem(d.root, leak);
    expect(r).toMatchObject({
      ok: false,
      problem: { code: 'PATH_OUTSIDE_ROOT', path: 'leak.txt' },
    });
    const ok = await loadItem(
      d.root,
      d.items.find((i) => i.id === 'ok')!,
    );
    expect(ok).toMatchObject({ ok: true, item: { text: 'fine' } });
    rmSync(outside, { recursive: true, force: true });
  });

  it('rejects unknown inputs as bad usage', async () => {
    put('x.txt');
    await expect(discoverInput(path.join(dir, 'x.txt'))).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
    await expect(discoverInput(path.join(dir, 'missing'))).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });
});

describe('paths', () => {
  it('refuses absolute and parent-escaping paths, normalises the rest', () => {
    expect(() => checkRelativePath('/etc/passwd')).toThrow(/absolute/);
    expect(() => checkRelativePath('../x.jpg')).toThrow(/escapes/);
    expect(() => checkRelativePath('a/../../x.jpg')).toThrow(/escapes/);
    expect(() => checkRelativePath('C:\\x.jpg')).toThrow(/absolute/);
    expect(checkRelativePath('a/./b/../c.jpg')).toBe('a/c.jpg');
  });
});

describe('manifests', () => {
  it('reads JSONL rows: fields, payload, path checks, bad rows, duplicate ids', async () => {
    put('img/1.jpg');
    put(
      'manifest.jsonl',
      [
        JSON.stringify({
          id: 1,
          text: 'one',
          image: 'img/1.jpg',
          brand: 'acme',
          payload: { price: 2 },
        }),
        '{not json',
        JSON.stringify({ id: 'esc', image: '../outside.jpg' }),
        JSON.stringify({ id: 'abs', audio: '/etc/passwd' }),
        JSON.stringify({ id: 1, text: 'again' }),
        '',
        JSON.stringify({ text: 'no id' }),
      ].join('\n'),
    );
    const items = await readManifest(path.join(dir, 'manifest.jsonl'));
    expect(items[0]).toEqual({
      id: '1',
      origin: 'manifest.jsonl:1',
      text: 'one',
      imagePath: 'img/1.jpg',
      payload: { price: 2, brand: 'acme' },
    });
    expect(items[1]).toMatchObject({ id: 'line-2', problem: { code: 'BAD_ROW' } });
    expect(items[2]).toMatchObject({
      id: 'esc',
      problem: { code: 'PATH_OUTSIDE_ROOT', path: '../outside.jpg' },
    });
    expect(items[3]).toMatchObject({ id: 'abs', problem: { code: 'PATH_OUTSIDE_ROOT' } });
    expect(items[4]).toMatchObject({ id: '1', problem: { code: 'DUPLICATE_ID' } });
    expect(items[5]!.id).toMatch(/^h[0-9a-f]{16}$/);
    expect(items[5]!.problem).toBeUndefined();
  });

  it('reads CSV with quotes, embedded commas and newlines, a JSON payload column', async () => {
    put(
      'items.csv',
      '\ufeffid,text,image,audio,brand,payload\r\n' +
        'a,"a red, summer ""dress""",a.jpg,,acme,"{""tags"":[""x""]}"\r\n' +
        'b,"two\nlines",,b.wav,,\r\n' +
        'c,short\r\n',
    );
    const d = await discoverInput(path.join(dir, 'items.csv'));
    expect(d.kind).toBe('csv');
    expect(d.root).toBe(dir);
    expect(d.items[0]).toEqual({
      id: 'a',
      origin: 'items.csv:2',
      text: 'a red, summer "dress"',
      imagePath: 'a.jpg',
      payload: { tags: ['x'], brand: 'acme' },
    });
    expect(d.items[1]).toEqual({
      id: 'b',
      origin: 'items.csv:3',
      text: 'two\nlines',
      audioPath: 'b.wav',
    });
    expect(d.items[2]).toMatchObject({
      problem: { code: 'BAD_ROW', reason: 'expected 6 columns, found 2' },
    });
  });

  it('parses CSV edge cases per RFC 4180', () => {
    const rows = [...parseCsv('a,b\n"",x\n"q""",\n')].map((r) => r.fields);
    expect(rows).toEqual([
      ['a', 'b'],
      ['', 'x'],
      ['q"', ''],
    ]);
    expect(() => [...parseCsv('a,"open\n')]).toThrow(/unterminated/);
    expect(() => [...parseCsv('"a"b\n')]).toThrow(/closing quote/);
  });
});
