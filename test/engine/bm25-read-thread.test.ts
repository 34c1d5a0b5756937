import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { Bm25Index } from '../../src/lexical/bm25-index.js';

/**
 * A server scores BM25 on a read thread (its own connection): answers must be exactly the owner connection's,
 * writes acknowledged before a search must be in it, and a thread that dies must not fail a search.
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempFile = () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'chorus-bm25-read-'));
  dirs.push(dir);
  return path.join(dir, 'lexical.sqlite');
};
const words = ['lamp', 'chair', 'table', 'sofa', 'rug', 'shelf', 'desk', 'bed'];
const docText = (i: number) =>
  `${words[i % 8]} ${words[(i * 3) % 8]} ${words[(i * 5) % 7]} item${i} oak`;
const docs = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => ({ id: `d${from + i}`, text: docText(from + i) }));

describe('BM25 searches on a read thread', () => {
  it('gives exactly the hits of a search on the owner connection, with exclude and only pushed down', async () => {
    const bm25 = new Bm25Index(tempFile());
    try {
      await bm25.upsert('c', docs(0, 600));
      bm25.useReadThread({ minDocs: 0 });
      // Before the thread has opened, the owner answers (same hits).
      expect(await bm25.searchAsync('c', 'lamp oak', 10)).toEqual(bm25.search('c', 'lamp oak', 10));
      expect(await bm25.readThreadReady()).toBe(true);
      const before = bm25.threadSearches;
      for (const q of [
        'lamp oak',
        'chair desk',
        'item7 bed',
        'sofa rug shelf',
        'nothing-matches',
      ]) {
        expect(await bm25.searchAsync('c', q, 25)).toEqual(bm25.search('c', q, 25));
      }
      const exclude = new Set(bm25.search('c', 'lamp', 5).map((h) => h.id));
      expect(await bm25.searchAsync('c', 'lamp', 10, { exclude })).toEqual(
        bm25.search('c', 'lamp', 10, { exclude }),
      );
      const only = ['d1', 'd9', 'd17', 'd400', 'missing'];
      expect(await bm25.searchAsync('c', 'chair lamp oak', 10, { only })).toEqual(
        bm25.search('c', 'chair lamp oak', 10, { only }),
      );
      expect(bm25.threadSearches - before).toBe(7);
    } finally {
      await bm25.close();
    }
  });

  it('a search sent after a write resolved sees that write (write thread and read thread on their own connections)', async () => {
    const bm25 = new Bm25Index(tempFile());
    bm25.useWriteThread();
    bm25.useReadThread({ minDocs: 0 });
    try {
      expect(await bm25.writeThreadReady()).toBe(true);
      expect(await bm25.readThreadReady()).toBe(true);
      for (let b = 0; b < 5; b++) {
        await bm25.upsert('c', docs(b * 50, b * 50 + 50));
        const last = `d${b * 50 + 49}`;
        expect((await bm25.searchAsync('c', `item${b * 50 + 49}`, 1))[0]?.id).toBe(last);
        await bm25.delete('c', [last]);
        expect(await bm25.searchAsync('c', `item${b * 50 + 49}`, 1)).toEqual([]);
      }
      expect(bm25.threadSearches).toBe(10);
    } finally {
      await bm25.close();
    }
  });

  it('collections under minDocs are searched on the owner connection (the hop costs more than it saves)', async () => {
    const bm25 = new Bm25Index(tempFile());
    try {
      await bm25.upsert('small', docs(0, 99));
      await bm25.upsert('big', docs(0, 100));
      bm25.useReadThread({ minDocs: 100 });
      expect(await bm25.readThreadReady()).toBe(true);
      expect(await bm25.searchAsync('small', 'lamp oak', 10)).toEqual(
        bm25.search('small', 'lamp oak', 10),
      );
      expect(bm25.threadSearches).toBe(0);
      expect(await bm25.searchAsync('big', 'lamp oak', 10)).toEqual(
        bm25.search('big', 'lamp oak', 10),
      );
      expect(bm25.threadSearches).toBe(1);
    } finally {
      await bm25.close();
    }
  });

  it('a read thread that dies does not fail searches: the owner connection answers from then on', async () => {
    const bm25 = new Bm25Index(tempFile());
    try {
      await bm25.upsert('c', docs(0, 100));
      bm25.useReadThread({ minDocs: 0 });
      expect(await bm25.readThreadReady()).toBe(true);
      const want = bm25.search('c', 'desk oak', 10);
      expect(await bm25.searchAsync('c', 'desk oak', 10)).toEqual(want);
      const worker = (bm25 as unknown as { reader: { worker: Worker } }).reader.worker;
      const inFlight = bm25.searchAsync('c', 'desk oak', 10);
      await worker.terminate();
      expect(await inFlight).toEqual(want);
      const answered = bm25.threadSearches;
      expect(await bm25.searchAsync('c', 'desk oak', 10)).toEqual(want);
      expect(bm25.threadSearches).toBe(answered);
    } finally {
      await bm25.close();
    }
  });

  it('scripts exit 0: awaiting the thread then closing, closing before it opened, or leaving an idle thread open', () => {
    const module = fileURLToPath(new URL('../../src/lexical/bm25-index.ts', import.meta.url));
    const run = (name: string, body: string) => {
      const file = path.join(path.dirname(tempFile()), `${name}.mjs`);
      writeFileSync(
        file,
        `import { Bm25Index } from ${JSON.stringify(module)};
         const bm25 = new Bm25Index(${JSON.stringify(tempFile())});
         await bm25.upsert('c', [{ id: 'a', text: 'red lamp' }]);
         bm25.useReadThread({ minDocs: 0 });
         ${body}`,
      );
      // A thread that lets go of the process too early ends it with the await unsettled: exit code 13, a throw here.
      return execFileSync(process.execPath, ['--import', 'tsx', file], {
        encoding: 'utf8',
        timeout: 60_000,
      }).trim();
    };
    expect(
      run(
        'await-then-close',
        `console.log(await bm25.readThreadReady(), (await bm25.searchAsync('c', 'lamp', 5))[0].id, bm25.threadSearches);
         await bm25.close();
         console.log('closed');`,
      ),
    ).toBe('true a 1\nclosed');
    expect(
      run(
        'close-before-open',
        `void bm25.readThreadReady();
         await bm25.close();
         console.log('closed');`,
      ),
    ).toBe('closed');
    expect(
      run(
        'idle-open-thread',
        `await bm25.readThreadReady();
         console.log((await bm25.searchAsync('c', 'lamp', 5))[0].id, bm25.threadSearches);`,
      ),
    ).toBe('a 1');
  });
});
