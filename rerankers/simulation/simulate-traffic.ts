import type { FeedbackEventInput } from '../../src/domain/feedback.js';
import { QUERY_FEATURES_KEY } from '../features/index.js';
import { DEFAULT_EXAMINATION, simulatePbmClicks } from '../letor/click-simulation.js';
import { Rng } from '../random.js';
import type { Reranker } from '../reranker.js';
import type { WorldQuery } from './multimodal-world.js';

export interface TrafficOptions {
  collection: string;
  sessions: number;
  seed?: number;
  listLength?: number;
  /** Share of sessions whose adjacent pair (k, k+1) is swapped at random. */
  swapShare?: number;
  examination?: readonly number[];
  startTime?: number;
}

/**
 * Replays user sessions against a reranker: each session picks a query, serves the reranker's top list
 * (impression with the served feature rows, as the engine logs them) and simulates position-based clicks
 * from the judged grades. Returns feedback events ready for the event store.
 */
export async function simulateTraffic(
  world: readonly WorldQuery[],
  reranker: Reranker,
  o: TrafficOptions,
): Promise<FeedbackEventInput[]> {
  const rng = new Rng(o.seed ?? 5);
  const L = o.listLength ?? 10;
  const events: FeedbackEventInput[] = [];
  const served = new Map<string, Awaited<ReturnType<Reranker['rerank']>>>();
  let t = o.startTime ?? 1_700_000_000_000;
  for (let s = 0; s < o.sessions; s++) {
    const q = world[rng.int(world.length)]!;
    let hits = served.get(q.queryId);
    if (!hits) {
      hits = await reranker.rerank(q.candidates, {
        queryKind: q.kind,
        queryModalities: q.queryModalities,
        collection: o.collection,
      });
      served.set(q.queryId, hits);
    }
    const top = hits.slice(0, L);
    const shown = [...top];
    const swapped: number[] = [];
    if (o.swapShare && rng.next() < o.swapShare && shown.length > 1) {
      const k = rng.int(shown.length - 1);
      [shown[k], shown[k + 1]] = [shown[k + 1]!, shown[k]!];
      swapped.push(k);
    }
    const queryId = `${q.queryId}-s${s}`;
    const features: Record<string, number[]> = {};
    for (const h of shown) if (h.features) features[h.id] = h.features;
    if (top[0]?.queryFeatures) features[QUERY_FEATURES_KEY] = top[0].queryFeatures;
    t += 1000;
    events.push({
      type: 'impression',
      eventId: `imp-${queryId}`,
      collection: o.collection,
      queryId,
      timestamp: t,
      rankerVersion: top[0]?.explanation.ranker ?? reranker.version,
      items: shown.map((h, position) => ({ id: h.id, position })),
      features,
      ...(swapped.length ? { swapped } : {}),
    });
    const clicks = simulatePbmClicks(
      shown.map((h) => q.labels.get(h.id) ?? 0),
      rng,
      { maxGrade: 4, examination: o.examination ?? DEFAULT_EXAMINATION },
    );
    clicks.forEach((c, k) => {
      if (c)
        events.push({
          type: 'click',
          eventId: `clk-${queryId}-${k}`,
          collection: o.collection,
          queryId,
          itemId: shown[k]!.id,
          position: k,
          timestamp: t + 10 + k,
        });
    });
  }
  return events;
}
