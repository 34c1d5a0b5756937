import { Router } from 'express';
import { z } from 'zod';
import type { ModelRegistry } from '../../model-registry/registry.js';
import type { LiveReranker } from '../../../rerankers/live-reranker.js';
import { interleavingWinRates } from '../../../rerankers/interleaving.js';
import { CollectionName, ModelVersion } from '../../domain/names.js';
import type { ModelRecord } from '../../storage/index.js';
import { addRoute, type RouteDeps } from '../route-deps.js';
import type { RouteSpec } from '../route-spec.js';
import { parseBody, parseParams, parseQuery } from '../validate.js';
import type { TrainingJobs } from '../../jobs/training-jobs.js';
import { createTrainingRouter, TrainBody, trainingRoutes } from './model-training.js';

const Interval = z.object({ estimate: z.number(), low: z.number(), high: z.number() });
const Guard = z.object({ kind: z.enum(['cross-fit', 'holdout']), folds: z.number().int() }).meta({
  description:
    "How the candidate side was scored: cross-fit = each query-group fold's impressions by the training procedure fitted without them (the shipped model is that procedure on every query); holdout = by the candidate on queries it never saw",
});

export const ModelInfo = z
  .object({
    collection: z.string(),
    version: z.string(),
    status: z.enum(['candidate', 'promoted', 'retired']),
    createdAt: z.number(),
    metrics: z.record(z.string(), z.unknown()),
    featureSpec: z.record(z.string(), z.unknown()),
    trainedFrom: z.number().nullable(),
    trainedTo: z.number().nullable(),
    notes: z.string().nullable(),
    heldOut: z
      .object({
        metric: z.string(),
        queries: z.number().int(),
        candidate: Interval,
        baseline: Interval.extend({ ranker: z.string() }),
        guard: Guard.optional(),
      })
      .optional()
      .meta({
        description:
          'Candidate vs the baseline fusion on held-out queries (counterfactual clicks per impression, 95% intervals)',
      }),
  })
  .meta({ id: 'Model' });

export const PromotionComparison = z
  .object({
    metric: z.string(),
    queries: z.number().int(),
    impressions: z.number().int(),
    candidate: Interval.extend({ version: z.string() }),
    serving: Interval.extend({ ranker: z.string(), version: z.string().nullable() }),
    difference: Interval,
    guard: Guard.optional(),
    snips: z
      .object({ candidate: z.number(), serving: z.number(), difference: z.number() })
      .optional()
      .meta({
        description: 'Self-normalised IPS point estimates beside the IPS ones the rule reads',
      }),
    better: z.boolean(),
    rule: z.string(),
    outlook: z
      .object({
        kind: z.enum(['behind', 'undecided']),
        queriesNeeded: z.number().int().optional(),
        message: z.string(),
      })
      .optional()
      .meta({
        description:
          'When refused: behind (more clicks of the same traffic would not change the verdict) or undecided (queriesNeeded: held-out query groups that would show the lead if it held)',
      }),
  })
  .meta({ id: 'PromotionComparison' });

export const ListModelsQuery = z.object({ collection: CollectionName.optional() }).strict();
export { TrainBody };
export const VersionParams = z.object({ version: ModelVersion }).strict();
export const CollectionBody = z.object({ collection: CollectionName }).strict();
export const PromoteBody = z
  .object({ collection: CollectionName, force: z.boolean().default(false) })
  .strict();
export const ChallengerBody = z
  .object({ collection: CollectionName, version: ModelVersion.nullable() })
  .strict();

