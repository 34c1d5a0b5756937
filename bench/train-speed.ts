/**
 * Training throughput end to end, as `chorus train` runs it: read a real SQLite event log of 1,000,000 click events
 * (default) and fit the fusion reranker on it. The log is written once through the engine's impression logger
 * (`src/bench/click-log-writer.ts`: the multimodal world's RRF top-10 lists, rows packed as the server stores them,
 * position-based clicks as client events) into `--dir`, and reused by later runs. Timed: `readClickthroughs` (the
 * log -> clickthroughs, one streaming pass) then `trainFromClickthroughs` (propensities, aggregation, IPS training
 * with early stopping, validation), i.e. `fitFromLogs` in two halves.
 *
 * Baseline in the same run: the first `--json-sample` impressions of the same log (with their clicks) written with
 * JSON rows, as logs before schema 6 hold them, read through the same path; its rate is what reading the whole log
 * cost before packed rows.
 *   npx tsx bench/train-speed.ts --dir /var/tmp/chorus-train-log [--clicks 1000000] [--write-only]
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { readClickthroughs, type FitRequest } from '../src/model-registry/fit-from-logs.js';
import { trainFromClickthroughs } from '../rerankers/train-from-logs.js';
import { writeSimulatedClickLog, type SimulatedLog } from '../src/bench/click-log-writer.js';
import { openChorusDb } from '../src/storage/index.js';
import { PACKED_ROWS_FORMAT } from '../src/feedback/packed-rows.js';

const { values: a } = parseArgs({
  options: {
    clicks: { type: 'string', default: '1000000' },
    queries: { type: 'string', default: '3000' },
    loss: { type: 'string', default: 'listwise' },
    dir: { type: 'string' },
    'json-sample': { type: 'string', default: '100000' },
    'write-only': { type: 'boolean', default: false },
    out: { type: 'string', default: 'bench/results/train-speed.json' },
  },
});
const clicks = Number(a.clicks);
const queries = Number(a.queries);
const C = 'bench';
const dir = a.dir ?? mkdtempSync(path.join(tmpdir(), 'chorus-train-speed-'));
const mine = a.dir === undefined;

interface LogMeta extends SimulatedLog {
  writeSeconds: number;
  /** Events' body and row bytes (what the rows cost before storage overhead). */
  bytes: number;
  /** chorus.db on disk after a checkpoint: rows, indexes and the space pages leave empty (clicks included). */
  fileBytes: number;
}

/** Writes (or finds) a log of `clicks` click events; `sampleImpressions` caps it by impressions instead. */
async function ensureLog(
  logDir: string,
  o: { packRows: boolean; clicks: number; maxImpressions?: number },
): Promise<LogMeta> {
  const metaFile = path.join(logDir, 'log.json');
  // The row format is part of the key: a log written before format 2 is written again.
  const key = {
    clicks: o.clicks,
    queries,
    packRows: o.packRows,
    maxImpressions: o.maxImpressions,
    rowFormat: PACKED_ROWS_FORMAT,
  };
  if (existsSync(metaFile)) {
    const m = JSON.parse(readFileSync(metaFile, 'utf8')) as LogMeta & { key: typeof key };
    if (JSON.stringify(m.key) === JSON.stringify(key)) return m;
    rmSync(logDir, { recursive: true, force: true });
  }
  mkdirSync(logDir, { recursive: true });
  const db = openChorusDb(logDir);
  const t0 = performance.now();
  let last = t0;
  const log = await writeSimulatedClickLog(db, {
    collection: C,
    clicks: o.clicks,
    queries,
    packRows: o.packRows,
    maxImpressions: o.maxImpressions,
    onProgress: (c, n) => {
      if (performance.now() - last < 10_000) return;
      last = performance.now();
      console.log(`  writing ${path.basename(logDir)}: ${c} clicks, ${n} impressions`);
    },
  });
  const writeSeconds = (performance.now() - t0) / 1000;
  db.raw.pragma('wal_checkpoint(TRUNCATE)');
  const bytes = (
    db.raw
      .prepare('SELECT SUM(LENGTH(body) + IFNULL(LENGTH(feature_rows), 0)) AS b FROM events')
      .get() as { b: number }
  ).b;
  db.close();
  const fileBytes = statSync(path.join(logDir, 'chorus.db')).size;
  const meta: LogMeta = { ...log, writeSeconds, bytes, fileBytes };
  writeFileSync(metaFile, JSON.stringify({ ...meta, key }, null, 2));
  console.log(
    `wrote ${log.impressions} impressions + ${log.clicks} clicks to ${logDir} in ${writeSeconds.toFixed(0)} s (${(bytes / 2 ** 30).toFixed(2)} GiB of events)`,
  );
  return meta;
}

