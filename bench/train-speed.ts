/**
 * Training throughput: fit the fusion reranker on 1,000,000 logged click events (default) of the multimodal
 * world (10-item impressions served by RRF, 10% adjacent swaps, position-based clicks). The timed part is what
 * `chorus train` does after reading the log: propensities, list aggregation, IPS-weighted training with early
 * stopping, validation metrics. Clickthroughs are built in memory sharing their feature rows (a 1M-click log as
 * JSON events is ~4 GB of SQLite rows, beyond this bench's memory budget on a small shared machine). Reading the
 * log is measured on a real SQLite event log of `--log-sample` impressions (the same events the server logs:
 * impressions with their feature rows, clicks), read back through `buildClickthroughs` as `chorus train` does; the
 * full log's read time is projected from that rate (linear: one streaming pass), and reported beside the fit.
 *   npx tsx bench/train-speed.ts [--clicks 1000000] [--queries 3000] [--log-sample 100000]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { FeedbackEvent } from '../src/domain/feedback.js';
import {
  buildClickthroughs,
  QUERY_FEATURES_KEY,
  type Clickthrough,
} from '../src/feedback/training-set.js';
import { openChorusDb } from '../src/storage/index.js';
import { buildFeatureRows, FEATURE_SPEC_VERSION } from '../rerankers/features/index.js';
import { RrfReranker } from '../rerankers/fusion/index.js';
import { DEFAULT_EXAMINATION, simulatePbmClicks } from '../rerankers/letor/click-simulation.js';
import { Rng } from '../rerankers/random.js';
import { generateMultimodalWorld } from '../rerankers/simulation/multimodal-world.js';
import { trainFromClickthroughs } from '../rerankers/train-from-logs.js';

const { values: a } = parseArgs({
  options: {
    clicks: { type: 'string', default: '1000000' },
    queries: { type: 'string', default: '3000' },
    loss: { type: 'string', default: 'listwise' },
    'log-sample': { type: 'string', default: '100000' },
  },
});
const target = Number(a.clicks);
const world = generateMultimodalWorld({ queries: Number(a.queries), seed: 4 });
const rrf = new RrfReranker();
const served = await Promise.all(
  world.map(async (q) => {
    const ctx = { queryKind: q.kind, queryModalities: q.queryModalities };
    const fr = buildFeatureRows(q.candidates, ctx);
    const rowOf = new Map(q.candidates.map((c, i) => [c.id, fr.rows[i]!]));
    const top = (await rrf.rerank(q.candidates, ctx)).slice(0, 10);
    return {
      q,
      top: top.map((h) => ({ id: h.id, row: rowOf.get(h.id)!, grade: q.labels.get(h.id) ?? 0 })),
      queryFeatures: fr.queryFeatures,
    };
  }),
);
const rng = new Rng(7);
const cts: Clickthrough[] = [];
let clicks = 0;
let t = 1_700_000_000_000;
while (clicks < target) {
  const s = served[rng.int(served.length)]!;
  const shown = [...s.top];
  const swapped: number[] = [];
  if (rng.next() < 0.1) {
    const k = rng.int(shown.length - 1);
    [shown[k], shown[k + 1]] = [shown[k + 1]!, shown[k]!];
    swapped.push(k);
  }
  const c = simulatePbmClicks(
    shown.map((x) => x.grade),
    rng,
    { maxGrade: 4, examination: DEFAULT_EXAMINATION },
  );
  c.forEach((x) => x && clicks++);
  cts.push({
    queryId: `${s.q.queryId}-${cts.length}`,
    collection: 'bench',
    rankerVersion: 'rrf',
    timestamp: (t += 100),
    queryFeatures: s.queryFeatures,
    items: shown.map((x, position) => ({
      id: x.id,
      position,
      features: x.row,
      clicked: c[position]!,
      label: c[position]! ? 1 : 0,
    })),
    swapped,
  });
}
console.log(
  `${clicks} click events on ${cts.length} impressions (${cts.length * 10} shown items), ${world.length} distinct queries`,
);
// Reading the log: a real SQLite event log of the first `log-sample` impressions, read as `chorus train` reads it.
const sampleN = Math.min(cts.length, Number(a['log-sample']));
const logDir = mkdtempSync(path.join(tmpdir(), 'chorus-train-speed-'));
const db = openChorusDb(logDir);
let read: { impressions: number; seconds: number; perSecond: number; projectedSeconds: number };
try {
  for (let i = 0; i < sampleN; i += 2000) {
    const batch: FeedbackEvent[] = [];
    for (const ct of cts.slice(i, Math.min(sampleN, i + 2000))) {
      const features: Record<string, number[]> = { [QUERY_FEATURES_KEY]: [...ct.queryFeatures!] };
      for (const it of ct.items) features[it.id] = [...it.features];
      batch.push({
        type: 'impression',
        eventId: `imp_${ct.queryId}`,
        collection: 'bench',
        queryId: ct.queryId,
        items: ct.items.map((it) => ({ id: it.id, position: it.position })),
        rankerVersion: 'rrf',
        features,
        featureSpecVersion: FEATURE_SPEC_VERSION,
        timestamp: ct.timestamp,
        ...(ct.swapped?.length ? { swapped: ct.swapped } : {}),
      } as FeedbackEvent);
      for (const it of ct.items)
        if (it.clicked)
          batch.push({
            type: 'click',
            eventId: `c_${ct.queryId}_${it.position}`,
            collection: 'bench',
            queryId: ct.queryId,
            itemId: it.id,
            timestamp: ct.timestamp + 1,
          });
    }
    db.events.append(batch, { origin: 'server' });
  }
  const t0 = performance.now();
  const back = buildClickthroughs(db.events.iterate({ collection: 'bench' }), {
    dropUnclicked: false,
  });
  const seconds = (performance.now() - t0) / 1000;
  if (back.length !== sampleN) throw new Error(`read ${back.length} of ${sampleN} impressions`);
  read = {
    impressions: sampleN,
    seconds,
    perSecond: sampleN / seconds,
    projectedSeconds: (seconds * cts.length) / sampleN,
  };
} finally {
  db.close();
  rmSync(logDir, { recursive: true, force: true });
}
console.log(
  `read ${read.impressions} logged impressions back from SQLite in ${read.seconds.toFixed(1)} s (${read.perSecond.toFixed(0)}/s): the full log (${cts.length}) ~${read.projectedSeconds.toFixed(0)} s`,
);

const started = performance.now();
const trained = trainFromClickthroughs(cts, {
  seed: 1,
  epochs: 40,
  hidden: 16,
  loss: a.loss as 'listwise' | 'pairwise',
});
const seconds = (performance.now() - started) / 1000;
console.log(
  `trained in ${seconds.toFixed(1)} s; with reading the log ~${(seconds + read.projectedSeconds).toFixed(0)} s (target <= 120 s on 2 cores): ${trained.metrics.trainLists} distinct train lists, best epoch ${trained.metrics.bestEpoch}, validation nDCG@10 ${trained.metrics.validationNdcg10.toFixed(4)}, propensities from ${trained.propensitySource}`,
);
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/train-speed.json',
  JSON.stringify(
    {
      clicks,
      impressions: cts.length,
      seconds,
      read,
      totalSeconds: seconds + read.projectedSeconds,
      loadAverage: loadavg(),
      data: 'synthetic multimodal world (rerankers/simulation/multimodal-world.ts), RRF-served 10-item lists, PBM clicks',
      trainLists: trained.metrics.trainLists,
      bestEpoch: trained.metrics.bestEpoch,
      validationNdcg10: trained.metrics.validationNdcg10,
    },
    null,
    2,
  ),
);
