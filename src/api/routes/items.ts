import { Router, type RequestHandler } from 'express';
import multer from 'multer';
import { z } from 'zod';
import { CollectionName } from '../../domain/collection.js';
import { Filter } from '../../domain/filter.js';
import { ClientPayload, ItemId, JsonValue, type Item } from '../../domain/item.js';
import { publicPayload } from '../../domain/names.js';
import { checkFilter } from '../../engine/cost-limits.js';
import type { ItemWrite } from '../../engine/items.js';
import { ChorusError } from '../../errors.js';
import { sniffModality } from '../media-sniff.js';
import { requestSignal, trackWrite } from '../middleware/request-timeout.js';
import { addRoute, type RouteDeps } from '../route-deps.js';
import type { RouteSpec } from '../route-spec.js';
import { Base64Media, FacetCounts, QueryBool } from '../schemas.js';
import { parseBody, parseParams, parseQuery } from '../validate.js';
import { FacetFields, FacetFiltersSchema, FacetSize, QueryVectors } from './search.js';

export const ItemBody = z
  .object({
    id: ItemId,
    payload: ClientPayload.optional().meta({
      description: 'Any JSON fields (title, tags, ...); usable in filters; text fields feed BM25',
    }),
    text: z
      .string()
      .max(100_000)
      .optional()
      .meta({ description: 'Text to embed with every text tower the collection stores' }),
    image: Base64Media.optional(),
    audio: Base64Media.optional(),
    vectors: QueryVectors.optional().meta({ description: 'Precomputed vectors per vector name' }),
  })
  .strict()
  .meta({ id: 'ItemInput' });

export const UpsertItemsBody = z
  .object({
    collection: CollectionName,
    // Two items with one id in one batch is ambiguous (which wins?): reject it rather than guess.
    items: z
      .array(ItemBody)
      .min(1)
      .max(1000)
      .superRefine((items, ctx) => {
        const seen = new Set<string>();
        for (const [i, item] of items.entries()) {
          if (seen.has(item.id))
            ctx.addIssue({
              code: 'custom',
              path: [i, 'id'],
              message: `duplicate id "${item.id}" in one batch`,
            });
          seen.add(item.id);
        }
      }),
  })
  .strict()
  .meta({ id: 'UpsertItems' });

const MultipartFields = z
  .object({
    collection: CollectionName,
    id: ItemId,
    payload: z
      .string()
      .optional()
      .transform((s, ctx) => {
        if (s === undefined) return undefined;
        let parsed: unknown;
        try {
          parsed = JSON.parse(s);
        } catch {
          ctx.addIssue({ code: 'custom', message: 'payload must be a JSON object' });
          return z.NEVER;
        }
        const r = ClientPayload.safeParse(parsed);
        if (!r.success) {
          for (const issue of r.error.issues)
            ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
          return z.NEVER;
        }
        return r.data;
      }),
    text: z.string().max(100_000).optional(),
  })
  .strict();

export const ItemParams = z.object({ id: ItemId }).strict();
export const ItemQuery = z
  .object({ collection: CollectionName, withVectors: QueryBool.optional() })
  .strict();
export const DeleteItemQuery = z.object({ collection: CollectionName }).strict();

export const StoredItem = z
  .object({
    id: z.string(),
    payload: z.record(z.string(), JsonValue),
    vectorNames: z.array(z.string()),
    vectors: z.record(z.string(), z.array(z.number())).optional(),
  })
  .meta({ id: 'Item' });

/** Items per scroll page when their vectors are included. */
const MAX_VECTOR_PAGE = 200;

export const ScrollItemsBody = z
  .object({
    collection: CollectionName,
    limit: z.number().int().min(1).max(1000).default(100),
    cursor: z
      .string()
      .max(1024)
      .optional()
      .meta({ description: 'The `next` of the previous page' }),
    filter: Filter.optional(),
    withVectors: z.boolean().default(false),
  })
  .strict()
  // A page of 1,000 items with three 512-d vectors as JSON numbers is ~30 MB: vectors come in smaller pages.
  .refine((b) => !b.withVectors || b.limit <= MAX_VECTOR_PAGE, {
    message: `with withVectors, limit is at most ${MAX_VECTOR_PAGE}`,
    path: ['limit'],
  })
  .meta({ id: 'ScrollItemsRequest' });

