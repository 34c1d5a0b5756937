import express, { type Express, type RequestHandler, type Router } from 'express';
import helmet from 'helmet';
import { pino, type Logger } from 'pino';
import { pinoHttp } from 'pino-http';
import type { ChorusConfig } from '../config.js';
import type { Engine } from '../engine/engine.js';
import { renderDocsPage } from './docs-page.js';
import { admissionGate } from './middleware/admission.js';
import { createKeyRing, type KeyRing } from './middleware/auth.js';
import { errorHandler, notFound } from './middleware/errors.js';
import { loopbackHostOnly } from './middleware/host-guard.js';
import { itemsJsonBody } from './body/items-body.js';
import { installFastRoute } from './fast-route.js';
import { jsonBody } from './middleware/json-body.js';
import { verifyJsonBody } from './middleware/json-guard.js';
import { REDACT_PATHS, redactedRequest, redactedResponse } from './middleware/log-redaction.js';
import { perKeyRateLimit } from './middleware/rate-limit.js';
import { requestId, requestIdFor } from './middleware/request-id.js';
import { requestTimeout, trackWrite } from './middleware/request-timeout.js';
import { createMetrics, type ApiMetrics } from './metrics.js';
import { buildOpenApi } from './openapi.js';
import type { RouteDeps } from './route-deps.js';
import type { RouteSpec } from './route-spec.js';
import { collectionRoutes, createCollectionsRouter } from './routes/collections.js';
import { createTuningRouter, tuningRoutes } from './routes/collection-tuning.js';
import { createItemMaintenanceRouter, itemMaintenanceRoutes } from './routes/items-maintenance.js';
import { createFeedbackRouter, feedbackRoutes } from './routes/feedback.js';
import { createHealthRouter, healthRoutes } from './routes/health.js';
import { createItemsRouter, itemRoutes } from './routes/items.js';
import { createItemStreamRouter, itemStreamRoutes } from './routes/items-stream.js';
import { createRecommendRouter, recommendRoutes } from './routes/recommend.js';
import { createSearchRouter, searchHandlers, searchRoutes } from './routes/search.js';
import { corsForOrigins } from './middleware/cors.js';

/** A router contributed by another module (e.g. /v1/models), with its route specs for the OpenAPI document. */
export interface ExtraRouter {
  router: Router;
  routes: RouteSpec[];
}

export interface AppDeps {
  engine: Engine;
  config: ChorusConfig;
  /** Created when absent; pass the same one the engine reports stage timings to. */
  metrics?: ApiMetrics;
  logger?: Logger;
  /** Extra routers mounted at the root before the 404 handler, e.g. the models router and the admin UI. */
  extraRouters?: (deps: RouteDeps) => ExtraRouter[];
  version?: string;
}

export interface ChorusApp {
  app: Express;
  keys: KeyRing;
  metrics: ApiMetrics;
  openapi: Record<string, unknown>;
}

export const CORE_ROUTES: RouteSpec[] = [
  ...Object.values(healthRoutes),
  ...Object.values(collectionRoutes),
  ...Object.values(tuningRoutes),
  ...Object.values(itemRoutes),
  ...Object.values(itemMaintenanceRoutes),
  ...Object.values(itemStreamRoutes),
  ...Object.values(searchRoutes),
  ...Object.values(recommendRoutes),
  ...Object.values(feedbackRoutes),
];

