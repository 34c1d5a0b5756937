import { describe, expect, it } from 'vitest';
import { FEATURE_ROW_SHAPE } from '../../rerankers/features/row-shape.js';
import { defaultFeatureSpec, featureNames } from '../../rerankers/features/index.js';
import { FusionModel } from '../../rerankers/model/fusion-model.js';
import {
  clearlyBetter,
  clusteredGain,
  DEPARTURE_Z,
  selectDeparture,
  SELECTION_Z,
} from '../../rerankers/model/selection.js';
import {
  MIN_GUARD_QUERIES,
  queryGroups,
  splitByQuery,
  splitForGuard,
  sampleByQuery,
} from '../../rerankers/query-split.js';
import { compareWithServing, judge } from '../../rerankers/promotion-guard.js';
import { clickthroughsOfQueries } from '../../src/feedback/training-set.js';
import type { FeedbackEvent } from '../../src/domain/feedback.js';
import { Rng } from '../../rerankers/random.js';
import { GUARD_FOLDS, trainFromClickthroughs } from '../../rerankers/train-from-logs.js';
import type { Clickthrough } from '../../src/domain/clickthrough.js';

/**
 * `queries` distinct queries (each its own set of items), each searched `repeats` times; `click` gives an item's
 * click probability (and may set its features).
 */
function clickLog(
  queries: number,
  repeats: number,
  seed: number,
  click: (query: number, position: number, features: Float32Array) => number,
): Clickthrough[] {
  const rng = new Rng(seed);
  const out: Clickthrough[] = [];
  let t = 0;
  for (let r = 0; r < repeats; r++)
    for (let q = 0; q < queries; q++) {
      const items = Array.from({ length: 8 }, (_, position) => {
        const features = new Float32Array(FEATURE_ROW_SHAPE.item).map(() => rng.next() * 0.1);
        features[0] = 1 - position / 8;
        const clicked = rng.next() < click(q, position, features);
        return { id: `q${q}-d${position}`, position, features, clicked, label: clicked ? 1 : 0 };
      });
      out.push({ queryId: `s${t}`, collection: 'c', rankerVersion: 'rrf', timestamp: t++, items });
    }
  return out;
}

/** Position-based clicks only. */
const repeatedQueries = (queries: number, repeats: number, seed: number): Clickthrough[] =>
  clickLog(queries, repeats, seed, (_, position) => 0.5 / (position + 1));

const intentOf = (ct: Clickthrough) => ct.items[0]!.id.split('-')[0]!;

/** As `repeatedQueries`, but a third of the items match (text similarity 1) and draw most clicks: a fit departs. */
function signalQueries(queries: number, repeats: number, seed: number): Clickthrough[] {
  const j = featureNames(defaultFeatureSpec()).indexOf('similarity_norm:text');
  return clickLog(queries, repeats, seed, (q, position, features) => {
    const match = (q * 8 + position) % 3 === 0;
    features[j] = match ? 1 : 0;
    return (1 / (position + 1)) * (match ? 0.9 : 0.05);
  });
}