export const modelRoutes = {
  list: {
    method: 'get',
    path: '/v1/models',
    tag: 'models',
    scope: 'read',
    summary: 'List model versions (newest first)',
    query: ListModelsQuery,
    response: z.object({ models: z.array(ModelInfo) }),
  },
  ...trainingRoutes,
  promote: {
    method: 'post',
    path: '/v1/models/:version/promote',
    tag: 'models',
    scope: 'admin',
    summary:
      'Serve this version (hot swap, no restart) if it beats the serving ranker on held-out queries',
    description:
      'The promotion guard: 409 PROMOTION_REFUSED (details = the comparison) unless the 95% interval of (candidate - serving) counterfactual clicks on held-out queries lies above 0; force=true overrides and is recorded in the history.',
    params: VersionParams,
    body: PromoteBody,
    response: z.object({
      collection: z.string(),
      promoted: z.string(),
      previous: z.string().nullable(),
      forced: z.boolean(),
      comparison: PromotionComparison,
    }),
  },
  compare: {
    method: 'get',
    path: '/v1/models/:version/compare',
    tag: 'models',
    scope: 'read',
    summary:
      'Candidate vs the serving ranker on held-out queries (what the promotion guard decides on)',
    params: VersionParams,
    query: z.object({ collection: CollectionName }).strict(),
    response: PromotionComparison,
  },
  rollback: {
    method: 'post',
    path: '/v1/models/rollback',
    tag: 'models',
    scope: 'admin',
    summary: 'Return to the previously promoted version (or to baseline fusion)',
    body: CollectionBody,
    response: z.object({
      collection: z.string(),
      from: z.string().nullable(),
      to: z.string().nullable(),
    }),
  },
  challenger: {
    method: 'post',
    path: '/v1/models/challenger',
    tag: 'models',
    scope: 'admin',
    summary:
      'Interleave a challenger version with the promoted one (share from search.interleaveShare)',
    body: ChallengerBody,
    response: z.object({ collection: z.string(), challenger: z.string().nullable() }),
  },
  interleaving: {
    method: 'get',
    path: '/v1/models/interleaving',
    tag: 'models',
    scope: 'read',
    summary: 'Per-pair win rates of team-draft interleaved traffic',
    query: z.object({ collection: CollectionName }).strict(),
    response: z.object({
      pairs: z.array(
        z.object({
          a: z.string(),
          b: z.string(),
          winsA: z.number(),
          winsB: z.number(),
          ties: z.number(),
          winRateA: z.number(),
        }),
      ),
    }),
  },
} satisfies Record<string, RouteSpec>;

export interface ModelsRouterDeps extends RouteDeps {
  registry: ModelRegistry;
  live?: LiveReranker;
  /** The server's training jobs (POST /v1/models/train queues on them). */
  training?: TrainingJobs;
  /** For win rates: the collection's events (the SQLite event log). */
  events?: (collection: string) => Iterable<import('../../domain/feedback.js').FeedbackEvent>;
}

/**
 * A model record as clients see it: the artifact folder is a server path, so it never leaves the server; the
 * held-out comparison with the baseline (from its training metrics) is lifted to `heldOut`.
 */
export function publicModel(
  m: ModelRecord,
): Omit<ModelRecord, 'artifactPath'> & { heldOut?: Record<string, unknown> } {
  const { artifactPath: _path, ...rest } = m;
  const h = m.metrics.heldOut as
    | { metric: string; queries: number; candidate: object; baseline: object; guard?: object }
    | undefined;
  return {
    ...rest,
    ...(h
      ? {
          heldOut: {
            metric: h.metric,
            queries: h.queries,
            candidate: h.candidate,
            baseline: h.baseline,
            ...(h.guard ? { guard: h.guard } : {}),
          },
        }
      : {}),
  };
}
const info = publicModel;

export function createModelsRouter(deps: ModelsRouterDeps): Router {
  const router = Router();
  // Training jobs first: /v1/models/train/:jobId must not be read as a version route.
  router.use(createTrainingRouter(deps));
  addRoute(router, deps, modelRoutes.list, (req, res) => {
    const { collection } = parseQuery(ListModelsQuery, req);
    res.json({ models: deps.registry.list(collection).map(info) });
  });
  addRoute(router, deps, modelRoutes.interleaving, (req, res) => {
    const { collection } = parseQuery(z.object({ collection: CollectionName }).strict(), req);
    res.json({ pairs: deps.events ? interleavingWinRates(deps.events(collection)) : [] });
  });
  addRoute(router, deps, modelRoutes.rollback, async (req, res) => {
    const { collection } = parseBody(CollectionBody, req);
    res.json({ collection, ...(await deps.registry.rollback(collection)) });
  });
  addRoute(router, deps, modelRoutes.challenger, async (req, res) => {
    const { collection, version } = parseBody(ChallengerBody, req);
    if (version) deps.registry.get(collection, version);
    await deps.live?.setChallenger(collection, version ?? undefined);
    res.json({ collection, challenger: version });
  });
  addRoute(router, deps, modelRoutes.promote, async (req, res) => {
    const { version } = parseParams(VersionParams, req);
    const { collection, force } = parseBody(PromoteBody, req);
    const r = await deps.registry.promote(collection, version, { force });
    res.json({
      collection,
      promoted: version,
      previous: r.previous,
      forced: r.forced,
      comparison: r.comparison,
    });
  });
  addRoute(router, deps, modelRoutes.compare, (req, res) => {
    const { version } = parseParams(VersionParams, req);
    const { collection } = parseQuery(z.object({ collection: CollectionName }).strict(), req);
    res.json(deps.registry.compare(collection, version));
  });
  return router;
}
