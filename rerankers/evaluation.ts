import { cosine } from '../src/domain/vectors.js';
import { dcgAt } from './metrics.js';

/** One judged query's ranked result: item ids in order and the judged grades (unjudged = 0). */
export interface JudgedRanking {
  query: string;
  ranked: string[];
  judged: Map<string, number>;
  /** Item vectors (one vector name) of the ranked items, for intra-list diversity. */
  vectors?: Map<string, ArrayLike<number>>;
}

export interface OfflineMetrics {
  queries: number;
  ndcg: number;
  mrr: number;
  recall: number;
  /** Distinct items in all top-k lists over the catalogue size. */
  coverage: number;
  /** Mean pairwise cosine distance within each top-k list (0 = identical items). */
  diversity: number;
  k: number;
}

/** nDCG@k, MRR@k and recall@k against judgments (the ideal uses every judged item, found or not). */
export function offlineMetrics(
  rankings: readonly JudgedRanking[],
  k: number,
  catalogueSize: number,
): OfflineMetrics {
  let ndcg = 0;
  let mrr = 0;
  let recall = 0;
  let diversity = 0;
  let diversityLists = 0;
  const seen = new Set<string>();
  for (const r of rankings) {
    const top = r.ranked.slice(0, k);
    top.forEach((id) => seen.add(id));
    const gains = top.map((id) => r.judged.get(id) ?? 0);
    const ideal = [...r.judged.values()].sort((a, b) => b - a);
    const idcg = dcgAt(ideal, k);
    ndcg += idcg > 0 ? dcgAt(gains, k) / idcg : 0;
    const first = gains.findIndex((g) => g > 0);
    mrr += first >= 0 ? 1 / (first + 1) : 0;
    const relevant = [...r.judged.values()].filter((g) => g > 0).length;
    recall += relevant > 0 ? gains.filter((g) => g > 0).length / relevant : 0;
    if (r.vectors) {
      const vs = top
        .map((id) => r.vectors!.get(id))
        .filter((v): v is ArrayLike<number> => v !== undefined);
      let sum = 0;
      let pairs = 0;
      for (let i = 0; i < vs.length; i++)
        for (let j = i + 1; j < vs.length; j++) {
          sum += 1 - cosine(vs[i]!, vs[j]!);
          pairs++;
        }
      if (pairs) {
        diversity += sum / pairs;
        diversityLists++;
      }
    }
  }
  const n = Math.max(1, rankings.length);
  return {
    queries: rankings.length,
    ndcg: ndcg / n,
    mrr: mrr / n,
    recall: recall / n,
    coverage: catalogueSize > 0 ? seen.size / catalogueSize : 0,
    diversity: diversityLists ? diversity / diversityLists : 0,
    k,
  };
}

/**
 * Reads judgments: TSV/CSV lines `query<TAB>item<TAB>grade` (a header line is skipped). With a BEIR-style
 * queries map (id -> text) the first column is a query id, otherwise it is the query text itself.
 */
export function parseQrels(
  text: string,
  queries?: Map<string, string>,
): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const line of text.split('\n')) {
    const cols = line.includes('\t') ? line.split('\t') : line.split(',');
    if (cols.length < 3) continue;
    const grade = Number(cols[2]!.trim());
    if (!Number.isFinite(grade)) continue; // header
    const q = queries?.get(cols[0]!.trim()) ?? cols[0]!.trim();
    const m = out.get(q) ?? new Map<string, number>();
    m.set(cols[1]!.trim(), grade);
    out.set(q, m);
  }
  return out;
}
