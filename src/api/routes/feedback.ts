import { Router } from 'express';
import { z } from 'zod';
import { FeedbackEvent } from '../../domain/feedback.js';
import { planCfForget } from '../../engine/cf/forget-user-cf.js';
import { checkClientFeedback } from '../feedback-checks.js';
import { addRoute, type RouteDeps } from '../route-deps.js';
import type { RouteSpec } from '../route-spec.js';
import { parseBody, parseParams } from '../validate.js';

export const FeedbackBody = z
  .union([FeedbackEvent, z.object({ events: z.array(FeedbackEvent).min(1).max(1000) }).strict()])
  .meta({
    id: 'FeedbackRequest',
    description: 'One event, or { events: [...] }. Idempotent on eventId.',
  });

export const FeedbackResponse = z.object({
  accepted: z.number().int().meta({ description: 'Events applied now' }),
  duplicates: z.number().int().meta({ description: 'Events whose eventId was already applied' }),
});

export const UserParam = z.object({ id: z.string().min(1).max(128) }).strict();

export const feedbackRoutes = {
  feedback: {
    method: 'post',
    path: '/v1/feedback',
    tag: 'feedback',
    scope: 'write',
    summary: 'Log impressions, clicks, dwell, likes, purchases and skips',
    description:
      "Updates item priors and the user's profile at once, so the next request reflects the event. Unknown collection: 404. " +
      'Timestamps must lie between 2000-01-01 and one day from now (400); event ids starting with imp_ are reserved for ' +
      "the engine's own impressions (400). Re-sending an eventId with the same content is a " +
      'duplicate; with different content, 409. Impression `features` are stored but trained on only when they are finite, ' +
      'within ±1e6 and the right length for the running feature spec.',
    body: FeedbackBody,
    response: FeedbackResponse,
  },
  deleteUser: {
    method: 'delete',
    path: '/v1/users/:id',
    tag: 'feedback',
    scope: 'admin',
    summary:
      "Delete a user's events, profiles and seen items, and re-learn the collaborative-filtering vectors without them",
    params: UserParam,
    response: z.object({
      userId: z.string(),
      profiles: z.number().int(),
      seen: z.number().int(),
      events: z.unknown(),
      cf: z.object({ refreshed: z.array(z.string()), cleared: z.number().int() }).meta({
        description:
          'Collections whose cf vectors were re-learned; items whose cf vector was removed',
      }),
    }),
  },
} satisfies Record<string, RouteSpec>;

export function createFeedbackRouter(deps: RouteDeps): Router {
  const router = Router();
  addRoute(router, deps, feedbackRoutes.feedback, async (req, res) => {
    const body = parseBody(FeedbackBody, req);
    const events = 'events' in body ? body.events : [body];
    await checkClientFeedback(deps.engine, events);
    res.json(await deps.engine.ingest(events));
  });
  addRoute(router, deps, feedbackRoutes.deleteUser, async (req, res) => {
    const { id } = parseParams(UserParam, req);
    const cf = await planCfForget(deps.engine.deps, id);
    const deleted = await deps.engine.deleteUser(id);
    res.json({ userId: id, ...deleted, cf: await cf.apply() });
  });
  return router;
}
