import { attachModelServing } from '../../rerankers/serving.js';
import type { ExtraRouter } from '../api/app.js';
import type { RouteDeps } from '../api/route-deps.js';
import type { Engine } from '../engine/engine.js';
import type { ChorusDb } from '../storage/index.js';

/**
 * Routers a served Chorus mounts beside the core API: the learned reranker (`model` ranker + /v1/models).
 * The admin UI adds itself here too.
 */
export function servedExtras(log: (line: string) => void) {
  return (deps: RouteDeps, built: { db: ChorusDb; engine: Engine }): ExtraRouter[] => [...attachModelServing(deps, built, { log })];
}
