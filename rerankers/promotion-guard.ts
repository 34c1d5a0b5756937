import type { Clickthrough } from '../src/domain/clickthrough.js';
import { featureScorer, modelScorer, type Interval } from './counterfactual.js';
import { compareOutOfFold, type GuardKind, type HeldOutComparison } from './held-out.js';
import type { FusionModel } from './model/fusion-model.js';

/** Candidate vs the serving ranker on the candidate's held-out queries (CONTRACTS.md, promotion guard). */
export interface PromotionComparison {
  metric: string;
  queries: number;
  impressions: number;
  candidate: Interval & { version: string };
  serving: Interval & { ranker: string; version: string | null };
  /** Paired per-impression difference candidate - serving. */
  difference: Interval;
  /**
   * How the candidate side was scored: `cross-fit` = each fold's impressions by the candidate's procedure fitted
   * without that fold's queries (held-out.ts); `holdout` = by the candidate itself on queries it never saw.
   */
  guard?: { kind: GuardKind; folds: number };
  /** Self-normalised IPS point estimates (candidate, serving, difference) beside the IPS ones the rule reads. */
  snips?: { candidate: number; serving: number; difference: number };
  /** True when the rule below holds. */
  better: boolean;
  rule: string;
  /** When refused: whether more clicks could settle it, and roughly how many (guardOutlook). */
  outlook?: GuardOutlook;
}

/**
 * A refused candidate's prospects. `behind`: it does not lead on the held-out queries, so more clicks of the same
 * traffic would not change the verdict. `undecided`: it leads within the noise; `queriesNeeded` is how many held-out
 * query groups would put the interval above 0 if the lead and the spread per query stayed as they are (the interval's
 * half-width falls as 1/sqrt(queries)); absent when that is over OUTLOOK_LIMIT times today's evidence.
 */
export interface GuardOutlook {
  kind: 'behind' | 'undecided';
  queriesNeeded?: number;
  message: string;
}

/** Past this many times today's held-out queries, a projection says only that the difference is too small to tell. */
export const OUTLOOK_LIMIT = 100;

export function guardOutlook(queries: number, d: Interval): GuardOutlook | undefined {
  if (d.low > 0) return undefined;
  if (!(d.estimate > 0) || queries <= 0)
    return {
      kind: 'behind',
      message:
        'the candidate does not lead the serving ranker on these queries: more clicks of the same traffic would not change the verdict',
    };
  const lead = d.estimate.toFixed(4);
  const factor = ((d.high - d.low) / 2 / d.estimate) ** 2;
  if (!(factor <= OUTLOOK_LIMIT))
    return {
      kind: 'undecided',
      message: `the candidate leads by ${lead}, far inside the noise: telling them apart would take over ${OUTLOOK_LIMIT} times today's ${queries} held-out query groups of clicks`,
    };
  const queriesNeeded = Math.ceil(queries * factor);
  return {
    kind: 'undecided',
    queriesNeeded,
    message: `the candidate leads by ${lead}, within the noise: if the lead holds, about ${queriesNeeded} query groups of clicks (now ${queries}) would show it; train again then`,
  };
}

/**
 * The rule: promote only when the 95% interval of the paired per-impression difference (candidate - serving,
 * counterfactual clicks on held-out queries' logged impressions; clustered by query group) lies above 0. A candidate equal to the
 * serving ranker, or one the held-out evidence cannot tell apart from it, is refused; `force` overrides.
 */
export const PROMOTION_RULE =
  'lower bound of the 95% interval of (candidate - serving) > 0, on held-out queries';

export function judge(
  version: string,
  c: HeldOutComparison,
  serving: { ranker: string; version: string | null },
): PromotionComparison {
  const better = c.impressions > 0 && c.difference.low > 0;
  const outlook = better
    ? undefined
    : guardOutlook(c.impressions > 0 ? c.queries : 0, c.difference);
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
    ...(c.guard ? { guard: c.guard } : {}),
    ...(c.snips
      ? {
          snips: {
            candidate: c.snips.candidate,
            serving: c.snips.baseline,
            difference: c.snips.difference,
          },
        }
      : {}),
    better,
    rule: PROMOTION_RULE,
    ...(outlook ? { outlook } : {}),
  };
}

/**
 * Re-reads the candidate's held-out impressions from the log and compares it with a serving model (or, without
 * one, with the baseline fusion whose score is the logged baseline feature). A cross-fitted candidate brings its
 * fold models: each fold's impressions are scored by the model fitted without them, as at training time.
 */
export function compareWithServing(
  candidate: {
    version: string;
    model: FusionModel;
    heldOutQueryIds: readonly string[];
    queries: number;
    folds?: readonly { queryIds: readonly string[]; model: FusionModel }[];
  },
  serving: { version: string; model: FusionModel } | undefined,
  /** The logged clickthroughs of the impressions whose query id `keep` accepts (src/feedback/training-set.ts). */
  clickthroughsOf: (keep: (queryId: string) => boolean) => Clickthrough[],
): PromotionComparison {
  const folds = candidate.folds ?? [
    { queryIds: candidate.heldOutQueryIds, model: candidate.model },
  ];
  const foldOf = new Map<string, number>();
  folds.forEach((f, k) => f.queryIds.forEach((q) => foldOf.set(q, k)));
  const F = candidate.model.o.F;
  const cts = clickthroughsOf((q) => foldOf.has(q)).filter(
    (c) => c.items.length > 1 && c.items.every((i) => i.features.length === F),
  );
  const meta = candidate.model.meta as { propensities?: number[] };
  const propensities = meta.propensities ?? [1];
  const sameRows = serving && serving.model.o.F === F;
  const reference = sameRows
    ? { ranker: 'model', scorer: modelScorer(serving.model) }
    : {
        ranker: candidate.model.shape.baseline?.fusion ?? 'rrf',
        scorer: featureScorer(candidate.model.shape.baseline?.feature ?? 0),
      };
  const c = compareOutOfFold(
    folds.map((f, k) => ({
      cts: cts.filter((ct) => foldOf.get(ct.queryId) === k),
      scorer: modelScorer(f.model),
    })),
    reference,
    propensities,
    10,
    candidate.queries,
    candidate.folds ? 'cross-fit' : 'holdout',
  ).comparison;
  return judge(candidate.version, c, {
    ranker: reference.ranker,
    version: sameRows ? serving.version : null,
  });
}
