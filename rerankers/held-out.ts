import type { Clickthrough } from '../src/domain/clickthrough.js';
import { queryGroups } from './query-split.js';
import {
  clusteredInterval,
  COUNTERFACTUAL_METRIC,
  perImpressionClicks,
  type CounterfactualEstimate,
  type Interval,
  type ListScorer,
} from './counterfactual.js';

/**
 * How the promotion guard's candidate side was estimated.
 * - `cross-fit`: the log's query groups are cut into K folds; fold k's impressions are scored by a model the same
 *   training procedure fitted without fold k's queries, so every impression is out of sample and the guard reads all
 *   of them. The shipped model is the same procedure refitted on every query: the guard certifies the procedure.
 * - `holdout`: a share of the query groups is held out before training; the shipped model never saw them, and only
 *   they are read.
 */
export type GuardKind = 'cross-fit' | 'holdout';

/** Candidate vs a reference ranker on held-out queries' logged impressions (see CONTRACTS.md, ModelInfo.heldOut). */
export interface HeldOutComparison {
  metric: string;
  queries: number;
  impressions: number;
  candidate: Interval;
  baseline: Interval & { ranker: string };
  /** Paired per-impression difference candidate - baseline, with its 95% interval. */
  difference: Interval;
  /** The guard's kind and the number of fold models its candidate side was scored by (1 for a holdout). */
  guard?: { kind: GuardKind; folds: number };
  /** Self-normalised IPS point estimates beside the IPS ones the rule reads. */
  snips?: { candidate: number; baseline: number; difference: number };
}

/** Impressions of held-out queries and the candidate scorer that never saw those queries. */
export interface GuardFold {
  cts: readonly Clickthrough[];
  scorer: ListScorer;
}

/**
 * Candidate vs reference over every fold's impressions, each scored by its own fold's candidate (out of fold):
 * paired per-impression differences, 95% intervals clustered by query group (a query served many times is one
 * query's evidence, not many independent ones; the groups are found in these impressions, so training and promote
 * find the same ones), SNIPS beside IPS. Also the candidate's pooled counterfactual
 * estimate (what `estimateCtr` reports for one model on one set of logs).
 */
export function compareOutOfFold(
  folds: readonly GuardFold[],
  reference: { ranker: string; scorer: ListScorer },
  propensities: ArrayLike<number>,
  clip: number,
  queries: number,
  kind: GuardKind,
): { comparison: HeldOutComparison; counterfactual: CounterfactualEstimate } {
  const c: number[] = [];
  const b: number[] = [];
  let cw = 0;
  let bw = 0;
  let clicks = 0;
  for (const f of folds) {
    const pc = perImpressionClicks(f.scorer, f.cts, propensities, clip);
    const pb = perImpressionClicks(reference.scorer, f.cts, propensities, clip);
    // One at a time: a spread of a 760k-impression fold would overflow the call stack.
    for (let i = 0; i < pc.values.length; i++) {
      c.push(pc.values[i]!);
      b.push(pb.values[i]!);
      cw += pc.weights[i]!;
      bw += pb.weights[i]!;
    }
    for (const ct of f.cts) for (const it of ct.items) if (it.clicked) clicks++;
  }
  const n = c.length;
  const clusters = queryGroups(folds.flatMap((f) => f.cts));
  const candidate = clusteredInterval(c, clusters);
  const baseline = clusteredInterval(b, clusters);
  const snipsC = n && cw > 0 ? candidate.estimate / (cw / n) : 0;
  const snipsB = n && bw > 0 ? baseline.estimate / (bw / n) : 0;
  return {
    comparison: {
      metric: COUNTERFACTUAL_METRIC,
      queries,
      impressions: n,
      candidate,
      baseline: { ranker: reference.ranker, ...baseline },
      difference: clusteredInterval(
        c.map((x, i) => x - b[i]!),
        clusters,
      ),
      guard: { kind, folds: folds.length },
      snips: { candidate: snipsC, baseline: snipsB, difference: snipsC - snipsB },
    },
    counterfactual: {
      ...candidate,
      loggedCtr: clicks / Math.max(1, n),
      ips: candidate.estimate,
      snips: snipsC,
      impressions: n,
    },
  };
}

/** Candidate vs the baseline feature's order on held-out impressions: counterfactual clicks with 95% intervals. */
export function compareHeldOut(
  candidate: ListScorer,
  reference: { ranker: string; scorer: ListScorer },
  logs: readonly Clickthrough[],
  propensities: ArrayLike<number>,
  clip: number,
  queries: number,
): HeldOutComparison {
  return compareOutOfFold(
    [{ cts: logs, scorer: candidate }],
    reference,
    propensities,
    clip,
    queries,
    'holdout',
  ).comparison;
}
