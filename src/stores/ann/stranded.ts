import type { Index } from 'usearch';

/** Matches each new row asks its own search for: itself should be first; a few more absorb exact duplicates. */
const SELF_K = 4;

/**
 * Finds the rows a parallel add left unreachable and adds them again on one thread; returns how many.
 *
 * usearch's concurrent add() can store a node that no search reaches: a thread links it while another thread is
 * still building the neighbour lists it was linked through, and the neighbour heuristic then drops its only
 * in-link (unum-cloud/USearch#735, still open in 2.26.2). A 2-thread add of 1,200 x 32-d rows left ~0.06% of them
 * stranded; the store's contract test missed a near-duplicate query's own item that way in CI. A single-threaded
 * add never strands one.
 *
 * Every row of the batch searches for itself (in parallel as well: the check costs ~0.6x the parallel add, so a
 * drain on 2 cores is about as fast as one on a single thread, and faster with more cores). A row whose own vector
 * does not find it is removed and added again on one thread, which links it like any sequential insert.
 *
 * @param keys the keys just added, in the order of `vectors` (rows of `dim`, in the graph's own precision)
 */
export function relinkStranded(
  graph: Index,
  keys: BigUint64Array,
  vectors: Float32Array | Int8Array,
  dim: number,
  threads: number,
): number {
  const n = keys.length;
  if (n === 0) return 0;
  const k = Math.min(SELF_K, graph.size());
  const res = graph.search(vectors, k, threads);
  let relinked = 0;
  for (let i = 0; i < n; i++) {
    let found = false;
    for (let j = i * k; j < (i + 1) * k && !found; j++) found = res.keys[j] === keys[i];
    if (found) continue;
    // usearch 2.25 sometimes cannot remove a key it holds (remove() answers 0, contains() stays true) in a graph
    // whose key table has seen many removals (every update removes one); adding it again would throw "Duplicate keys
    // not allowed" out of the drain. Such a row stays as linked (its vector is also kept exactly by the caller).
    if (graph.remove(keys[i]!) === 0 && graph.contains(keys[i]!)) continue;
    graph.add(keys[i]!, vectors.subarray(i * dim, (i + 1) * dim), 1);
    relinked++;
  }
  return relinked;
}
