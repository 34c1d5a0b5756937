import { dcgAt } from '../../rerankers/metrics.js';

export interface QueryMetrics {
  ndcg: number;
  mrr: number;
  recall: number;
}

/**
 * Metrics of one served ranking against a query's judgments. Unjudged items count as grade 0; the ideal
 * ranking and the recall denominator use every judged item, including ones the ranker did not return.
 */
export function scoreRanking(
  rankedIds: readonly string[],
  grades: ReadonlyMap<string, number>,
  k: number,
): QueryMetrics {
  const top = rankedIds.slice(0, k);
  const labels = top.map((id) => grades.get(id) ?? 0);
  const idcg = dcgAt(
    [...grades.values()].sort((a, b) => b - a),
    k,
  );
  const firstRelevant = labels.findIndex((g) => g > 0);
  const relevant = [...grades.values()].filter((g) => g > 0).length;
  return {
    ndcg: idcg > 0 ? dcgAt(labels, k) / idcg : 0,
    mrr: firstRelevant >= 0 ? 1 / (firstRelevant + 1) : 0,
    recall: relevant > 0 ? labels.filter((g) => g > 0).length / relevant : 0,
  };
}

export function meanMetrics(rows: readonly QueryMetrics[]): QueryMetrics {
  const n = rows.length || 1;
  const sum = (f: (m: QueryMetrics) => number) => rows.reduce((a, m) => a + f(m), 0) / n;
  return { ndcg: sum((m) => m.ndcg), mrr: sum((m) => m.mrr), recall: sum((m) => m.recall) };
}