try {
  const full = await ensureLog(path.join(dir, 'packed'), { packRows: true, clicks });
  const sampleN = Math.min(Number(a['json-sample']), full.impressions);
  const sample = await ensureLog(path.join(dir, 'json-sample'), {
    packRows: false,
    clicks,
    maxImpressions: sampleN,
  });
  if (!a['write-only']) await timeRun(full, sample);
} finally {
  if (mine) rmSync(dir, { recursive: true, force: true });
}

async function timeRun(full: LogMeta, sample: LogMeta): Promise<void> {
  const req: FitRequest = {
    collection: C,
    seed: 1,
    epochs: 40,
    hidden: 16,
    loss: a.loss as 'listwise' | 'pairwise',
  };
  const timeRead = (logDir: string) => {
    const db = openChorusDb(logDir);
    try {
      const t0 = performance.now();
      const report = { untrainable: 0 };
      const cts = readClickthroughs(db, req, report);
      return { cts, seconds: (performance.now() - t0) / 1000, untrainable: report.untrainable };
    } finally {
      db.close();
    }
  };
  console.log(
    `load average at start ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  // The baseline first (JSON rows), so its garbage is gone before the full read.
  const base = timeRead(path.join(dir, 'json-sample'));
  const baseline = {
    impressions: base.cts.length,
    seconds: base.seconds,
    perSecond: base.cts.length / base.seconds,
    projectedSeconds: (base.seconds * full.impressions) / base.cts.length,
  };
  base.cts.length = 0;
  console.log(
    `baseline (JSON rows, as before schema 6): ${baseline.impressions} impressions in ${baseline.seconds.toFixed(1)} s = ${baseline.perSecond.toFixed(0)}/s -> the full log ~${baseline.projectedSeconds.toFixed(0)} s`,
  );

  const started = performance.now();
  const read = timeRead(path.join(dir, 'packed'));
  if (read.cts.length !== full.impressions)
    throw new Error(`read ${read.cts.length} of ${full.impressions} impressions`);
  const t1 = performance.now();
  const fitStages: Record<string, number> = {};
  const trained = trainFromClickthroughs(read.cts, {
    ...req,
    onStage: (stage, seconds) => (fitStages[stage] = seconds),
  });
  const fitSeconds = (performance.now() - t1) / 1000;
  const totalSeconds = (performance.now() - started) / 1000;
  const load = loadavg();
  console.log(
    `read ${read.cts.length} impressions (${full.clicks} clicks) in ${read.seconds.toFixed(1)} s (${(read.cts.length / read.seconds).toFixed(0)}/s, ${(baseline.projectedSeconds / read.seconds).toFixed(1)}x the JSON-row read) + fit ${fitSeconds.toFixed(1)} s = ${totalSeconds.toFixed(1)} s (target <= 120 s on 2 cores); ${trained.metrics.trainLists} train lists, best epoch ${trained.metrics.bestEpoch}, validation nDCG@10 ${trained.metrics.validationNdcg10.toFixed(4)}, propensities from ${trained.propensitySource}; load average ${load.map((x) => x.toFixed(2)).join(' ')}`,
  );
  console.log(
    `fit stages (s): ${Object.entries(fitStages)
      .map(([k, v]) => `${k} ${v.toFixed(1)}`)
      .join(', ')}`,
  );
  mkdirSync(path.dirname(a.out), { recursive: true });
  writeFileSync(
    a.out,
    JSON.stringify(
      {
        clicks: full.clicks,
        impressions: full.impressions,
        read: {
          impressions: read.cts.length,
          seconds: read.seconds,
          perSecond: read.cts.length / read.seconds,
          untrainable: read.untrainable,
        },
        fitSeconds,
        fitStages,
        totalSeconds,
        targetSeconds: 120,
        baseline: {
          rows: 'json (logs before schema 6)',
          ...baseline,
          bytesPerImpression: sample.bytes / sample.impressions,
          fileBytesPerImpression: sample.fileBytes / sample.impressions,
        },
        log: {
          rows: `packed float32 (schema 6), format ${PACKED_ROWS_FORMAT} (zeros left out)`,
          bytes: full.bytes,
          bytesPerImpression: full.bytes / full.impressions,
          fileBytes: full.fileBytes,
          fileBytesPerImpression: full.fileBytes / full.impressions,
          writeSeconds: full.writeSeconds,
          writtenThrough:
            'logImpression -> EventBatcher -> EventsRepo.append (server), clicks as client events',
        },
        loadAverage: load,
        data: 'synthetic multimodal world (rerankers/simulation/multimodal-world.ts), RRF-served 10-item lists, PBM clicks, a real SQLite event log',
        trainLists: trained.metrics.trainLists,
        bestEpoch: trained.metrics.bestEpoch,
        propensitySource: trained.propensitySource,
        validationNdcg10: trained.metrics.validationNdcg10,
      },
      null,
      2,
    ),
  );
}
