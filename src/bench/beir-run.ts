import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { recordRun } from './results-file.js';
import { isEncodeFailure, type Encoder } from '../../indexers/encoder.js';
import { Bm25Index, DEFAULT_BM25 } from '../lexical/bm25-index.js';
import { ChorusError } from '../errors.js';
import { readCorpus, readQrels, readQueries, type BeirDoc } from './beir-data.js';
import { mrrAt, ndcgAt, recallAt } from './ir-metrics.js';

export type BeirRetriever = 'bm25' | 'dense' | 'hybrid';

export interface BeirOptions {
  dataset: string;
  retriever: BeirRetriever;
  split?: string;
  /** Dense/hybrid: the text encoder (from the registry); undefined means none is available offline. */
  textEncoder?: Encoder;
  /** Only the first N test queries (quick runs). */
  maxQueries?: number;
  /** BM25 typo tolerance (default: the index's default, on). */
  typoTolerance?: boolean;
  /** BM25 prefix search: each query's last word also matches the words it begins (default off). */
  prefix?: boolean;
  /** Query texts replacing the dataset's (bench/typos.ts: the same queries with typing slips). */
  queries?: Map<string, string>;
  log?: (line: string) => void;
}

export interface BeirResult {
  dataset: string;
  retriever: BeirRetriever;
  split: string;
  documents: number;
  queries: number;
  ndcg10: number;
  mrr10: number;
  recall100: number;
  queriesPerSecond: number;
  indexSeconds: number;
  encoder?: string;
  bm25: { k1: number; b: number; typoTolerance: boolean; prefix?: boolean };
}

const DEPTH = 100;

/**
 * BEIR evaluation: index corpus.jsonl (title + text), run every query in qrels/<split>.tsv, report nDCG@10,
 * MRR@10, recall@100 and queries/s (search only). BM25 uses Chorus's own index (k1 1.2, b 0.75) in a temp dir;
 * dense uses the text encoder with exact cosine; hybrid fuses both lists with RRF (k = 60).
 */
