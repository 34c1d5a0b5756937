/**
 * What logging feature rows costs a baseline fusion: per request, RRF / weighted / DBSF alone beside the same
 * ranker plus the rows the engine now logs for every impression (extractor run once over the candidate list,
 * shown hits' rows copied out), measured in the same run on synthetic candidate lists.
 *   npx tsx bench/impression-rows.ts [--candidates 400] [--shown 10] [--iterations 500]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadavg } from 'node:os';
import type { Candidate } from '../src/domain/candidate.js';
import { servedFeatureRows } from '../src/engine/impression-log.js';
import { RANK_SOURCES } from '../rerankers/features/sources.js';
import { createBaselineRerankers } from '../rerankers/fusion/index.js';
import { Rng } from '../rerankers/random.js';

const { values: a } = parseArgs({
  options: {
    candidates: { type: 'string', default: '400' },
    shown: { type: 'string', default: '10' },
    iterations: { type: 'string', default: '500' },
  },
});
const n = Number(a.candidates);
const shown = Number(a.shown);
const iterations = Number(a.iterations);
const rng = new Rng(1);
const candidates: Candidate[] = Array.from({ length: n }, (_, i) => {
  const sources: Candidate['sources'] = {};
  for (const s of RANK_SOURCES)
    if (rng.next() < 0.4) sources[s] = { source: s, score: rng.next(), rank: rng.int(100) };
  return {
    id: `item-${i}`,
    payload: {},
    sources,
    priors: { ctr: rng.next() * 0.1, popularity: rng.next() * 4 },
  };
});
const ctx = { queryKind: 'text' as const, queryModalities: ['text'] };
const rankers = createBaselineRerankers();

async function time(
  fn: () => Promise<unknown>,
): Promise<{ p50: number; p95: number; mean: number }> {
  for (let i = 0; i < 30; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t = performance.now();
    await fn();
    ms.push(performance.now() - t);
  }
  ms.sort((x, y) => x - y);
  return {
    p50: ms[Math.floor(ms.length * 0.5)]!,
    p95: ms[Math.floor(ms.length * 0.95)]!,
    mean: ms.reduce((p, c) => p + c, 0) / ms.length,
  };
}

console.log(
  `${n} candidates, ${shown} shown, ${iterations} iterations, load average ${loadavg()[0]!.toFixed(2)}`,
);
const rows: Record<string, unknown>[] = [];
for (const name of ['rrf', 'weighted', 'dbsf'] as const) {
  const r = rankers[name];
  const alone = await time(() => r.rerank(candidates, ctx));
  const logged = await time(async () => {
    const hits = (await r.rerank(candidates, ctx)).slice(0, shown);
    return servedFeatureRows({ candidates, hits, ctx });
  });
  const extra = logged.p50 - alone.p50;
  console.log(
    `${name.padEnd(9)} rank only p50 ${alone.p50.toFixed(3)} ms | rank + rows p50 ${logged.p50.toFixed(3)} ms (p95 ${logged.p95.toFixed(3)}) | rows add ${extra.toFixed(3)} ms`,
  );
  rows.push({ ranker: name, rankOnly: alone, rankAndRows: logged, addedP50Ms: extra });
}
mkdirSync('bench/results', { recursive: true });
writeFileSync(
  'bench/results/impression-rows.json',
  JSON.stringify(
    {
      data: 'synthetic candidate lists (seeded)',
      candidates: n,
      shown,
      iterations,
      loadavg: loadavg()[0],
      results: rows,
    },
    null,
    2,
  ) + '\n',
);
