/**
 * BM25 typo tolerance on real queries with typing slips: BEIR SciFact's test queries as given, the same queries
 * with one slip each (a letter deleted, replaced, inserted or swapped with the next, in one word of five or more
 * letters, never the first letter; seeded), and with one slip in a first letter instead (another seed), each run
 * with typo tolerance on and off in one process.
 *   npx tsx bench/typos.ts --dataset ../shared/data/beir_scifact [--seed 7]
 * Writes bench/results/typos.json.
 */
import path from 'node:path';
import { Command } from 'commander';
import { Rng } from '../rerankers/random.js';
import { readQrels, readQueries } from '../src/bench/beir-data.js';
import { runBeir } from '../src/bench/beir-run.js';
import { recordRun } from '../src/bench/results-file.js';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/**
 * One typing slip in one word of five or more letters (not the first letter, or with `firstLetter` only the first);
 * queries without such a word stay.
 */
export function withSlip(text: string, rng: Rng, firstLetter = false): string {
  const words = text.split(' ');
  const eligible = words.flatMap((w, i) => (/^\p{L}{5,}$/u.test(w) ? [i] : []));
  if (eligible.length === 0) return text;
  const i = eligible[rng.int(eligible.length)]!;
  const w = words[i]!;
  const k = firstLetter ? 0 : 1 + rng.int(w.length - 1);
  const letter = LETTERS[rng.int(LETTERS.length)]!;
  const slips = [
    () => w.slice(0, k) + w.slice(k + 1),
    () => w.slice(0, k) + letter + w.slice(k + 1),
    () => w.slice(0, k) + letter + w.slice(k),
    () => (k + 1 < w.length ? w.slice(0, k) + w[k + 1]! + w[k]! + w.slice(k + 2) : w.slice(0, k)),
  ];
  words[i] = slips[rng.int(slips.length)]!();
  return words.join(' ');
}

const opts = new Command('typos-bench')
  .requiredOption(
    '--dataset <dir>',
    'BEIR-layout folder (corpus.jsonl, queries.jsonl, qrels/test.tsv)',
  )
  .option('--seed <n>', 'seed of the slips', '7')
  .parse()
  .opts<{ dataset: string; seed: string }>();

const clean = readQueries(opts.dataset);
const rng = new Rng(Number(opts.seed));
const slipped = new Map([...clean].map(([id, text]) => [id, withSlip(text, rng)]));
const firstRng = new Rng(Number(opts.seed) + 1);
const first = new Map([...clean].map(([id, text]) => [id, withSlip(text, firstRng, true)]));
// Counted over the evaluated (test) queries.
const tested = [...readQrels(opts.dataset, 'test').keys()].filter((id) => clean.has(id));
const changed = tested.filter((id) => slipped.get(id) !== clean.get(id)).length;
const arms: Record<string, unknown> = {};
for (const [queries, set] of [
  [clean, 'clean'],
  [slipped, 'slipped'],
  [first, 'first'],
] as const)
  for (const typoTolerance of [true, false]) {
    const r = await runBeir({ dataset: opts.dataset, retriever: 'bm25', queries, typoTolerance });
    const name = `${set}:${typoTolerance ? 'on' : 'off'}`;
    arms[name] = r;
    console.log(
      `${name.padEnd(12)} nDCG@10 ${r.ndcg10.toFixed(4)}  MRR@10 ${r.mrr10.toFixed(4)}  recall@100 ${r.recall100.toFixed(4)}  ${r.queriesPerSecond.toFixed(0)} queries/s`,
    );
  }
recordRun(path.resolve(import.meta.dirname, 'results'), 'typos.json', 'scifact', {
  dataset: path.basename(path.resolve(opts.dataset)),
  seed: Number(opts.seed),
  queriesWithSlip: changed,
  queriesWithFirstLetterSlip: tested.filter((id) => first.get(id) !== clean.get(id)).length,
  queriesTested: tested.length,
  arms,
});
