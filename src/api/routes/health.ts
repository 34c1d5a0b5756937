import { Router } from 'express';
import { z } from 'zod';
import type { ApiMetrics } from '../metrics.js';
import { addRoute, type RouteDeps } from '../route-deps.js';
import type { RouteSpec } from '../route-spec.js';

export const Readiness = z.object({
  status: z.enum(['ready', 'unavailable']),
  store: z.string(),
  collections: z.number().int().optional(),
  encoders: z.array(
    z.object({
      modality: z.string(),
      vectorName: z.string(),
      modelId: z.string(),
      dim: z.number().int(),
    }),
  ),
  rankers: z.array(z.string()),
  error: z.string().optional(),
});

export const healthRoutes = {
  healthz: {
    method: 'get',
    path: '/healthz',
    tag: 'ops',
    summary: 'Liveness: the process answers',
    response: z.object({ status: z.literal('ok') }),
  },
  readyz: {
    method: 'get',
    path: '/readyz',
    tag: 'ops',
    summary:
      'Readiness: the store answers; which encoders and rankers are loaded (503 when not ready)',
    response: Readiness,
  },
  metrics: {
    method: 'get',
    path: '/metrics',
    tag: 'ops',
    scope: 'read',
    summary: 'Prometheus metrics (latency per route and per engine stage)',
    response: z.string(),
    produces: 'text/plain',
  },
} satisfies Record<string, RouteSpec>;

export function createHealthRouter(deps: RouteDeps & { metrics: ApiMetrics }): Router {
  const router = Router();
  addRoute(router, deps, healthRoutes.healthz, (_req, res) => {
    res.json({ status: 'ok' });
  });
  addRoute(router, deps, healthRoutes.readyz, async (_req, res) => {
    const { engine } = deps;
    const encoders = engine.deps.encoders().map((e) => ({
      modality: e.modality,
      vectorName: e.vectorName,
      modelId: e.modelId,
      dim: e.dim,
    }));
    const rankers = [...engine.rerankers.keys()];
    try {
      const collections = (await engine.listCollections()).length;
      res.json({ status: 'ready', store: engine.store.backend, collections, encoders, rankers });
    } catch (e) {
      res.status(503).json({
        status: 'unavailable',
        store: engine.store.backend,
        encoders,
        rankers,
        error: (e as Error).message,
      });
    }
  });
  addRoute(router, deps, healthRoutes.metrics, async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  return router;
}
