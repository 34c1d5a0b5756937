import { Router } from 'express';
import { z } from 'zod';
import { CollectionSchema, VectorSpec, PayloadFieldType } from '../../domain/collection.js';
import { VectorName } from '../../domain/modality.js';
import { addRoute, type RouteDeps } from '../route-deps.js';
import type { RouteSpec } from '../route-spec.js';
import { CollectionParam } from '../schemas.js';
import { parseBody, parseParams } from '../validate.js';

export const CreateCollectionBody = CollectionSchema.extend({
  vectors: z
    .record(VectorName, VectorSpec.strict())
    .refine((v) => Object.keys(v).length > 0, 'a collection needs at least one named vector'),
  payloadIndexes: z.record(z.string(), PayloadFieldType).optional(),
})
  .strict()
  .meta({ id: 'CreateCollection' });

export const CollectionInfo = z
  .object({
    name: z.string(),
    vectors: z.record(
      z.string(),
      z.object({
        modality: z.string(),
        dim: z.number().int(),
        distance: z.string(),
        modelId: z.string().optional(),
      }),
    ),
    payloadIndexes: z.record(z.string(), z.string()),
    count: z.number().int().meta({ description: 'Items stored' }),
    lexicalCount: z.number().int().meta({ description: 'Items with text in the BM25 index' }),
  })
  .meta({ id: 'Collection' });

export const collectionRoutes = {
  list: {
    method: 'get',
    path: '/v1/collections',
    tag: 'collections',
    scope: 'read',
    listsCollections: true,
    summary: 'List collections with their schemas and sizes',
    response: z.object({ collections: z.array(CollectionInfo) }),
  },
  create: {
    method: 'post',
    path: '/v1/collections',
    tag: 'collections',
    scope: 'admin',
    summary: 'Create a collection (named vectors with dimension and distance; payload indexes)',
    body: CreateCollectionBody,
    response: z.object({ collection: CollectionInfo }),
    status: 201,
  },
  get: {
    method: 'get',
    path: '/v1/collections/:name',
    tag: 'collections',
    scope: 'read',
    summary: 'One collection',
    params: CollectionParam,
    response: z.object({ collection: CollectionInfo }),
  },
  drop: {
    method: 'delete',
    path: '/v1/collections/:name',
    tag: 'collections',
    scope: 'admin',
    summary: 'Drop a collection with its items, lexical index and feedback state',
    params: CollectionParam,
    response: z.object({ dropped: z.string() }),
  },
} satisfies Record<string, RouteSpec>;

export function createCollectionsRouter(deps: RouteDeps): Router {
  const router = Router();
  const { engine } = deps;
  const info = async (schema: CollectionSchema): Promise<z.infer<typeof CollectionInfo>> => ({
    name: schema.name,
    vectors: schema.vectors,
    payloadIndexes: schema.payloadIndexes,
    count: await engine.store.count(schema.name),
    lexicalCount: engine.deps.bm25.count(schema.name),
  });
  addRoute(router, deps, collectionRoutes.list, async (_req, res) => {
    // A key limited to some collections sees only those.
    const allowed = res.locals.keyCollections as ReadonlySet<string> | undefined;
    const all = (await engine.listCollections()).filter((c) => !allowed || allowed.has(c.name));
    res.json({ collections: await Promise.all(all.map(info)) });
  });
  addRoute(router, deps, collectionRoutes.create, async (req, res) => {
    const body = parseBody(CreateCollectionBody, req);
    const created = await engine.createCollection(body);
    res.status(201).json({ collection: await info(created) });
  });
  addRoute(router, deps, collectionRoutes.get, async (req, res) => {
    const { name } = parseParams(CollectionParam, req);
    res.json({ collection: await info(await engine.getCollection(name)) });
  });
  addRoute(router, deps, collectionRoutes.drop, async (req, res) => {
    const { name } = parseParams(CollectionParam, req);
    await engine.getCollection(name);
    await engine.dropCollection(name);
    res.json({ dropped: name });
  });
  return router;
}
