import { createReadStream, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import { z } from 'zod';
import { ChorusError } from '../../errors.js';
import type { AdminDeps } from '../admin-deps.js';
import { checkFilter, summariseFields, type FieldIndex } from '../filter-fields.js';
import { QuerySpec, RankerSpec, runSide } from './ranker-spec.js';

const CompareBody = QuerySpec.extend({ left: RankerSpec, right: RankerSpec }).strict();

const MEDIA_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.png': 'image/png', '.webp': 'image/webp', '.gif': 'image/gif',
  '.wav': 'audio/wav', '.mp3': 'audio/mpeg', '.flac': 'audio/flac', '.ogg': 'audio/ogg', '.m4a': 'audio/mp4',
};

/** Where an item's media file is: `payload._source` holds the indexed root and paths relative to it (H5's indexer). */
export function mediaPath(payload: Record<string, unknown>, kind: 'image' | 'audio'): string | undefined {
  const source = payload._source as Record<string, unknown> | undefined;
  const root = typeof source?.root === 'string' ? source.root : undefined;
  const rel = source?.[kind];
  if (!root || typeof rel !== 'string') return undefined;
  const rootAbs = path.resolve(root);
  const file = path.resolve(rootAbs, rel);
  // Never serve outside the indexed root, whatever a payload says.
  if (file !== rootAbs && !file.startsWith(rootAbs + path.sep)) return undefined;
  return file;
}

/** How long a collection's filter values are reused before the items are read again. */
const FIELDS_TTL_MS = 30_000;

/**
 * POST /admin/api/compare (two rankers side by side, the filter checked against the collection's values first),
 * GET /admin/api/fields/:collection (filterable fields and an example filter) and
 * GET /admin/api/media/:collection/:id/:kind.
 */
export function createPlaygroundRouter(deps: AdminDeps): Router {
  const router = Router();
  const now = deps.now ?? Date.now;
  const fieldCache = new Map<string, { at: number; fields: Promise<FieldIndex> }>();
  const fieldsOf = async (collection: string): Promise<FieldIndex> => {
    const hit = fieldCache.get(collection);
    if (hit && now() - hit.at < FIELDS_TTL_MS) return hit.fields;
    const fields = deps.engine.getCollection(collection).then((schema) => summariseFields(deps.engine.store, schema));
    fieldCache.set(collection, { at: now(), fields });
    fields.catch(() => fieldCache.delete(collection));
    return fields;
  };

  router.get('/admin/api/fields/:collection', async (req, res) => {
    const { distinct: _d, ...summary } = await fieldsOf(z.string().min(1).max(128).parse(req.params.collection));
    res.json(summary);
  });

  router.post('/admin/api/compare', async (req, res) => {
    const b = CompareBody.parse(req.body ?? {});
    // A filter that names no field of the collection, or a value only in another case, is refused before searching.
    const filterNotes = b.filter ? checkFilter(b.filter, await fieldsOf(b.collection)) : [];
    const [left, right] = await Promise.all([runSide(deps.engine, b, b.left), runSide(deps.engine, b, b.right)]);
    res.json({ left, right, filterNotes });
  });

  router.get('/admin/api/media/:collection/:id/:kind', async (req, res) => {
    const p = z.object({ collection: z.string().min(1), id: z.string().min(1), kind: z.enum(['image', 'audio']) }).parse(req.params);
    const [item] = await deps.engine.store.get(p.collection, [p.id]);
    if (!item) throw new ChorusError('NOT_FOUND', `no item ${p.id} in ${p.collection}`);
    const file = mediaPath(item.payload, p.kind);
    const type = file ? MEDIA_TYPES[path.extname(file).toLowerCase()] : undefined;
    if (!file || !type || !existsSync(file)) throw new ChorusError('NOT_FOUND', `item ${p.id} has no stored ${p.kind} file`);
    res.setHeader('content-type', type);
    res.setHeader('content-length', String(statSync(file).size));
    res.setHeader('cache-control', 'private, max-age=300');
    createReadStream(file).pipe(res);
  });
  return router;
}
