import { afterEach } from 'vitest';
import { Bm25Index, DEFAULT_BM25 } from '../../src/lexical/bm25-index.js';
import { tempDirs } from './temp-dirs.js';

/**
 * A maker of BM25 indexes in temp folders (typo tolerance on unless told), each closed after its test and the
 * folders removed after the file's tests (call it at module level).
 */
export function tempBm25(prefix: string): (typoTolerance?: boolean) => Bm25Index {
  const dir = tempDirs(prefix);
  const open: Bm25Index[] = [];
  afterEach(async () => {
    for (const i of open.splice(0)) await i.close();
  });
  return (typoTolerance) => {
    const i = new Bm25Index(`${dir()}/lexical.sqlite`, { ...DEFAULT_BM25, typoTolerance });
    open.push(i);
    return i;
  };
}
