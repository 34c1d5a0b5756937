import type { FeedbackEventInput } from '../domain/feedback.js';
import type { RankedHit } from '../domain/candidate.js';
import { logImpression } from '../engine/impression-log.js';
import { EventBatcher } from '../engine/event-batcher.js';
import type { ChorusDb } from '../storage/index.js';
import { buildFeatureRows } from '../../rerankers/features/index.js';
import { RrfReranker } from '../../rerankers/fusion/index.js';
import { DEFAULT_EXAMINATION, simulatePbmClicks } from '../../rerankers/letor/click-simulation.js';
import { Rng } from '../../rerankers/random.js';
import { generateMultimodalWorld } from '../../rerankers/simulation/multimodal-world.js';

export interface SimulatedLogOptions {
  collection: string;
  /** Stop once this many click events are logged. */
  clicks: number;
  /** Or once this many impressions are (the first impressions of the same log: writing is deterministic). */
  maxImpressions?: number;
  /** Distinct queries of the multimodal world (each served its RRF top list, 10 shown). */
  queries?: number;
  seed?: number;
  /** false: server rows stay in the JSON body, as logs written before schema 6. */
  packRows?: boolean;
  startTime?: number;
  onProgress?: (clicks: number, impressions: number) => void;
}

export interface SimulatedLog {
  clicks: number;
  impressions: number;
  queries: number;
}

/**
 * Writes a click log the way a server does: every impression goes through the engine's impression logger
 * (`logImpression`: rows of the shown hits and the query row, group-committed by an EventBatcher into the event
 * log as server events) and clicks arrive as client events, position-based clicks on the multimodal world's grades.
 * The shown hits carry the rows the extractor computed for their list (what the learned ranker hands the logger),
 * so the logger does not re-extract them for every impression.
 */
export async function writeSimulatedClickLog(
  db: ChorusDb,
  o: SimulatedLogOptions,
): Promise<SimulatedLog> {
  const world = generateMultimodalWorld({ queries: o.queries ?? 3000, seed: o.seed ?? 4 });
  const rrf = new RrfReranker();
  const served = await Promise.all(
    world.map(async (q) => {
      const ctx = { queryKind: q.kind, queryModalities: q.queryModalities };
      const fr = buildFeatureRows(q.candidates, ctx);
      const rowOf = new Map(q.candidates.map((c, i) => [c.id, Array.from(fr.rows[i]!)]));
      const queryFeatures = Array.from(fr.queryFeatures);
      const hits: RankedHit[] = (await rrf.rerank(q.candidates, ctx))
        .slice(0, 10)
        .map((h) => ({ ...h, features: rowOf.get(h.id)!, queryFeatures }));
      return { q, ctx, hits, grades: hits.map((h) => q.labels.get(h.id) ?? 0) };
    }),
  );
  const packRows = o.packRows;
  const impressions = new EventBatcher(
    async (batch) => db.events.append(batch, { origin: 'server', packRows }),
    (e) => {
      throw e;
    },
  );
  const rng = new Rng((o.seed ?? 4) + 3);
  let t = o.startTime ?? 1_700_000_000_000;
  let clicks = 0;
  let n = 0;
  let pending: FeedbackEventInput[] = [];
  const deps = { impressions, ingest: () => Promise.resolve(), now: () => t };
  const maxImpressions = o.maxImpressions ?? Infinity;
  while (clicks < o.clicks && n < maxImpressions) {
    const s = served[rng.int(served.length)]!;
    const queryId = `${s.q.queryId}-${n++}`;
    t += 100;
    await logImpression(deps, {
      collection: o.collection,
      queryId,
      reranker: rrf,
      ctx: s.ctx,
      candidates: s.q.candidates,
      hits: s.hits,
    });
    simulatePbmClicks(s.grades, rng, { maxGrade: 4, examination: DEFAULT_EXAMINATION }).forEach(
      (clicked, position) => {
        if (!clicked || clicks >= o.clicks) return;
        clicks++;
        pending.push({
          type: 'click',
          eventId: `c_${queryId}_${position}`,
          collection: o.collection,
          queryId,
          itemId: s.hits[position]!.id,
          position,
          timestamp: t + 1,
        });
      },
    );
    if (n % 1000 === 0) {
      // Impressions first, then their clicks (as a client reports them after seeing the list).
      await impressions.flush();
      db.events.append(pending);
      pending = [];
      o.onProgress?.(clicks, n);
    }
  }
  await impressions.flush();
  if (pending.length) db.events.append(pending);
  return { clicks, impressions: n, queries: world.length };
}