describe("the promotion guard's own held-out queries", () => {
  it('are split off whole before any selection: disjoint from training and validation queries, never fewer than the minimum', () => {
    const cts = repeatedQueries(30, 6, 1);
    const { pool, guard, guardQueries } = splitForGuard(cts, 0.2, 1);
    expect(guardQueries).toBe(6);
    expect(pool.length + guard.length).toBe(cts.length);
    const split = splitByQuery(pool, 0.2, 1);
    const guardIntents = new Set(guard.map(intentOf));
    expect(guardIntents.size).toBe(6);
    for (const ct of [...split.train, ...split.validation])
      expect(guardIntents.has(intentOf(ct))).toBe(false);
    // A small log still gives the guard its minimum; a tiny one leaves two query groups for training.
    expect(splitForGuard(repeatedQueries(8, 3, 2), 0.2, 1).guardQueries).toBe(MIN_GUARD_QUERIES);
    expect(splitForGuard(repeatedQueries(4, 3, 2), 0.2, 1).guardQueries).toBe(2);
    expect(splitForGuard(repeatedQueries(2, 3, 2), 0.2, 1).guardQueries).toBe(0);
  });

  it('are the queries the trained model hands to the guard, and only they carry its held-out estimate (guard: holdout)', () => {
    const cts = repeatedQueries(30, 6, 3);
    const trained = trainFromClickthroughs(cts, {
      epochs: 2,
      hidden: 2,
      seed: 1,
      guard: 'holdout',
    });
    expect(trained.metrics.guard).toEqual({ kind: 'holdout', folds: 1 });
    const sorted = [...cts].sort((a, b) => a.timestamp - b.timestamp);
    const { guard } = splitForGuard(sorted, 0.2, 1);
    expect(new Set(trained.heldOutQueryIds)).toEqual(new Set(guard.map((c) => c.queryId)));
    expect(trained.metrics.guardQueries).toBeGreaterThanOrEqual(MIN_GUARD_QUERIES);
    expect(trained.metrics.heldOut.impressions).toBe(guard.length);
    expect(trained.metrics.heldOut.queries).toBe(trained.metrics.guardQueries);
    // Validation (selection) and the guard never share a query.
    expect(trained.metrics.validationQueries).toBeGreaterThan(0);
    const groups = queryGroups(sorted);
    const guardGroups = new Set(
      sorted.flatMap((c, i) => (trained.heldOutQueryIds.includes(c.queryId) ? [groups[i]] : [])),
    );
    expect(
      sorted.every(
        (c, i) => trained.heldOutQueryIds.includes(c.queryId) === guardGroups.has(groups[i]!),
      ),
    ).toBe(true);
  });
});