export async function runBeir(opts: BeirOptions): Promise<BeirResult> {
  const log = opts.log ?? (() => {});
  const split = opts.split ?? 'test';
  if ((opts.retriever === 'dense' || opts.retriever === 'hybrid') && !opts.textEncoder) {
    throw new ChorusError(
      'MODEL_MISSING',
      `--retriever ${opts.retriever} needs a text embedding model, and none is available (offline and no CHORUS_MODEL_DIR). ` +
        'Put one (e.g. Xenova/all-MiniLM-L6-v2) in CHORUS_MODEL_DIR or allow hub downloads, or use --retriever bm25.',
    );
  }
  const queries = opts.queries ?? readQueries(opts.dataset);
  const qrels = readQrels(opts.dataset, split);
  const qids = [...qrels.keys()]
    .filter((q) => queries.has(q))
    .slice(0, opts.maxQueries ?? Infinity);
  const docs: BeirDoc[] = [];
  for await (const d of readCorpus(opts.dataset)) docs.push(d);
  log(`${docs.length} documents, ${qids.length} queries (${split})`);

  const tmp = mkdtempSync(path.join(tmpdir(), 'chorus-beir-'));
  const params = { ...DEFAULT_BM25, typoTolerance: opts.typoTolerance ?? true };
  const bm25 = new Bm25Index(path.join(tmp, 'lexical.sqlite'), params);
  try {
    const t0 = performance.now();
    let dense: Float32Array[] | undefined;
    if (opts.retriever !== 'dense') {
      for (let i = 0; i < docs.length; i += 1000)
        await bm25.upsert(
          'beir',
          docs.slice(i, i + 1000).map((d) => ({ id: d.id, text: `${d.title}\n${d.text}` })),
        );
    }
    if (opts.retriever !== 'bm25')
      dense = await encodeAll(
        opts.textEncoder!,
        docs.map((d) => `${d.title}\n${d.text}`),
        log,
      );
    const indexSeconds = (performance.now() - t0) / 1000;
    log(`indexed in ${indexSeconds.toFixed(1)}s`);

    let ndcg = 0;
    let mrr = 0;
    let recall = 0;
    const t1 = performance.now();
    for (const qid of qids) {
      const text = queries.get(qid)!;
      const lists: string[][] = [];
      if (opts.retriever !== 'dense')
        lists.push(bm25.search('beir', text, DEPTH, { prefix: opts.prefix }).map((h) => h.id));
      if (dense) {
        const [q] = await encodeAll(opts.textEncoder!, [text]);
        lists.push(exactTopK(q!, dense, DEPTH).map((i) => docs[i]!.id));
      }
      const ranked = lists.length === 1 ? lists[0]! : rrf(lists, 60).slice(0, DEPTH);
      const rel = qrels.get(qid)!;
      ndcg += ndcgAt(ranked, rel, 10);
      mrr += mrrAt(ranked, rel, 10);
      recall += recallAt(ranked, rel, DEPTH);
    }
    const seconds = (performance.now() - t1) / 1000;
    const n = qids.length || 1;
    return {
      dataset: path.basename(path.resolve(opts.dataset)),
      retriever: opts.retriever,
      split,
      documents: docs.length,
      queries: qids.length,
      ndcg10: ndcg / n,
      mrr10: mrr / n,
      recall100: recall / n,
      queriesPerSecond: qids.length / seconds,
      indexSeconds,
      ...(opts.textEncoder && opts.retriever !== 'bm25'
        ? { encoder: opts.textEncoder.modelId }
        : {}),
      bm25: {
        k1: params.k1,
        b: params.b,
        typoTolerance: params.typoTolerance,
        ...(opts.prefix ? { prefix: true } : {}),
      },
    };
  } finally {
    await bm25.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}

async function encodeAll(
  encoder: Encoder,
  texts: string[],
  log?: (l: string) => void,
): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let i = 0; i < texts.length; i += 32) {
    for (const r of await encoder.encode(texts.slice(i, i + 32))) {
      if (isEncodeFailure(r))
        throw new ChorusError('MEDIA_DECODE', `text encoding failed: ${r.error.reason}`);
      out.push(r);
    }
    if (log && i % 1024 === 0 && texts.length > 1) log(`  encoded ${i}/${texts.length}`);
  }
  return out;
}

function exactTopK(q: Float32Array, vectors: Float32Array[], k: number): number[] {
  const norm = (v: Float32Array) => Math.sqrt(v.reduce((a, x) => a + x * x, 0)) || 1;
  const qn = norm(q);
  const scored = vectors.map((v, i) => {
    let dot = 0;
    for (let j = 0; j < v.length; j++) dot += v[j]! * q[j]!;
    return [i, dot / (qn * norm(v))] as const;
  });
  return scored
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([i]) => i);
}

function rrf(lists: string[][], k: number): string[] {
  const score = new Map<string, number>();
  for (const list of lists)
    list.forEach((id, r) => score.set(id, (score.get(id) ?? 0) + 1 / (k + r + 1)));
  return [...score].sort((a, b) => b[1] - a[1]).map(([id]) => id);
}

/** Prints the figures and records them in bench/results/beir.json (one entry per dataset x retriever). */
export function reportBeir(r: BeirResult, resultsDir: string, out: (line: string) => void): void {
  out(
    `BEIR ${r.dataset} (${r.split}) retriever=${r.retriever}${r.encoder ? ` encoder=${r.encoder}` : ''}: ${r.documents} docs, ${r.queries} queries`,
  );
  out(`  nDCG@10   ${r.ndcg10.toFixed(4)}`);
  out(`  MRR@10    ${r.mrr10.toFixed(4)}`);
  out(`  recall@100 ${r.recall100.toFixed(4)}`);
  out(`  queries/s ${r.queriesPerSecond.toFixed(1)}   (index ${r.indexSeconds.toFixed(1)}s)`);
  if (r.retriever === 'bm25') out(`  reference: BEIR paper BM25 on SciFact nDCG@10 = 0.665`);
  recordRun(resultsDir, 'beir.json', `${r.dataset}:${r.retriever}`, r);
}
