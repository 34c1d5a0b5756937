/** Ranking metrics over graded judgments (qrels: doc id -> grade). */
export type Qrels = Map<string, number>;

export function ndcgAt(ranked: readonly string[], qrels: Qrels, k: number): number {
  let dcg = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++) {
    const g = qrels.get(ranked[i]!) ?? 0;
    if (g > 0) dcg += (2 ** g - 1) / Math.log2(i + 2);
  }
  const ideal = [...qrels.values()].filter((g) => g > 0).sort((a, b) => b - a);
  let idcg = 0;
  for (let i = 0; i < Math.min(k, ideal.length); i++)
    idcg += (2 ** ideal[i]! - 1) / Math.log2(i + 2);
  return idcg === 0 ? 0 : dcg / idcg;
}

export function mrrAt(ranked: readonly string[], qrels: Qrels, k: number): number {
  for (let i = 0; i < Math.min(k, ranked.length); i++)
    if ((qrels.get(ranked[i]!) ?? 0) > 0) return 1 / (i + 1);
  return 0;
}

export function recallAt(ranked: readonly string[], qrels: Qrels, k: number): number {
  const relevant = [...qrels.entries()].filter(([, g]) => g > 0).length;
  if (relevant === 0) return 0;
  let found = 0;
  for (let i = 0; i < Math.min(k, ranked.length); i++)
    if ((qrels.get(ranked[i]!) ?? 0) > 0) found++;
  return found / relevant;
}
