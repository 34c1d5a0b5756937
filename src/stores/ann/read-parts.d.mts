/** One range of a file to read into shared memory: `length` bytes at file `offset` into `buf` from byte 0. */
export interface ReadPart {
  buf: SharedArrayBuffer;
  offset: number;
  length: number;
}

export function readParts(file: string, parts: readonly ReadPart[]): void;
