import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Router } from 'express';
import { z } from 'zod';
import { CollectionName, ItemId } from '../../domain/names.js';
import type { RankedResponse } from '../../engine/two-stage.js';
import { parseSortText } from '../../domain/sort-keys.js';
import { ChorusError } from '../../errors.js';
import { resolveInsideRoot } from '../../indexing/safe-path.js';
import { adminProvenance, type Provenance, type ProvenanceRepo } from '../../storage/index.js';
import type { AdminDeps } from '../admin-deps.js';
import { checkFilter, summariseFields, type FieldIndex } from '../filter-fields.js';
import { FacetFiltersSchema } from '../../api/routes/search.js';
import { QuerySpec, RankerSpec, runSide } from './ranker-spec.js';

// `sort` as the CLI writes it ("year:desc, title"), parsed here so the playground and `chorus search --sort` agree.
const CompareBody = QuerySpec.extend({
  left: RankerSpec,
  right: RankerSpec,
  sort: z.string().max(400).optional(),
  // "As you type": the last word may be unfinished (the API's `prefix`).
  prefix: z.boolean().optional(),
  // Values ticked in the facet sidebar: both sides' hits pass them (the API's `facetFilters`).
  facetFilters: FacetFiltersSchema.optional(),
}).strict();

/** Fields the playground's sidebar counts: the collection's keyword and bool indexes, as many as fit. */
const SIDEBAR_FIELDS = 6;
/** Values counted per sidebar field: it shows the first 10 and finds the others by name. */
const SIDEBAR_VALUES = 50;

const MEDIA_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.wav': 'audio/wav',
  '.mp3': 'audio/mpeg',
  '.flac': 'audio/flac',
  '.ogg': 'audio/ogg',
  '.m4a': 'audio/mp4',
};

/**
 * The media file the server recorded when it indexed the item: its root (a real path the server itself indexed
 * from) and a relative path, resolved with realpath and confined to the root, so a symlink out is refused.
 * Payload fields are never consulted: clients write those.
 */
export async function mediaPath(
  recorded: Provenance | undefined,
  kind: 'image' | 'audio',
): Promise<string | undefined> {
  const rel = recorded?.[kind];
  if (!recorded || !rel) return undefined;
  try {
    return await resolveInsideRoot(recorded.root.path, rel);
  } catch {
    return undefined; // gone, or now outside the root: nothing to serve
  }
}

/** Which media an admin view can show for each hit (from provenance, not the payload). */
export function withMedia(provenance: ProvenanceRepo, collection: string, r: RankedResponse) {
  const recorded = provenance.get(
    collection,
    r.hits.map((h) => h.id),
  );
  return {
    ...r,
    hits: r.hits.map((h) => {
      const p = recorded.get(h.id);
      return { ...h, media: { image: Boolean(p?.image), audio: Boolean(p?.audio) } };
    }),
  };
}

/** How long a collection's filter values are reused before the items are read again. */
const FIELDS_TTL_MS = 30_000;

/**
 * POST /admin/api/compare (two rankers side by side, the filter checked against the collection's values first),
 * GET /admin/api/fields/:collection (filterable fields and an example filter), GET /admin/api/provenance/:collection/:id
 * and GET /admin/api/media/:collection/:id/:kind.
 */
export function createPlaygroundRouter(deps: AdminDeps): Router {
  const router = Router();
  const now = deps.now ?? Date.now;
  const fieldCache = new Map<string, { at: number; fields: Promise<FieldIndex> }>();
  const fieldsOf = async (collection: string): Promise<FieldIndex> => {
    const hit = fieldCache.get(collection);
    if (hit && now() - hit.at < FIELDS_TTL_MS) return hit.fields;
    const fields = deps.engine
      .getCollection(collection)
      .then((schema) => summariseFields(deps.engine.store, schema));
    fieldCache.set(collection, { at: now(), fields });
    fields.catch(() => fieldCache.delete(collection));
    return fields;
  };

  router.get('/admin/api/fields/:collection', async (req, res) => {
    const { distinct: _d, ...summary } = await fieldsOf(
      z.string().min(1).max(128).parse(req.params.collection),
    );
    res.json(summary);
  });

  router.post('/admin/api/compare', async (req, res) => {
    const b = CompareBody.parse(req.body ?? {});
    // A filter that names no field of the collection, or a value only in another case, is refused before searching.
    const filterNotes = b.filter ? checkFilter(b.filter, await fieldsOf(b.collection)) : [];
    const sort = b.sort === undefined ? undefined : parseSortText(b.sort);
    const fields = await fieldsOf(b.collection);
    const facets = fields.fields
      .filter((f) => f.type === 'keyword' || f.type === 'bool')
      .slice(0, SIDEBAR_FIELDS)
      .map((f) => f.key);
    const how = { sort, prefix: b.prefix, facetFilters: b.facetFilters };
    // The sidebar counts the left side's candidates (stage 1 is the same for both unless `candidates` differs).
    const [left, right] = await Promise.all([
      runSide(deps.engine, b, b.left, { ...how, facets, facetSize: SIDEBAR_VALUES }),
      runSide(deps.engine, b, b.right, how),
    ]);
    const { facets: counted, ...leftHits } = left;
    res.json({
      left: withMedia(deps.db.provenance, b.collection, leftHits),
      right: withMedia(deps.db.provenance, b.collection, right),
      filterNotes,
      ...(sort ? { sort } : {}),
      ...(counted ? { facets: counted } : {}),
    });
  });

  // Where the server found an item's files: the import root's name and paths relative to it, never its absolute path.
  router.get('/admin/api/provenance/:collection/:id', (req, res) => {
    const p = z.object({ collection: CollectionName, id: ItemId }).parse(req.params);
    const recorded = deps.db.provenance.get(p.collection, [p.id]).get(p.id);
    if (!recorded)
      throw new ChorusError(
        'NOT_FOUND',
        `item ${p.id} in ${p.collection} was not indexed from files`,
      );
    res.json({ collection: p.collection, id: p.id, provenance: adminProvenance(recorded) });
  });

  router.get('/admin/api/media/:collection/:id/:kind', async (req, res) => {
    const p = z
      .object({ collection: CollectionName, id: ItemId, kind: z.enum(['image', 'audio']) })
      .parse(req.params);
    const [item] = await deps.engine.store.get(p.collection, [p.id]);
    if (!item) throw new ChorusError('NOT_FOUND', `no item ${p.id} in ${p.collection}`);
    const file = await mediaPath(deps.db.provenance.get(p.collection, [p.id]).get(p.id), p.kind);
    const type = file ? MEDIA_TYPES[path.extname(file).toLowerCase()] : undefined;
    const st = file && type ? await stat(file).catch(() => undefined) : undefined;
    if (!file || !st?.isFile())
      throw new ChorusError('NOT_FOUND', `item ${p.id} has no stored ${p.kind} file`);
    res.setHeader('content-type', type!);
    res.setHeader('content-length', String(st.size));
    res.setHeader('cache-control', 'private, max-age=300');
    createReadStream(file).pipe(res);
  });
  return router;
}
