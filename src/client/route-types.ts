// Request and response types of each route, read off the server's own route tables (the zod schemas the handlers
// validate with). Type-only: the client ships no zod at run time.
import type { z } from 'zod';
import type { collectionRoutes } from '../api/routes/collections.js';
import type { tuningRoutes } from '../api/routes/collection-tuning.js';
import type { itemMaintenanceRoutes } from '../api/routes/items-maintenance.js';
import type { feedbackRoutes } from '../api/routes/feedback.js';
import type { healthRoutes } from '../api/routes/health.js';
import type { itemStreamRoutes } from '../api/routes/items-stream.js';
import type { itemRoutes, ItemBody } from '../api/routes/items.js';
import type { modelRoutes } from '../api/routes/models.js';
import type { recommendRoutes } from '../api/routes/recommend.js';
import type { searchRoutes } from '../api/routes/search.js';
import type { jobRoutes } from '../jobs/jobs-router.js';

export type HealthRoutes = typeof healthRoutes;
/** A collection's own routes and its tuning routes (one `collections` namespace in the client). */
export type CollectionRoutes = typeof collectionRoutes & typeof tuningRoutes;
/** Items' routes, their upkeep routes included (one `items` namespace in the client). */
export type ItemRoutes = typeof itemRoutes & typeof itemMaintenanceRoutes;
export type ItemStreamRoutes = typeof itemStreamRoutes;
/** One item as POST /v1/items and each line of POST /v1/items/stream accept it. */
export type ItemInput = z.input<typeof ItemBody>;
export type SearchRoutes = typeof searchRoutes;
export type RecommendRoutes = typeof recommendRoutes;
export type FeedbackRoutes = typeof feedbackRoutes;
export type ModelRoutes = typeof modelRoutes;
export type JobRoutes = typeof jobRoutes;

type Part<S, K extends string> = S extends { [P in K]: infer T extends z.ZodType }
  ? z.input<T>
  : unknown;

/** One object: path parameters, query parameters and body fields of the route, as the server's schemas accept them. */
export type RouteInput<S> = Part<S, 'params'> & Part<S, 'query'> & Part<S, 'body'>;

/** The JSON the route answers with on success. */
export type RouteOutput<S> = S extends { response: infer R extends z.ZodType }
  ? z.output<R>
  : never;

export interface RequestOptions {
  /** Aborts the request (with the client's timeout, whichever fires first). */
  signal?: AbortSignal;
  /** Extra headers for this request. */
  headers?: Record<string, string>;
}

/** A client method: the input argument is optional when the route takes no parameters. */
export type RouteCall<S> =
  unknown extends RouteInput<S>
    ? (input?: Record<string, never>, opts?: RequestOptions) => Promise<RouteOutput<S>>
    : Record<string, never> extends RouteInput<S>
      ? (input?: RouteInput<S>, opts?: RequestOptions) => Promise<RouteOutput<S>>
      : (input: RouteInput<S>, opts?: RequestOptions) => Promise<RouteOutput<S>>;
