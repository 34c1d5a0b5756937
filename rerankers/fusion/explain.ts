import type { Candidate, Provenance, RankedHit } from '../../src/domain/candidate.js';

/**
 * Shared by the baseline fusions: turn per-source contributions into a ranked, explained hit list.
 * `contributions[source]` is what that source added to the final score; shares are their fractions.
 */
export function explainedHit(
  c: Candidate,
  contributions: Record<string, number>,
  ranker: string,
  used?: string[],
  opts: { rankOnly?: boolean } = {},
): RankedHit {
  let score = 0;
  for (const v of Object.values(contributions)) score += v;
  const scores: Record<string, number> = {};
  for (const [source, p] of Object.entries(c.sources)) scores[source] = p.score;
  const shares: Record<string, number> = {};
  const total = Object.values(contributions).reduce((a, v) => a + Math.abs(v), 0);
  for (const [source, v] of Object.entries(contributions))
    shares[source] = total > 0 ? Math.abs(v) / total : 0;
  const explanation: RankedHit['explanation'] = {
    scores,
    shares,
    ranker,
    used: used ?? Object.keys(c.sources).sort(),
  };
  if (opts.rankOnly) explanation.contributions = { ...contributions };
  return { id: c.id, score, payload: c.payload, explanation };
}

/**
 * A baseline fusion's ranking: each candidate's score is the sum of `contribution(source, its entry)` over its
 * sources; hits are sorted by score (ties by id) and the first `limit` (all when undefined) are explained as
 * explainedHit does. The rest come back in order with bare explanations (RerankContext.limit): building the
 * score, share and contribution maps for every candidate (hundreds per search) was most of a fusion's cost and
 * garbage, for hits nobody is shown. Scores are summed in the same order as explainedHit sums them.
 */
export function rankAndExplain(
  candidates: readonly Candidate[],
  contribution: (source: string, p: Provenance) => number,
  ranker: string,
  used: string[],
  limit: number | undefined,
  opts: { rankOnly?: boolean } = {},
): RankedHit[] {
  // Scores in a typed array and the order as indices: no wrapper object (and boxed score) per candidate.
  const n = candidates.length;
  const scores = new Float64Array(n);
  const order = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const sources = candidates[i]!.sources;
    let score = 0;
    for (const source in sources) score += contribution(source, sources[source]!);
    scores[i] = score;
    order[i] = i;
  }
  order.sort((a, b) => {
    // Signs, not the difference: a small integer is not boxed (a double per comparison was ~15 KB per search).
    const d = scores[b]! - scores[a]!;
    if (d > 0) return 1;
    if (d < 0) return -1;
    const x = candidates[a]!.id;
    const y = candidates[b]!.id;
    return x < y ? -1 : x > y ? 1 : 0;
  });
  const shown = limit ?? n;
  // The hits past `limit` share one bare explanation (frozen: nothing may write to it).
  const bare: RankedHit['explanation'] = Object.freeze({
    scores: Object.freeze({}),
    shares: Object.freeze({}),
    ranker,
  }) as RankedHit['explanation'];
  const out = new Array<RankedHit>(n);
  for (let j = 0; j < n; j++) {
    const c = candidates[order[j]!]!;
    const score = scores[order[j]!]!;
    if (j >= shown) {
      out[j] = { id: c.id, score, payload: c.payload, explanation: bare };
      continue;
    }
    const contributions: Record<string, number> = {};
    for (const source in c.sources)
      contributions[source] = contribution(source, c.sources[source]!);
    out[j] = explainedHit(c, contributions, ranker, used, opts);
  }
  return out;
}

/** Sort by score, ties by id, so every fusion is deterministic. */
export function byScore(hits: RankedHit[]): RankedHit[] {
  return hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Weight of a source: explicit weight, else the weight of its family (`image_text` -> `image`), else 1. */
export function weightOf(source: string, weights: Record<string, number> | undefined): number {
  if (!weights) return 1;
  if (weights[source] !== undefined) return weights[source];
  const family = source.split(/[_:]/)[0]!;
  return weights[family] ?? 1;
}

/** Every source that appears on any candidate, in a stable order. */
export function sourcesOf(candidates: Candidate[]): string[] {
  const s = new Set<string>();
  for (const c of candidates) for (const k in c.sources) s.add(k);
  return [...s].sort();
}