export const ItemFacetsBody = z
  .object({
    collection: CollectionName,
    facets: FacetFields.min(1).meta({ description: 'Payload fields whose values to count' }),
    facetSize: FacetSize.optional(),
    filter: Filter.optional().meta({ description: 'Count only the items it selects' }),
    facetFilters: FacetFiltersSchema.optional().meta({
      description:
        "Ticked facet values per payload field (OR within a field, AND across fields): `matched` counts the items passing them all; a field also named in `facets` counts the items passing every other field's selection (disjunctive facets). One pass over what `filter` selects",
    }),
  })
  .strict()
  .meta({ id: 'ItemFacetsRequest' });

export const itemRoutes = {
  upsert: {
    method: 'post',
    path: '/v1/items',
    tag: 'items',
    scope: 'write',
    summary:
      'Upsert items (JSON with text, base64 media or precomputed vectors; or multipart with image/audio files)',
    description:
      'Multipart files are sniffed by content; a file that is neither image nor audio is a 415. Idempotent by id.',
    body: UpsertItemsBody,
    multipart: {
      fields: {
        collection: 'collection name',
        id: 'item id',
        payload: 'JSON object',
        text: 'text to embed',
      },
      files: { image: 'an image file', audio: 'an audio file', file: 'image or audio, sniffed' },
    },
    response: z.object({ upserted: z.number().int() }),
  },
  get: {
    method: 'get',
    path: '/v1/items/:id',
    tag: 'items',
    scope: 'read',
    summary: 'Get one item',
    params: ItemParams,
    query: ItemQuery,
    response: z.object({ item: StoredItem }),
  },
  scroll: {
    method: 'post',
    path: '/v1/items/scroll',
    tag: 'items',
    scope: 'read',
    summary: 'Page through a collection (export, audits)',
    description:
      'Items in id order, `limit` per page; pass `next` as `cursor` for the following page (absent on the last). A filter restricts the pages. A write between pages shows up in a later page when its id sorts after the cursor.',
    body: ScrollItemsBody,
    response: z.object({ items: z.array(StoredItem), next: z.string().nullable() }),
  },
  facets: {
    method: 'post',
    path: '/v1/items/facets',
    tag: 'items',
    scope: 'read',
    summary: 'Count payload values over a whole collection (catalogue facets)',
    description:
      "Each field's most frequent values over every item, or the items a filter selects (a search's `facets` count its candidates instead). Reads the payloads page by page: the cost grows with the items counted.",
    body: ItemFacetsBody,
    response: z.object({
      facets: FacetCounts,
      scanned: z.number().int().meta({ description: 'Items read (those the filter selects)' }),
      matched: z.number().int().optional().meta({
        description: 'With `facetFilters`: the items that also pass every selection',
      }),
    }),
  },
  delete: {
    method: 'delete',
    path: '/v1/items/:id',
    tag: 'items',
    scope: 'write',
    summary: 'Delete one item (vectors and lexical index)',
    params: ItemParams,
    query: DeleteItemQuery,
    response: z.object({ deleted: z.number().int() }),
  },
} satisfies Record<string, RouteSpec>;

function multipartParser(deps: RouteDeps): RequestHandler {
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: {
      fileSize: deps.config.limits.maxUploadBytes,
      files: 3,
      fields: 8,
      fieldSize: deps.config.limits.maxBodyBytes,
      parts: 12,
    },
  }).fields([
    { name: 'image', maxCount: 1 },
    { name: 'audio', maxCount: 1 },
    { name: 'file', maxCount: 1 },
  ]);
  return (req, res, next) => (req.is('multipart/form-data') ? upload(req, res, next) : next());
}

