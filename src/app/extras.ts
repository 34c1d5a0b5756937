import { attachModelServing } from './model-serving.js';
import type { LiveReranker } from '../../rerankers/live-reranker.js';
import { ModelRegistry } from '../model-registry/registry.js';
import { createAdminRouter } from '../admin/router.js';
import type { ExtraRouter } from '../api/app.js';
import type { RouteDeps } from '../api/route-deps.js';
import type { Engine } from '../engine/engine.js';
import type { ServerJobs } from '../jobs/server-jobs.js';
import type { ChorusDb } from '../storage/index.js';

/**
 * Routers a served Chorus mounts beside the core API: the learned reranker (`model` ranker + /v1/models) and the
 * admin UI at /admin, both over one model registry so a promotion in the UI swaps the served model live.
 */
export function servedExtras(log: (line: string) => void) {
  return (
    deps: RouteDeps,
    built: { db: ChorusDb; engine: Engine; jobs?: ServerJobs },
  ): ExtraRouter[] => {
    const registry = new ModelRegistry({
      db: built.db,
      dataDir: deps.config.dataDir,
      executionProviders: deps.config.executionProviders,
      log,
    });
    const serving = attachModelServing(deps, built, { log, registry });
    const live = built.engine.rerankers.get('model') as LiveReranker | undefined;
    const admin = createAdminRouter({
      engine: built.engine,
      config: deps.config,
      keys: deps.keys,
      db: built.db,
      models: registry,
      queue: built.jobs?.queue,
      training: built.jobs?.training,
      setChallenger: live ? (c, v) => live.setChallenger(c, v) : undefined,
    });
    return [...serving, admin];
  };
}
