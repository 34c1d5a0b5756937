// Reading byte ranges of a file into shared memory, for RowStore's open (parallel-read.ts) and its reader threads
// (read-parts-worker.mjs, which loads it without a TypeScript loader, hence plain JS; types in read-parts.d.mts).
import { closeSync, openSync, readSync } from 'node:fs';

/** Reads each part (`length` bytes at file `offset` into `buf` from byte 0); throws on a short read. */
export function readParts(file, parts) {
  const fd = openSync(file, 'r');
  try {
    for (const p of parts) {
      const bytes = new Uint8Array(p.buf, 0, p.length);
      for (let done = 0; done < p.length;) {
        const n = readSync(fd, bytes, done, p.length - done, p.offset + done);
        if (n <= 0) throw new Error(`${file}: short read`);
        done += n;
      }
    }
  } finally {
    closeSync(fd);
  }
}
