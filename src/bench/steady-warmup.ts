/** True when the last two windows' throughputs differ by at most `tolerance` of the larger. */
export function isSteady(qps: readonly number[], tolerance: number): boolean {
  if (qps.length < 2) return false;
  const a = qps[qps.length - 2]!;
  const b = qps[qps.length - 1]!;
  return Math.abs(a - b) <= tolerance * Math.max(a, b);
}

/**
 * Warms each arm with `window(arm)` (one load window, returning its req/s), arms taking turns, until every arm has
 * run at least `minSeconds` and its last two windows agree within `tolerance` (or it ran `maxWindows`). A fixed
 * warm-up left the first process of a pair still speeding up while measured; this waits for the plateau.
 * Returns each arm's window throughputs in order.
 */
export async function warmUntilSteady<A extends string>(
  arms: readonly A[],
  window: (arm: A) => Promise<number>,
  o: { minSeconds: number; windowSeconds: number; tolerance: number; maxWindows: number },
): Promise<Record<A, number[]>> {
  const seen = Object.fromEntries(arms.map((a) => [a, [] as number[]])) as Record<A, number[]>;
  const done = (a: A) =>
    seen[a].length >= o.maxWindows ||
    (seen[a].length * o.windowSeconds >= o.minSeconds && isSteady(seen[a], o.tolerance));
  while (!arms.every(done)) for (const a of arms) if (!done(a)) seen[a].push(await window(a));
  return seen;
}
