/**
 * BM25 field weights on real data: BEIR SciFact (title + abstract), the title weighing 1 (flat) to 6, built through
 * the engine's own BM25 write path (indexLexical with the collection's weights). The weight is chosen the way a
 * user would have to, without the test labels of the queries it is judged on: two folds of the test queries (by
 * their order in qrels), each judged with the weight that scored best on the other fold.
 *   npx tsx bench/field-weights.ts --dataset ../shared/data/beir_scifact
 * Writes bench/results/field-weights.json.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { readCorpus, readQrels, readQueries } from '../src/bench/beir-data.js';
import { ndcgAt, recallAt } from '../src/bench/ir-metrics.js';
import { recordRun } from '../src/bench/results-file.js';
import { indexLexical } from '../src/engine/items.js';
import { Bm25Index, DEFAULT_BM25 } from '../src/lexical/bm25-index.js';

const WEIGHTS = [1, 2, 3, 4, 6];

const opts = new Command('field-weights-bench')
  .requiredOption(
    '--dataset <dir>',
    'BEIR-layout folder (corpus.jsonl, queries.jsonl, qrels/test.tsv)',
  )
  .parse()
  .opts<{ dataset: string }>();

const queries = readQueries(opts.dataset);
const qrels = readQrels(opts.dataset, 'test');
const qids = [...qrels.keys()].filter((q) => queries.has(q));
const docs: { id: string; payload: { title: string; text: string } }[] = [];
for await (const d of readCorpus(opts.dataset))
  docs.push({ id: d.id, payload: { title: d.title, text: d.text } });

const schema = { name: 'beir', payloadIndexes: {} }; // default text fields: title, text, ...
const perQuery = new Map<number, { ndcg: number[]; recall: number[] }>();
for (const w of WEIGHTS) {
  const dir = mkdtempSync(path.join(tmpdir(), 'chorus-fw-'));
  const bm25 = new Bm25Index(path.join(dir, 'lexical.sqlite'), { ...DEFAULT_BM25 });
  try {
    for (let i = 0; i < docs.length; i += 1000)
      await indexLexical(bm25, schema, docs.slice(i, i + 1000), w === 1 ? undefined : { title: w });
    const ndcg: number[] = [];
    const recall: number[] = [];
    for (const q of qids) {
      const ranked = bm25.search('beir', queries.get(q)!, 100).map((h) => h.id);
      ndcg.push(ndcgAt(ranked, qrels.get(q)!, 10));
      recall.push(recallAt(ranked, qrels.get(q)!, 100));
    }
    perQuery.set(w, { ndcg, recall });
  } finally {
    await bm25.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const mean = (xs: number[], keep: (i: number) => boolean = () => true) => {
  const kept = xs.filter((_, i) => keep(i));
  return kept.reduce((a, b) => a + b, 0) / Math.max(1, kept.length);
};
const fold = (i: number) => i % 2;
// Each fold judged with the weight the other fold liked best.
const chosen = [0, 1].map((f) =>
  WEIGHTS.reduce((best, w) =>
    mean(perQuery.get(w)!.ndcg, (i) => fold(i) !== f) >
    mean(perQuery.get(best)!.ndcg, (i) => fold(i) !== f)
      ? w
      : best,
  ),
);
const crossNdcg = qids.map((_, i) => perQuery.get(chosen[fold(i)]!)!.ndcg[i]!);
const crossRecall = qids.map((_, i) => perQuery.get(chosen[fold(i)]!)!.recall[i]!);
const byWeight = Object.fromEntries(
  WEIGHTS.map((w) => [
    String(w),
    { ndcg10: mean(perQuery.get(w)!.ndcg), recall100: mean(perQuery.get(w)!.recall) },
  ]),
);
for (const w of WEIGHTS)
  console.log(
    `title weight ${w}: nDCG@10 ${byWeight[String(w)]!.ndcg10.toFixed(4)}  recall@100 ${byWeight[String(w)]!.recall100.toFixed(4)}`,
  );
console.log(
  `cross-validated (weights ${chosen.join(' / ')} chosen on the other fold): nDCG@10 ${mean(crossNdcg).toFixed(4)}  recall@100 ${mean(crossRecall).toFixed(4)}; flat ${byWeight['1']!.ndcg10.toFixed(4)}`,
);
recordRun(path.resolve(import.meta.dirname, 'results'), 'field-weights.json', 'scifact', {
  dataset: path.basename(path.resolve(opts.dataset)),
  documents: docs.length,
  queries: qids.length,
  byTitleWeight: byWeight,
  crossValidated: {
    chosenPerFold: chosen,
    ndcg10: mean(crossNdcg),
    recall100: mean(crossRecall),
  },
});
