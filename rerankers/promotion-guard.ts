import type { FeedbackEvent } from '../src/domain/feedback.js';
import { buildClickthroughs, type LoggedEvent } from '../src/feedback/training-set.js';
import { featureScorer, modelScorer, type Interval } from './counterfactual.js';
import type { FusionModel } from './model/fusion-model.js';
import { compareHeldOut, type HeldOutComparison } from './train-from-logs.js';

/** Candidate vs the serving ranker on the candidate's held-out queries (CONTRACTS.md, promotion guard). */
export interface PromotionComparison {
  metric: string;
  queries: number;
  impressions: number;
  candidate: Interval & { version: string };
  serving: Interval & { ranker: string; version: string | null };
  /** Paired per-impression difference candidate - serving. */
  difference: Interval;
  /** True when the rule below holds. */
  better: boolean;
  rule: string;
}

/**
 * The rule: promote only when the 95% interval of the paired per-impression difference (candidate - serving,
 * counterfactual clicks on held-out queries' logged impressions) lies above 0. A candidate equal to the
 * serving ranker, or one the held-out evidence cannot tell apart from it, is refused; `force` overrides.
 */
export const PROMOTION_RULE =
  'lower bound of the 95% interval of (candidate - serving) > 0, on held-out queries';

export function judge(
  version: string,
  c: HeldOutComparison,
  serving: { ranker: string; version: string | null },
): PromotionComparison {
  return {
    metric: c.metric,
    queries: c.queries,
    impressions: c.impressions,
    candidate: {
      version,
      estimate: c.candidate.estimate,
      low: c.candidate.low,
      high: c.candidate.high,
    },
    serving: {
      ...serving,
      estimate: c.baseline.estimate,
      low: c.baseline.low,
      high: c.baseline.high,
    },
    difference: c.difference,
    better: c.impressions > 0 && c.difference.low > 0,
    rule: PROMOTION_RULE,
  };
}

/**
 * Re-reads the candidate's held-out impressions from the log and compares it with a serving model (or, without
 * one, with the baseline fusion whose score is the logged baseline feature).
 */
export function compareWithServing(
  candidate: {
    version: string;
    model: FusionModel;
    heldOutQueryIds: readonly string[];
    queries: number;
  },
  serving: { version: string; model: FusionModel } | undefined,
  events: Iterable<FeedbackEvent | LoggedEvent>,
): PromotionComparison {
  const held = new Set(candidate.heldOutQueryIds);
  const F = candidate.model.o.F;
  const cts = buildClickthroughs(
    (function* () {
      for (const x of events) {
        const e = 'event' in x ? x.event : x;
        if (e.queryId && held.has(e.queryId)) yield x;
      }
    })(),
  ).filter((c) => c.items.length > 1 && c.items.every((i) => i.features.length === F));
  const meta = candidate.model.meta as { propensities?: number[] };
  const propensities = meta.propensities ?? [1];
  const sameRows = serving && serving.model.o.F === F;
  const reference = sameRows
    ? { ranker: 'model', scorer: modelScorer(serving.model) }
    : {
        ranker: candidate.model.shape.baseline?.fusion ?? 'rrf',
        scorer: featureScorer(candidate.model.shape.baseline?.feature ?? 0),
      };
  const c = compareHeldOut(
    modelScorer(candidate.model),
    reference,
    cts,
    propensities,
    10,
    candidate.queries,
  );
  return judge(candidate.version, c, {
    ranker: reference.ranker,
    version: sameRows ? serving.version : null,
  });
}
