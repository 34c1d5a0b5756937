import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { Bm25Index } from '../../src/lexical/bm25-index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempFile = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'chorus-bm25-thread-'));
  dirs.push(dir);
  return path.join(dir, 'lexical.sqlite');
};
const words = ['lamp', 'chair', 'table', 'sofa', 'rug', 'shelf', 'desk', 'bed'];
const docText = (i: number) => `${words[i % 8]} ${words[(i * 3) % 8]} item${i} oak`;

describe('BM25 writes on a worker thread', () => {
  it('every write is searchable on the main connection the moment its promise resolves, and scores are identical to writing in the calling thread', async () => {
    const file = tempFile();
    const threaded = new Bm25Index(file);
    threaded.useWriteThread();
    expect(await threaded.writeThreadReady()).toBe(true);
    const plain = new Bm25Index(':memory:');
    try {
      for (let b = 0; b < 5; b++) {
        const docs = Array.from({ length: 40 }, (_, i) => ({
          id: `d${b * 40 + i}`,
          text: docText(b * 40 + i),
        }));
        await threaded.upsert('c', docs);
        await plain.upsert('c', docs);
        // Right after the write resolved: this connection (which did not write) sees the whole batch.
        expect(threaded.count('c')).toBe((b + 1) * 40);
        expect(threaded.search('c', `item${b * 40 + 39}`, 1)[0]?.id).toBe(`d${b * 40 + 39}`);
      }
      for (const q of ['lamp oak', 'chair desk', 'item7 bed', 'sofa']) {
        expect(threaded.search('c', q, 20)).toEqual(plain.search('c', q, 20));
      }
      expect(threaded.consistency('c')).toEqual(plain.consistency('c'));
    } finally {
      await threaded.close();
      await plain.close();
    }
  });

  it('applies writes in call order even when nobody waits between them (upsert, delete, re-upsert, drop)', async () => {
    const file = tempFile();
    const bm25 = new Bm25Index(file);
    bm25.useWriteThread();
    expect(await bm25.writeThreadReady()).toBe(true);
    try {
      const sent = [
        bm25.upsert('c', [
          { id: 'a', text: 'red lamp' },
          { id: 'b', text: 'blue lamp' },
        ]),
        bm25.delete('c', ['a']),
        bm25.upsert('c', [{ id: 'b', text: 'green chair' }]),
        bm25.upsert('gone', [{ id: 'x', text: 'lamp' }]),
        bm25.dropCollection('gone'),
      ];
      await Promise.all(sent);
      expect(bm25.search('c', 'lamp', 10)).toEqual([]);
      expect(bm25.search('c', 'chair', 10).map((h) => h.id)).toEqual(['b']);
      expect(bm25.count('c')).toBe(1);
      expect(bm25.count('gone')).toBe(0);
    } finally {
      await bm25.close();
    }
  });

  it('close() finishes the writes already sent: a fresh process-like open finds them', async () => {
    const file = tempFile();
    const bm25 = new Bm25Index(file);
    bm25.useWriteThread();
    expect(await bm25.writeThreadReady()).toBe(true);
    const docs = Array.from({ length: 300 }, (_, i) => ({ id: `d${i}`, text: docText(i) }));
    const writes = [bm25.upsert('c', docs.slice(0, 150)), bm25.upsert('c', docs.slice(150))];
    await bm25.close();
    await Promise.all(writes);
    const reopened = new Bm25Index(file);
    try {
      expect(reopened.count('c')).toBe(300);
      expect(reopened.consistency('c').postings).toBe(reopened.consistency('c').expected);
    } finally {
      await reopened.close();
    }
  });

  it('writes made before the thread has opened run in the calling thread, and order holds across the switch', async () => {
    const bm25 = new Bm25Index(tempFile());
    bm25.useWriteThread();
    const early = bm25.upsert('c', [{ id: 'a', text: 'red lamp' }]);
    expect(bm25.count('c')).toBe(1); // applied before the call returned: the thread is not open yet
    await early;
    expect(await bm25.writeThreadReady()).toBe(true);
    await Promise.all([
      bm25.delete('c', ['a']),
      bm25.upsert('c', [{ id: 'b', text: 'red chair' }]),
    ]);
    expect(bm25.search('c', 'red', 5).map((h) => h.id)).toEqual(['b']);
    await bm25.close();
  });

  it('an in-memory index keeps writing in the calling thread', async () => {
    const bm25 = new Bm25Index(':memory:');
    bm25.useWriteThread();
    expect(await bm25.writeThreadReady()).toBe(false);
    const write = bm25.upsert('c', [{ id: 'a', text: 'lamp' }]);
    // Applied before the call returned (no other connection could ever see a :memory: database).
    expect(bm25.count('c')).toBe(1);
    await write;
    await bm25.close();
  });

  it('a script that awaits a threaded write with nothing else pending runs to its end (the thread holds the process until it opened and while a write is in flight)', () => {
    const module = fileURLToPath(new URL('../../src/lexical/bm25-index.ts', import.meta.url));
    // The bench's bulk load ended here with exit code 13 (unsettled top-level await) after its first batch.
    const script = `
      import { Bm25Index } from ${JSON.stringify(module)};
      const bm25 = new Bm25Index(${JSON.stringify(tempFile())});
      bm25.useWriteThread();
      if (!(await bm25.writeThreadReady())) throw new Error('no write thread');
      await bm25.upsert('c', [{ id: 'a', text: 'red lamp' }]);
      await bm25.upsert('c', [{ id: 'b', text: 'red chair' }]);
      console.log('written ' + bm25.count('c'));
      await bm25.close();
    `;
    const file = path.join(path.dirname(tempFile()), 'write-then-exit.mjs');
    writeFileSync(file, script);
    const out = execFileSync(process.execPath, ['--import', 'tsx', file], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(out.trim()).toBe('written 2');
  });

  it('a script that closes the index before its write thread has opened exits 0 once the thread has gone', () => {
    const module = fileURLToPath(new URL('../../src/lexical/bm25-index.ts', import.meta.url));
    // The thread's "opened" message arrived after close() and let go of the process: exit code 13 (the README's
    // library example failed that way about one run in three).
    const script = `
      import { Bm25Index } from ${JSON.stringify(module)};
      const bm25 = new Bm25Index(${JSON.stringify(tempFile())});
      bm25.useWriteThread();
      await bm25.upsert('c', [{ id: 'a', text: 'red lamp' }]); // before the thread opened: written here
      await bm25.close();
      console.log('closed');
    `;
    const file = path.join(path.dirname(tempFile()), 'close-before-open.mjs');
    writeFileSync(file, script);
    for (let i = 0; i < 3; i++) {
      const out = execFileSync(process.execPath, ['--import', 'tsx', file], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(out.trim()).toBe('closed');
    }
  });
});
