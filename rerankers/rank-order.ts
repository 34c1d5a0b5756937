/** Candidates per list a packed key can hold (the index takes the low 20 bits beside a float32 score's 32). */
const MAX_PACKED = 1 << 20;
const INDEX_SCALE = 2 ** 20;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** A float32 as an unsigned integer in the same order (negative scores below positive, -0 as +0). */
function orderedBits(x: number): number {
  f32[0] = x + 0; // -0 + 0 is +0: the comparator counts them equal, so must the key
  const u = u32[0]!;
  return u & 0x80000000 ? ~u >>> 0 : (u | 0x80000000) >>> 0;
}

/**
 * Indices of `scores` best first; equal scores go by `exact` (higher first) when given, then by `ids` ascending:
 * the order of `sort((a, b) => s[b] - s[a] || e[b] - e[a] || (id[a] < id[b] ? -1 : 1))`. Each index rides in the
 * low bits of a float64 key beside its score's bits, so one native numeric sort orders the list (a comparator sort
 * of 1,000 candidates took ~0.18 ms of the rerank's ~2 ms); only runs of equal scores go through the comparator.
 * Scores must not be NaN (the reranker checks its outputs are finite).
 */
export function rankOrder(
  scores: ArrayLike<number>,
  ids: readonly { id: string }[],
  exact?: ArrayLike<number>,
): number[] {
  const n = scores.length;
  const tie = (a: number, b: number) =>
    (exact ? exact[b]! - exact[a]! : 0) || (ids[a]!.id < ids[b]!.id ? -1 : 1);
  if (n > MAX_PACKED)
    return Array.from({ length: n }, (_, i) => i).sort(
      (a, b) => scores[b]! - scores[a]! || tie(a, b),
    );
  const keys = new Float64Array(n);
  const bits = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    bits[i] = orderedBits(scores[i]!);
    keys[i] = (0xffffffff - bits[i]!) * INDEX_SCALE + i; // < 2^52: exact in a double
  }
  keys.sort();
  const order = new Array<number>(n);
  for (let i = 0; i < n; i++) order[i] = keys[i]! % INDEX_SCALE;
  // Equal scores are adjacent (by index so far): order each run as the comparator would.
  for (let start = 0; start < n;) {
    let end = start + 1;
    while (end < n && bits[order[end]!] === bits[order[start]!]) end++;
    if (end - start > 1) {
      const run = order.slice(start, end).sort(tie);
      for (let k = 0; k < run.length; k++) order[start + k] = run[k]!;
    }
    start = end;
  }
  return order;
}