describe('the cross-fitted promotion guard (the default)', () => {
  it('judges every impression by the procedure fitted without its query group, and ships the procedure fitted on all', () => {
    const cts = signalQueries(30, 6, 3);
    // The prior propensity curve (too few clicks per position for the estimate): propensities do not read clicks, so
    // a fold's clicks can reach a model only through its training set.
    const o = { epochs: 5, hidden: 2, seed: 1, minClicksPerPosition: 1e9 };
    const trained = trainFromClickthroughs(cts, o);
    expect(trained.metrics.guard).toEqual({ kind: 'cross-fit', folds: GUARD_FOLDS });
    // Every impression is guard evidence (the holdout guard read a fifth of them).
    expect(trained.metrics.heldOut.impressions).toBe(cts.length);
    expect(trained.metrics.guardLists).toBe(cts.length);
    expect(trained.metrics.heldOut.queries).toBe(30);
    expect(trained.metrics.heldOut.guard).toEqual({ kind: 'cross-fit', folds: GUARD_FOLDS });
    expect(trained.metrics.heldOut.snips).toBeDefined();
    const folds = trained.guardFolds!;
    expect(folds).toHaveLength(GUARD_FOLDS);
    expect(new Set(folds.flatMap((f) => f.queryIds)).size).toBe(cts.length);
    // Folds are whole query groups: no query sits in two folds.
    const foldOfIntent = new Map<string, number>();
    const byId = new Map(cts.map((c) => [c.queryId, c]));
    folds.forEach((f, k) =>
      f.queryIds.forEach((q) => {
        const intent = intentOf(byId.get(q)!);
        expect(foldOfIntent.get(intent) ?? k).toBe(k);
        foldOfIntent.set(intent, k);
      }),
    );
    expect(foldOfIntent.size).toBe(30);
    // Fold 0's model never read fold 0's clicks: flipping them leaves it bit for bit the same.
    const inFold0 = new Set(folds[0]!.queryIds);
    const flipped = cts.map((c) =>
      inFold0.has(c.queryId)
        ? {
            ...c,
            items: c.items.map((it) => ({
              ...it,
              clicked: !it.clicked,
              label: it.clicked ? 0 : 1,
            })),
          }
        : c,
    );
    const again = trainFromClickthroughs(flipped, o);
    expect(again.guardFolds![0]!.queryIds).toEqual(folds[0]!.queryIds);
    expect([...again.guardFolds![0]!.model.params]).toEqual([...folds[0]!.model.params]);
    // The other folds' models and the shipped one did read them.
    expect([...again.guardFolds![1]!.model.params]).not.toEqual([...folds[1]!.model.params]);
    expect([...again.model.params]).not.toEqual([...trained.model.params]);
    // ... but the guard's estimate reads them (that fold's impressions are its evidence).
    expect(again.metrics.heldOut.candidate.estimate).not.toBe(
      trained.metrics.heldOut.candidate.estimate,
    );
  });

  it('at promote, judges the fold models on their own folds, never the refit on the queries it was fitted on', () => {
    const cts = signalQueries(30, 6, 3);
    const o = { epochs: 5, hidden: 2, seed: 1, minClicksPerPosition: 1e9 };
    const trained = trainFromClickthroughs(cts, o);
    // The same log as the server stores it: impressions with their rows, then clicks.
    const events: FeedbackEvent[] = cts.flatMap((c) => [
      {
        type: 'impression' as const,
        eventId: `i-${c.queryId}`,
        collection: 'c',
        queryId: c.queryId,
        timestamp: c.timestamp,
        rankerVersion: 'rrf',
        items: c.items.map((it) => ({ id: it.id, position: it.position })),
        features: Object.fromEntries(c.items.map((it) => [it.id, [...it.features]])),
      },
      ...c.items
        .filter((it) => it.clicked)
        .map((it) => ({
          type: 'click' as const,
          eventId: `c-${c.queryId}-${it.id}`,
          collection: 'c',
          queryId: c.queryId,
          itemId: it.id,
          timestamp: c.timestamp,
        })),
    ]);
    const candidate = {
      version: 'v2',
      model: trained.model,
      heldOutQueryIds: trained.heldOutQueryIds,
      queries: trained.metrics.guardQueries,
      folds: trained.guardFolds!,
    };
    // Against the baseline, promote re-reads the log and finds the training-time estimate exactly.
    const atPromote = compareWithServing(candidate, undefined, (keep) =>
      clickthroughsOfQueries(events, keep),
    );
    expect(atPromote.difference).toEqual(trained.metrics.heldOut.difference);
    expect(atPromote.guard).toEqual({ kind: 'cross-fit', folds: GUARD_FOLDS });
    expect(atPromote.better).toBe(true);
    // A procedure that, fitted without a fold's queries, ranks them worse (trained on inverted clicks) is refused,
    // though its refit (here the good model) would look better on the very queries it was fitted on.
    const worse = trainFromClickthroughs(
      cts.map((c) => ({
        ...c,
        items: c.items.map((it) => ({ ...it, clicked: !it.clicked, label: it.clicked ? 0 : 1 })),
      })),
      o,
    );
    const refused = compareWithServing(
      { ...candidate, folds: worse.guardFolds! },
      { version: 'v1', model: FusionModel.fromJSON(trained.guardFolds![0]!.model.toJSON()) },
      (keep) => clickthroughsOfQueries(events, keep),
    );
    expect(refused.better).toBe(false);
    expect(refused.difference.estimate).toBeLessThan(0);
    expect(refused.serving.version).toBe('v1');
    const { folds: _folds, ...refitOnly } = candidate;
    expect(
      compareWithServing(refitOnly, undefined, (keep) => clickthroughsOfQueries(events, keep))
        .better,
    ).toBe(true);
  });

  it('with fewer than three query groups has no evidence: the guard refuses', () => {
    const trained = trainFromClickthroughs(repeatedQueries(2, 12, 5), { epochs: 1, hidden: 2 });
    expect(trained.metrics.heldOut.impressions).toBe(0);
    expect(trained.guardFolds).toEqual([]);
    expect(judge('v1', trained.metrics.heldOut, { ranker: 'rrf', version: null }).better).toBe(
      false,
    );
  });
});

