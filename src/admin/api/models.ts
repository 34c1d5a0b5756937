import { Router } from 'express';
import { z } from 'zod';
import { interleavingWinRates } from '../../../rerankers/interleaving.js';
import { publicModel } from '../../api/routes/models.js';
import { ChorusError } from '../../errors.js';
import type { AdminDeps, ModelAdmin } from '../admin-deps.js';
import { ctrOverTime, ndcgOverTime, positionBias } from '../analytics.js';
import { appliedPresetName } from '../../storage/fusion-presets.js';
import { TrainModelPayload } from '../../jobs/definitions/train-model.js';
import { TRAINING_JOB_ID } from '../../jobs/training-jobs.js';
import { FEATURE_SPEC_VERSION } from '../../../rerankers/features/index.js';
import { trainabilityStatus } from '../../feedback/trainability.js';
import { CollectionName, ModelVersion } from '../../domain/names.js';

// The shared rules: admin routes pass these names to the stores and to model folders.
const Collection = CollectionName;
const Version = ModelVersion;

/** Interleaved impressions and their clicks, bounded like the charts' scans. */
function* eventsOf(deps: AdminDeps, collection: string) {
  for (const e of deps.db.events.iterate({ collection, limit: 200_000 })) yield e.event;
}

/**
 * Without the registry, promote/rollback still work on the SQLite records (no live model swap, no training). There is
 * no promotion guard to compare with here, so a promotion needs `force: true` and is recorded as forced: this path
 * must not be a way around the guard.
 */
function repoModels(deps: AdminDeps): ModelAdmin {
  return {
    list: (c) => deps.db.models.list(c),
    promote: async (c, v, opts) => {
      if (!opts?.force)
        throw new ChorusError(
          'CONFLICT',
          'this server has no promotion guard (no model registry) to check the candidate against the serving ranker: promote with force: true (recorded as forced), or from a server that trains models',
        );
      return deps.db.models.promote(c, v, Date.now(), { forced: true });
    },
    rollback: async (c) => deps.db.models.rollback(c),
  };
}

/** Model versions with metrics, promote/rollback, training with progress, interleaving, and the charts' data. */
export function createModelsAdminRouter(deps: AdminDeps): Router {
  const router = Router();
  const models = deps.models ?? repoModels(deps);
  // Training is the server's `train-model` job (the same jobs as /v1/models/train and `chorus jobs`): 202 + poll,
  // one per collection at a time, cancellable (nothing registered).
  const training = deps.training;
  const JobId = z.string().regex(TRAINING_JOB_ID, 'not a training job id');

  // The LiveReranker keeps its challenger in memory only; so does this page (both reset on restart).
  const challengers = new Map<string, string>();

  router.get('/admin/api/models/:collection', async (req, res) => {
    const c = Collection.parse(req.params.collection);
    res.json({
      models: models.list(c).map(publicModel),
      challenger: challengers.get(c) ?? null,
      canInterleave: Boolean(deps.setChallenger),
      interleaveShare: deps.config.search.interleaveShare,
      history: deps.db.models.history(c).slice(-20).reverse(),
      training: (await training?.latestFor(c)) ?? null,
      canTrain: Boolean(training?.available),
      // Warn before Train: how much of the log a fit can use (GET /admin/api/trainability/:collection alone).
      trainability: trainabilityStatus(deps.db.events, c, FEATURE_SPEC_VERSION),
      // What "Roll back" would do, and what serves when no model does, so the UI can say it before asking.
      rollback: deps.db.models.rollbackTarget(c),
      fallback: appliedPresetName(deps.db.kv, c) ?? 'rrf',
      interleaving: interleavingWinRates(eventsOf(deps, c)),
    });
  });
  router.post('/admin/api/models/:collection/:version/promote', async (req, res) => {
    const c = Collection.parse(req.params.collection);
    const v = Version.parse(req.params.version);
    const { force } = z
      .object({ force: z.boolean().default(false) })
      .strict()
      .parse(req.body ?? {});
    const r = await models.promote(c, v, { force });
    res.json({
      collection: c,
      promoted: v,
      forced: force,
      ...(r && typeof r === 'object' ? r : {}),
    });
  });
  // What the promote dialog shows before asking: the guard's comparison (candidate vs serving, 95% intervals).
  router.get('/admin/api/models/:collection/:version/compare', async (req, res) => {
    const c = Collection.parse(req.params.collection);
    const v = Version.parse(req.params.version);
    if (!models.compare)
      throw new ChorusError('UNAVAILABLE', 'this server has no promotion guard to compare with');
    res.json(await models.compare(c, v));
  });
  router.put('/admin/api/models/:collection/challenger', async (req, res) => {
    const c = Collection.parse(req.params.collection);
    const { version } = z
      .object({ version: Version.nullable() })
      .strict()
      .parse(req.body ?? {});
    if (!deps.setChallenger)
      throw new ChorusError(
        'UNAVAILABLE',
        'interleaving needs the live model reranker (chorus serve)',
      );
    await deps.setChallenger(c, version ?? undefined);
    if (version) challengers.set(c, version);
    else challengers.delete(c);
    res.json({ collection: c, challenger: version });
  });
  router.post('/admin/api/models/:collection/rollback', async (req, res) => {
    const c = Collection.parse(req.params.collection);
    res.json({ collection: c, ...((await models.rollback(c)) as object) });
  });
  router.post('/admin/api/models/:collection/train', async (req, res) => {
    const c = Collection.parse(req.params.collection);
    // `promote: true` puts the new version through the same guard as the promote button once it is registered.
    const { promote } = z
      .object({ promote: z.boolean().default(false) })
      .strict()
      .parse(req.body ?? {});
    if (!training?.available)
      throw new ChorusError(
        'UNAVAILABLE',
        'training needs the model registry (start with `chorus serve`)',
      );
    await deps.engine.getCollection(c); // an unknown collection is a prompt 404, before any fit is queued
    // Refused before anything runs, with the reason the UI also shows beside the disabled button.
    const t = trainabilityStatus(deps.db.events, c, FEATURE_SPEC_VERSION);
    if (!t.ready)
      throw new ChorusError('CONFLICT', `not enough logged feedback to train: ${t.reason}`);
    const job = await training.start(
      TrainModelPayload.parse({ collection: c, promote, notes: 'trained from the admin UI' }),
    );
    res.status(202).json({ jobId: job.jobId, state: job.state });
  });
  router.get('/admin/api/models/:collection/train/:jobId', async (req, res) => {
    const c = Collection.parse(req.params.collection);
    const job = await training?.get(JobId.parse(req.params.jobId));
    if (!job || job.collection !== c)
      throw new ChorusError('NOT_FOUND', `no training job ${req.params.jobId} for ${c}`);
    res.json(job);
  });
  router.post('/admin/api/models/:collection/train/:jobId/cancel', async (req, res) => {
    const c = Collection.parse(req.params.collection);
    const id = JobId.parse(req.params.jobId);
    if (!training || (await training.get(id))?.collection !== c)
      throw new ChorusError('NOT_FOUND', `no training job ${id} for ${c}`);
    const job = await training.cancel(id);
    res.json({ jobId: job.jobId, state: job.state });
  });

  router.get('/admin/api/charts/:collection', (req, res) => {
    const c = Collection.parse(req.params.collection);
    const list = models.list(c);
    const promoted = list.find((m) => m.status === 'promoted');
    res.json({
      ctr: ctrOverTime(deps.db, c),
      ndcg: ndcgOverTime(list),
      positionBias: positionBias(deps.db, c, promoted),
    });
  });
  return router;
}
