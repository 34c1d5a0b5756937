import type { ExtraRouter } from '../api/app.js';
import type { RouteDeps } from '../api/route-deps.js';
import { createModelsRouter, modelRoutes, publicModel } from '../api/routes/models.js';
import type { Engine } from '../engine/engine.js';
import { ChorusError } from '../errors.js';
import { registryTrainer, type TrainingJobs } from '../jobs/training-jobs.js';
import type { ChorusDb } from '../storage/index.js';
import { LiveReranker } from '../../rerankers/live-reranker.js';
import { ModelRegistry } from '../model-registry/registry.js';

/**
 * Wires the learned reranker into a running Chorus: a registry over the SQLite models table, the LiveReranker
 * registered as the engine's `model` ranker, and the /v1/models router. Use it as buildChorus's `extraRouters`:
 *   buildChorus(config, { extraRouters: (deps, built) => attachModelServing(deps, built) })
 */
export function attachModelServing(
  deps: RouteDeps,
  built: { db: ChorusDb; engine: Engine; jobs?: { training: TrainingJobs } },
  opts: { log?: (line: string) => void; registry?: ModelRegistry } = {},
): ExtraRouter[] {
  // A registry passed in (the admin UI's) must be the one the LiveReranker listens to, so promotions swap models live.
  const registry =
    opts.registry ??
    new ModelRegistry({
      db: built.db,
      dataDir: deps.config.dataDir,
      executionProviders: deps.config.executionProviders,
      log: opts.log,
    });
  const live = new LiveReranker(registry, {
    interleaveShare: deps.config.search.interleaveShare,
    log: opts.log,
  });
  void live
    .start()
    .catch((e: unknown) =>
      opts.log?.(`could not load the promoted models: ${(e as Error).message}`),
    );
  built.engine.rerankers.set('model', live);
  // Training runs as `train-model` jobs on the server's queue, fitting through this registry.
  const training = built.jobs?.training;
  training?.provide({
    async check(req) {
      await built.engine.getCollection(req.collection); // unknown collection: a prompt 404
      if (req.version && registry.list(req.collection).some((m) => m.version === req.version))
        throw new ChorusError('CONFLICT', `model ${req.collection}/${req.version} already exists`);
    },
    run: registryTrainer(registry, publicModel),
  });
  const router = createModelsRouter({
    ...deps,
    registry,
    live,
    training,
    events: (collection) =>
      (function* () {
        for (const e of built.db.events.iterate({ collection })) yield e.event;
      })(),
  });
  return [{ router, routes: Object.values(modelRoutes) }];
}
