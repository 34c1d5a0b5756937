/**
 * Search as you type on real queries: BEIR SciFact's test queries with their last word half typed ("... cancer
 * ris" for "... cancer risk."), searched by BM25 with prefix search on and off in one process, beside the whole
 * queries (on: what leaving prefix on costs a finished query; off: the ceiling the partial queries aim at).
 *   npx tsx bench/typeahead.ts --dataset ../shared/data/beir_scifact
 * Writes bench/results/typeahead.json.
 */
import path from 'node:path';
import { Command } from 'commander';
import { readQrels, readQueries } from '../src/bench/beir-data.js';
import { runBeir } from '../src/bench/beir-run.js';
import { recordRun } from '../src/bench/results-file.js';
import { MIN_PREFIX } from '../src/lexical/bm25-index.js';

/** The query as typed into a search box: without the closing full stop (SciFact's queries are sentences). */
export function asTyped(text: string): string {
  return text.replace(/[\s.?!]+$/u, '');
}

/** The query with its last word cut to its first half (at least MIN_PREFIX letters); short last words stay. */
export function halfTyped(text: string): string {
  const typed = asTyped(text);
  const m = /(\p{L}+)$/u.exec(typed);
  if (!m) return typed;
  const word = m[1]!;
  const keep = Math.max(MIN_PREFIX, Math.ceil(word.length / 2));
  return typed.slice(0, m.index) + word.slice(0, Math.min(keep, word.length));
}

const opts = new Command('typeahead-bench')
  .requiredOption(
    '--dataset <dir>',
    'BEIR-layout folder (corpus.jsonl, queries.jsonl, qrels/test.tsv)',
  )
  .parse()
  .opts<{ dataset: string }>();

const given = readQueries(opts.dataset);
const whole = new Map([...given].map(([id, text]) => [id, asTyped(text)]));
const partial = new Map([...given].map(([id, text]) => [id, halfTyped(text)]));
const tested = [...readQrels(opts.dataset, 'test').keys()].filter((id) => whole.has(id));
const cut = tested.filter((id) => partial.get(id) !== whole.get(id)).length;
const arms: Record<string, unknown> = {};
for (const [queries, set] of [
  [partial, 'partial'],
  [whole, 'whole'],
] as const)
  for (const prefix of [true, false]) {
    const r = await runBeir({ dataset: opts.dataset, retriever: 'bm25', queries, prefix });
    const name = `${set}:${prefix ? 'on' : 'off'}`;
    arms[name] = r;
    console.log(
      `${name.padEnd(12)} nDCG@10 ${r.ndcg10.toFixed(4)}  MRR@10 ${r.mrr10.toFixed(4)}  recall@100 ${r.recall100.toFixed(4)}  ${r.queriesPerSecond.toFixed(0)} queries/s`,
    );
  }
recordRun(path.resolve(import.meta.dirname, 'results'), 'typeahead.json', 'scifact', {
  dataset: path.basename(path.resolve(opts.dataset)),
  queriesCut: cut,
  queriesTested: tested.length,
  arms,
});