export function createItemsRouter(deps: RouteDeps): Router {
  const router = Router();
  const { engine } = deps;
  addRoute(router, deps, itemRoutes.upsert, multipartParser(deps), async (req, res) => {
    const write = trackWrite(res); // from here a 504 says whether the write was applied
    if (req.is('multipart/form-data')) {
      const fields = MultipartFields.parse({ ...(req.body as object) });
      const files = (req.files ?? {}) as Record<string, Express.Multer.File[]>;
      const item: ItemWrite = { id: fields.id, payload: fields.payload, text: fields.text };
      for (const [field, list] of Object.entries(files)) {
        const f = list[0];
        if (!f) continue;
        if (f.size === 0)
          throw new ChorusError('MEDIA_DECODE', `file "${field}" is empty`, { field });
        const kind = await sniffModality(f.buffer, field);
        if (item[kind]) throw new ChorusError('BAD_REQUEST', `more than one ${kind} file`);
        item[kind] = f.buffer;
      }
      if (!item.image && !item.audio && !item.text)
        throw new ChorusError('VALIDATION', 'a multipart item needs an image, audio or text');
      res.json(await engine.upsertItems(fields.collection, [item], write));
      return;
    }
    const body = parseBody(UpsertItemsBody, req);
    const writes: ItemWrite[] = [];
    for (const i of body.items) {
      const image = i.image ? Buffer.from(i.image, 'base64') : undefined;
      const audio = i.audio ? Buffer.from(i.audio, 'base64') : undefined;
      if (image) await sniffModality(image, 'image');
      if (audio) await sniffModality(audio, 'audio');
      write.signal.throwIfAborted();
      writes.push({ id: i.id, payload: i.payload, text: i.text, vectors: i.vectors, image, audio });
    }
    res.json(await engine.upsertItems(body.collection, writes, write));
  });
  addRoute(router, deps, itemRoutes.get, async (req, res) => {
    const { id } = parseParams(ItemParams, req);
    const q = parseQuery(ItemQuery, req);
    await engine.getCollection(q.collection);
    const [item] = await engine.store.get(q.collection, [id], {
      withVectors: true,
      signal: requestSignal(res),
    });
    if (!item)
      throw new ChorusError('NOT_FOUND', `item "${id}" is not in collection "${q.collection}"`);
    res.json({ item: storedItem(item, !!q.withVectors) });
  });
  addRoute(router, deps, itemRoutes.scroll, async (req, res) => {
    checkFilter(deps.config.limits, (req.body as { filter?: unknown } | undefined)?.filter);
    const b = parseBody(ScrollItemsBody, req);
    await engine.getCollection(b.collection);
    const page = await engine.store.scroll(b.collection, {
      limit: b.limit,
      cursor: b.cursor,
      filter: b.filter,
      // Read either way: an item's vector names come from its vectors.
      withVectors: true,
    });
    res.json({
      items: page.items.map((i) => storedItem(i, b.withVectors)),
      next: page.next ?? null,
    });
  });
  addRoute(router, deps, itemRoutes.facets, async (req, res) => {
    checkFilter(deps.config.limits, (req.body as { filter?: unknown } | undefined)?.filter);
    const b = parseBody(ItemFacetsBody, req);
    res.json(
      await engine.facets(b.collection, b.facets, {
        filter: b.filter,
        facetFilters: b.facetFilters,
        size: b.facetSize,
        signal: requestSignal(res),
      }),
    );
  });
  addRoute(router, deps, itemRoutes.delete, async (req, res) => {
    const { id } = parseParams(ItemParams, req);
    const q = parseQuery(DeleteItemQuery, req);
    res.json(await engine.deleteItems(q.collection, [id], trackWrite(res)));
  });
  return router;
}

/** An item as the API shows it: its public payload, which vectors it has, and their values when asked. */
export function storedItem(item: Item, withVectors: boolean): z.infer<typeof StoredItem> {
  return {
    id: item.id,
    payload: publicPayload(item.payload),
    vectorNames: Object.keys(item.vectors),
    ...(withVectors
      ? {
          vectors: Object.fromEntries(
            Object.entries(item.vectors).map(([k, v]) => [k, Array.from(v)]),
          ),
        }
      : {}),
  };
}
