import { closeSync, openSync, readSync } from 'node:fs';

/**
 * Whether usearch's Node binding (2.25) can open a saved graph without corrupting the heap. Its `view()` and `load()`
 * end with `try_reserve(ceil2(size()))`, where size() counts only the present (not removed) nodes: the key lookup is
 * rebuilt for the present ones, and when its capacity ends up below the number of nodes in the file (present +
 * removed), the vector lookup is re-allocated smaller and the old one copied over it (a heap overflow: the process
 * aborts with "free(): corrupted ..." at some later allocation, in whichever thread). A graph whose removed nodes
 * exceed about a third to a half of its present ones (every update of an absorbed row removes one) hit it when saved
 * and opened again, by the next open or by a search worker mapping the file. This mirrors the binding's arithmetic
 * (flat_hash_multi_set_gt::try_reserve: 3/2 slots per entry, a power of two, whole 64-slot buckets, capacity 2/3 of
 * the slots); it predicted the crash exactly on 77 of 77 probed (nodes, removed) pairs, for view and load.
 */
export function graphMapSafe(total: number, present: number): boolean {
  const first = lookupCapacity(present);
  const wanted = ceil2(present);
  const capacity = wanted > first ? lookupCapacity(wanted) : first;
  return total <= capacity;
}

/** Nodes (present + removed) and present nodes of a saved graph file, from its matrix size and its header. */
export function graphFileCounts(file: string): { total: number; present: number } {
  const fd = openSync(file, 'r');
  try {
    const dims = Buffer.alloc(8);
    if (readSync(fd, dims, 0, 8, 0) !== 8) throw new Error(`${file}: not a usearch graph`);
    const total = dims.readUInt32LE(0);
    const bytesPerVector = dims.readUInt32LE(4);
    // The header after the vectors: magic (7 bytes), version (3 x u16), kinds (4 x u8), then the counts (u64).
    const head = Buffer.alloc(33);
    if (readSync(fd, head, 0, head.length, 8 + total * bytesPerVector) !== head.length)
      throw new Error(`${file}: truncated usearch graph`);
    if (head.subarray(0, 7).toString('latin1') !== 'usearch')
      throw new Error(`${file}: not a usearch graph`);
    return { total, present: Number(head.readBigUInt64LE(17)) };
  } finally {
    closeSync(fd);
  }
}

function ceil2(v: number): number {
  if (v <= 1) return v;
  let p = 1;
  while (p < v) p *= 2;
  return p;
}

/** The key lookup's capacity after reserving room for `n` entries from empty. */
function lookupCapacity(n: number): number {
  if (n <= 0) return 0;
  const slots = Math.ceil(ceil2(Math.ceil((3 * n) / 2)) / 64) * 64;
  return Math.floor((slots * 2) / 3);
}