/** Builds the express app from its dependencies: no globals, so tests build one over a temp data dir. */
export function createApp(deps: AppDeps): ChorusApp {
  const { config } = deps;
  const keys = createKeyRing(config);
  const metrics = deps.metrics ?? createMetrics();
  const logger = deps.logger ?? pino({ level: config.logLevel });
  const gate = admissionGate({
    concurrency: config.limits.searchConcurrency,
    queue: config.limits.searchQueue,
    onAdmit: (ms) => metrics.observeStage('admission', ms / 1000),
  });
  metrics.gauge(
    'chorus_search_running',
    'Searches and recommendations running now',
    () => gate.stats().running,
  );
  metrics.gauge(
    'chorus_search_waiting',
    'Searches and recommendations waiting for a slot',
    () => gate.stats().waiting,
  );
  metrics.gauge(
    'chorus_search_rejected',
    'Searches turned away with a full queue (503), since start',
    () => gate.stats().rejected,
  );
  const routeDeps: RouteDeps = { engine: deps.engine, keys, config, admit: gate.middleware };

  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  // Every request passes these first, in this order (the /v1/search fast path runs the same list).
  const before: RequestHandler[] = [
    logger.level === 'silent'
      ? requestId()
      : pinoHttp({
          logger,
          genReqId: requestIdFor,
          // Keys, cookies, query strings and user ids never reach the logs.
          redact: { paths: REDACT_PATHS, censor: '[redacted]' },
          serializers: { req: redactedRequest, res: redactedResponse },
        }),
    // No key: loopback names only, so a DNS-rebound page (Host: evil.example) gets nothing, admin UI included.
    ...(keys.open ? [loopbackHostOnly()] : []),
    // Browser pages on the configured origins (cors.origins): their preflights end here.
    corsForOrigins(config.cors.origins),
    requestTimeout(config.limits.requestTimeoutMs, { writeGraceMs: config.limits.writeGraceMs }),
    helmet({
      contentSecurityPolicy: {
        directives: {
          'script-src': ["'self'"],
          'img-src': ["'self'", 'data:', 'blob:'],
          'media-src': ["'self'", 'data:', 'blob:'],
        },
      },
    }),
    metrics.middleware,
    perKeyRateLimit({ limit: config.limits.rateLimitPerMinute, keys }),
  ];
  for (const handler of before) app.use(handler);
  // Bulk loads of precomputed vectors get Qdrant's 32 MiB; every other route keeps the small limit.
  app.post(
    '/v1/items',
    // Registered before the body is read: a 504 while the body is still arriving or being parsed says the write
    // was not applied (it has not started; the handler registers it again when it runs).
    (_req, res, next) => {
      trackWrite(res);
      next();
    },
    itemsJsonBody(
      config.limits.maxItemsBodyBytes,
      'limits.maxItemsBodyBytes, env CHORUS_LIMITS__MAX_ITEMS_BODY_BYTES',
    ),
  );
  app.use(
    jsonBody(config.limits.maxBodyBytes, 'limits.maxBodyBytes, env CHORUS_LIMITS__MAX_BODY_BYTES'),
  );

  const extras = deps.extraRouters?.(routeDeps) ?? [];
  const openapi = buildOpenApi([...CORE_ROUTES, ...extras.flatMap((e) => e.routes)], {
    version: deps.version ?? '0.1.0',
    keysRequired: !keys.open,
  });
  const docs = renderDocsPage(openapi);
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.get('/docs', (_req, res) => {
    res.type('html').send(docs);
  });

  // The hot route first: every router before it costs each search a walk of its layers (paths do not overlap).
  app.use(createSearchRouter(routeDeps));
  app.use(createHealthRouter({ ...routeDeps, metrics }));
  app.use(createCollectionsRouter(routeDeps));
  app.use(createTuningRouter(routeDeps));
  app.use(createItemMaintenanceRouter(routeDeps));
  app.use(createItemsRouter(routeDeps));
  app.use(createItemStreamRouter(routeDeps));
  app.use(createRecommendRouter(routeDeps));
  app.use(createFeedbackRouter(routeDeps));
  for (const e of extras) app.use(e.router);

  app.use(notFound);
  const onError = errorHandler((err, status) => {
    if (status >= 500) logger.error({ err }, 'request failed');
  });
  app.use(onError);
  // Plain-shaped searches skip the router and body parser, running the same functions (api/fast-route).
  installFastRoute(app, {
    path: searchRoutes.search.path,
    limit: config.limits.maxBodyBytes,
    before,
    verify: verifyJsonBody,
    route: searchHandlers(routeDeps),
    onError,
  });
  return { app, keys, metrics, openapi };
}