describe('selection by clear held-out evidence', () => {
  it.each(['cross-fit', 'holdout'] as const)(
    'measures the departure from the start of the hyperparameter trial it keeps, not the last one (guard: %s)',
    (guard) => {
      // Two trials of different hidden sizes, the larger first: the last trial's start is a shorter parameter vector.
      const space = { lr: [0.01], hidden: [32, 2], ipsClip: [10], gateTemperature: [1] };
      const trained = trainFromClickthroughs(signalQueries(30, 6, 3), {
        epochs: 5,
        seed: 1,
        guard,
        search: 'grid',
        space,
        minClicksPerPosition: 1e9,
      });
      expect(trained.metrics.trials).toHaveLength(2);
      expect(trained.model.params.every(Number.isFinite)).toBe(true);
      for (const f of trained.guardFolds ?? [])
        expect(f.model.params.every(Number.isFinite)).toBe(true);
    },
  );

  it('clusters the errors by query: many impressions of a few queries are not many independent gains', () => {
    // Three queries, 200 impressions each; the candidate wins big on one and loses on another.
    const clusters = Array.from({ length: 600 }, (_, i) => Math.floor(i / 200));
    const a = clusters.map((c) => (c === 0 ? 1 : c === 1 ? -0.6 : 0.05));
    const b = clusters.map(() => 0);
    const g = clusteredGain(a, b, clusters);
    expect(g.mean).toBeCloseTo(0.15, 12);
    expect(g.clusters).toBe(3);
    // Per impression the gain would look certain; by query it is not.
    expect(clearlyBetter(a, b, { clusters })).toBe(false);
    expect(clearlyBetter(a, b, { clusters: clusters.map((_, i) => i) })).toBe(true);
    // A gain every query shares is clear.
    const steady = clusters.map((c) => 0.1 + c * 0.01);
    expect(clearlyBetter(steady, b, { clusters })).toBe(true);
  });

  it('keeps the start when the trained departure is not clearly better on held-out queries', () => {
    const model = oneWeightModel();
    const anchor = model.params.slice();
    model.params[model.o.A + 1] = 0.7;
    const clusters = [0, 1, 2, 3];
    const flat = selectDeparture(model, anchor, {
      values: () => Float64Array.from([1, 1, 1, 1]),
      clusters,
    });
    expect(flat.lambda).toBe(0);
    expect([...model.params]).toEqual([...anchor]);
    model.params[model.o.A + 1] = 0.7;
    // Evidence that grows with the step on every query: the whole step is taken.
    const clear = selectDeparture(model, anchor, {
      values: (m) => Float64Array.from(clusters, (c) => m.params[m.o.A + 1]! * (1 + c * 0.1)),
      clusters,
    });
    expect(clear.lambda).toBe(1);
  });

  it('takes the final departure only at the guard-like level (DEPARTURE_Z), not at one standard error', () => {
    const model = oneWeightModel();
    const anchor = model.params.slice();
    const clusters = [0, 1, 2, 3];
    // Three queries gain, one loses: the gain is 1.22 clustered standard errors at every step size.
    const perQuery = [0.1, 0.1, 0.1, -0.08];
    const s = {
      values: (m: FusionModel) =>
        Float64Array.from(perQuery, (d) => 1 + (m.params[m.o.A + 1]! / 0.7) * d),
      clusters,
    };
    const g = clusteredGain(perQuery, [0, 0, 0, 0], clusters);
    expect(g.mean / g.se).toBeGreaterThan(SELECTION_Z);
    expect(g.mean / g.se).toBeLessThan(DEPARTURE_Z);
    model.params[model.o.A + 1] = 0.7;
    expect(selectDeparture(model, anchor, s).lambda).toBe(0);
    expect([...model.params]).toEqual([...anchor]);
    model.params[model.o.A + 1] = 0.7;
    expect(selectDeparture(model, anchor, { ...s, z: SELECTION_Z }).lambda).toBe(1);
  });
});

/** A model whose only correction is one weight (params[A + 1]) on feature x beside the baseline. */
function oneWeightModel(): FusionModel {
  const shape = {
    featureNames: ['baseline', 'x'],
    queryFeatureNames: [],
    groups: [{ name: 's', features: [1] }],
    hidden: 0,
  };
  return FusionModel.init(shape, new Rng(1), new Float64Array(2), new Float64Array(2).fill(1));
}

describe('sampleByQuery (bounds the cost of the start cross-validation on big logs)', () => {
  it('keeps whole query groups up to the budget, deterministically, and everything when under it', () => {
    const cts = repeatedQueries(40, 5, 4); // 200 impressions, 5 per query
    expect(sampleByQuery(cts, 500)).toBe(cts);
    const a = sampleByQuery(cts, 63, 2);
    expect(a.length).toBe(60); // 12 whole groups of 5; a 13th would overflow
    const perIntent = new Map<string, number>();
    for (const ct of a) perIntent.set(intentOf(ct), (perIntent.get(intentOf(ct)) ?? 0) + 1);
    expect([...perIntent.values()].every((n) => n === 5)).toBe(true);
    expect(sampleByQuery(cts, 63, 2).map((c) => c.queryId)).toEqual(a.map((c) => c.queryId));
    expect(sampleByQuery(cts, 63, 3).map((c) => c.queryId)).not.toEqual(a.map((c) => c.queryId));
  });
});
