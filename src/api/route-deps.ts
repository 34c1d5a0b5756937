import type { RequestHandler, Router } from 'express';
import type { ChorusConfig } from '../config.js';
import type { Engine } from '../engine/engine.js';
import type { KeyRing } from './middleware/auth.js';
import { requireCollectionAccess, requireScope } from './middleware/auth.js';
import { requireJson } from './middleware/errors.js';
import type { RouteSpec } from './route-spec.js';

/** What every router factory receives. */
export interface RouteDeps {
  engine: Engine;
  keys: KeyRing;
  config: ChorusConfig;
  /** Admission for the CPU-bound read routes (search, recommend); absent: no gate. */
  admit?: RequestHandler;
}

/** Registers a route with its guard (scope) and, for bodies, the JSON content-type check. */
export function addRoute(
  router: Router,
  deps: RouteDeps,
  spec: RouteSpec,
  ...handlers: RequestHandler[]
): void {
  router[spec.method](spec.path, ...routeHandlers(deps, spec, ...handlers));
}

/** A route's guards followed by its handlers, as addRoute mounts them. */
export function routeHandlers(
  deps: RouteDeps,
  spec: RouteSpec,
  ...handlers: RequestHandler[]
): RequestHandler[] {
  const guards: RequestHandler[] = [];
  if (spec.scope) guards.push(requireScope(deps.keys, spec.scope));
  if (spec.body || spec.multipart) guards.push(requireJson(Boolean(spec.multipart)));
  // Keys limited to some collections: checked on the parsed body, before any work.
  if (spec.scope)
    guards.push(
      requireCollectionAccess({
        namesCollection: spec.path.startsWith('/v1/collections/:name'),
        lists: spec.listsCollections,
      }),
    );
  // After the guards: a request that would be refused anyway never holds or waits for a slot.
  if (spec.admission && deps.admit) guards.push(deps.admit);
  return [...guards, ...handlers];
}
