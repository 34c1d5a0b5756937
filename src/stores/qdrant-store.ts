import { QdrantClient, type Schemas } from '@qdrant/js-client-rest';
import {
  CollectionSchema,
  type CollectionSchemaInput,
  type PayloadFieldType,
} from '../domain/collection.js';
import type { Filter } from '../domain/filter.js';
import type { Item, ItemId, Payload, VectorHit } from '../domain/item.js';
import type { Distance } from '../domain/modality.js';
import { ChorusError } from '../errors.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { toQdrantFilter } from './filter-qdrant.js';
import { checkK, checkVector, validateBatch } from './item-validation.js';
import { qdrantCall } from './qdrant/errors.js';
import { ORIGINAL_ID_KEY, pointIdFor } from './qdrant/point-id.js';
import { assertSchemaCompatible, parseCollectionSchema } from './schema-compat.js';
import type {
  ItemInput,
  ScrollPage,
  SearchOptions,
  VectorStore,
  WriteOptions,
} from './vector-store.js';

export interface QdrantStoreOptions {
  url: string;
  apiKey?: string;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
}

const DISTANCE: Record<Distance, 'Cosine' | 'Dot' | 'Euclid'> = {
  cosine: 'Cosine',
  dot: 'Dot',
  l2: 'Euclid',
};
const FROM_DISTANCE: Record<string, Distance> = { Cosine: 'cosine', Dot: 'dot', Euclid: 'l2' };
const FIELD_SCHEMA: Record<
  PayloadFieldType,
  'keyword' | 'integer' | 'float' | 'bool' | 'text' | 'datetime' | 'geo'
> = {
  keyword: 'keyword',
  integer: 'integer',
  float: 'float',
  bool: 'bool',
  text: 'text',
  datetime: 'datetime',
  geo: 'geo',
};
/** Where the CollectionSchema lives in Qdrant's collection metadata. */
const METADATA_KEY = 'chorus_schema';
const MAX_SCROLL = 10_000;

/** The scale-out VectorStore: Qdrant with one named vector per modality and payload indexes for filtering. */
export class QdrantStore implements VectorStore {
  readonly backend = 'qdrant' as const;
  private readonly client: QdrantClient;
  private readonly schemas = new Map<string, CollectionSchema>();

  constructor(opts: QdrantStoreOptions) {
    this.client = new QdrantClient({
      url: opts.url,
      apiKey: opts.apiKey,
      timeout: opts.timeoutMs ?? 30_000,
      checkCompatibility: false,
    });
  }

  async createCollection(input: CollectionSchemaInput): Promise<CollectionSchema> {
    const schema = parseCollectionSchema(input);
    const { exists } = await qdrantCall('collection lookup', () =>
      this.client.collectionExists(schema.name),
    );
    if (exists)
      throw new ChorusError('COLLECTION_EXISTS', `collection ${schema.name} already exists`, {
        name: schema.name,
      });
    const vectors = Object.fromEntries(
      Object.entries(schema.vectors).map(([name, v]) => [
        name,
        { size: v.dim, distance: DISTANCE[v.distance] },
      ]),
    );
    await qdrantCall('create collection', () =>
      this.client.createCollection(schema.name, {
        vectors,
        metadata: { [METADATA_KEY]: JSON.stringify(schema) },
      }),
    );
    for (const [field, type] of Object.entries(schema.payloadIndexes)) {
      await qdrantCall('create payload index', () =>
        this.client.createPayloadIndex(schema.name, {
          field_name: field,
          field_schema: FIELD_SCHEMA[type],
          wait: true,
        }),
      );
    }
    this.schemas.set(schema.name, schema);
    return schema;
  }

  async openCollection(name: string, expected?: CollectionSchemaInput): Promise<CollectionSchema> {
    const schema = await this.schema(name, true);
    if (expected) assertSchemaCompatible(schema, expected);
    return schema;
  }

  async listCollections(): Promise<CollectionSchema[]> {
    const { collections } = await qdrantCall('list collections', () =>
      this.client.getCollections(),
    );
    const out: CollectionSchema[] = [];
    for (const c of collections) {
      try {
        out.push(await this.schema(c.name, true));
      } catch (e) {
        if (!(e instanceof ChorusError) || e.code !== 'SCHEMA_MISMATCH') throw e;
      }
    }
    return out.sort((a, b) => a.name.localeCompare(b.name));
  }

  async dropCollection(name: string): Promise<void> {
    await this.schema(name, true);
    await qdrantCall('drop collection', () => this.client.deleteCollection(name), name);
    this.schemas.delete(name);
  }

  async upsert(
    collection: string,
    items: ItemInput[],
    opts: WriteOptions = {},
  ): Promise<{ upserted: number }> {
    const schema = await this.schema(collection);
    const valid = validateBatch(schema, items);
    if (valid.length === 0) return { upserted: 0 };
    const points = valid.map((it) => ({
      id: pointIdFor(it.id),
      vector: Object.fromEntries(Object.entries(it.vectors).map(([k, v]) => [k, Array.from(v)])),
      payload: { ...it.payload, [ORIGINAL_ID_KEY]: it.id },
    }));
    opts.signal?.throwIfAborted(); // last point before the write is sent; after it, it may be applied
    opts.onCommit?.();
    // One request is one Qdrant update operation, applied (and WAL-logged) as a unit; wait until it is durable.
    await qdrantCall(
      'upsert',
      () => this.client.upsert(collection, { wait: true, points }),
      collection,
    );
    return { upserted: valid.length };
  }

  async get(
    collection: string,
    ids: ItemId[],
    opts: { withVectors?: boolean; signal?: AbortSignal } = {},
  ): Promise<Item[]> {
    opts.signal?.throwIfAborted();
    await this.schema(collection);
    if (ids.length === 0) return [];
    const points = await qdrantCall(
      'get',
      () =>
        this.client.retrieve(collection, {
          ids: [...new Set(ids)].map(pointIdFor),
          with_payload: true,
          with_vector: !!opts.withVectors,
        }),
      collection,
    );
    const byId = new Map(points.map((p) => [originalId(p.payload), toItem(p)]));
    return [...new Set(ids)].flatMap((id) => byId.get(id) ?? []);
  }

  async delete(
    collection: string,
    ids: ItemId[],
    opts: WriteOptions = {},
  ): Promise<{ deleted: number }> {
    const existing = await this.get(collection, ids, opts);
    if (existing.length === 0) return { deleted: 0 };
    opts.signal?.throwIfAborted();
    opts.onCommit?.();
    await qdrantCall(
      'delete',
      () =>
        this.client.delete(collection, {
          wait: true,
          points: existing.map((i) => pointIdFor(i.id)),
        }),
      collection,
    );
    return { deleted: existing.length };
  }

  async count(collection: string, filter?: Filter): Promise<number> {
    const schema = await this.schema(collection);
    const f = toQdrantFilter(filter, schema.payloadIndexes);
    const r = await qdrantCall(
      'count',
      () => this.client.count(collection, { exact: true, ...(f ? { filter: f } : {}) }),
      collection,
    );
    return r.count;
  }

  async scroll(
    collection: string,
    opts: { limit?: number; cursor?: string; filter?: Filter; withVectors?: boolean } = {},
  ): Promise<ScrollPage> {
    const schema = await this.schema(collection);
    const limit = opts.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SCROLL) {
      throw new ChorusError('VALIDATION', `scroll limit must be an integer in 1..${MAX_SCROLL}`);
    }
    const f = toQdrantFilter(opts.filter, schema.payloadIndexes);
    const offset = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor);
    const r = await qdrantCall(
      'scroll',
      () =>
        this.client.scroll(collection, {
          limit,
          with_payload: true,
          with_vector: !!opts.withVectors,
          ...(offset !== undefined ? { offset } : {}),
          ...(f ? { filter: f } : {}),
        }),
      collection,
    );
    const items = r.points.map(toItem);
    const next = r.next_page_offset;
    return next === null || next === undefined
      ? { items }
      : { items, next: encodeCursor(String(next)) };
  }

  async search(
    collection: string,
    vectorName: string,
    vector: Float32Array | number[],
    k: number,
    opts: SearchOptions = {},
  ): Promise<VectorHit[]> {
    opts.signal?.throwIfAborted();
    const schema = await this.schema(collection);
    checkK(k);
    const query = checkVector(schema, vectorName, vector, 'query');
    const f = toQdrantFilter(opts.filter, schema.payloadIndexes);
    const r = await qdrantCall(
      'search',
      () =>
        this.client.query(collection, {
          query: Array.from(query),
          using: vectorName,
          limit: k,
          with_payload: true,
          with_vector: !!opts.withVectors,
          params: { hnsw_ef: Math.max(100, k * 10) },
          ...(f ? { filter: f } : {}),
        }),
      collection,
    );
    const distance = schema.vectors[vectorName]!.distance;
    return r.points.map((p) => {
      const item = toItem(p);
      // Qdrant reports Euclid as a distance (lower is better); the port promises higher-is-better everywhere.
      const hit: VectorHit = {
        id: item.id,
        score: distance === 'l2' ? -p.score : p.score,
        payload: item.payload,
      };
      if (opts.withVectors) hit.vectors = item.vectors;
      return hit;
    });
  }

  async close(): Promise<void> {
    this.schemas.clear();
  }

  private async schema(name: string, fresh = false): Promise<CollectionSchema> {
    const cached = this.schemas.get(name);
    if (cached && !fresh) return cached;
    const info = await qdrantCall('open collection', () => this.client.getCollection(name), name);
    const schema = schemaFromInfo(name, info);
    this.schemas.set(name, schema);
    return schema;
  }
}

/** Reads the schema from collection metadata; older servers without metadata fall back to the vector config. */
function schemaFromInfo(name: string, info: Schemas['CollectionInfo']): CollectionSchema {
  const meta = (info.config as { metadata?: Record<string, unknown> | null }).metadata?.[
    METADATA_KEY
  ];
  if (typeof meta === 'string') {
    const parsed = CollectionSchema.safeParse(JSON.parse(meta));
    if (parsed.success) return parsed.data;
  }
  const vectorsConfig = info.config.params.vectors as
    Record<string, { size: number; distance: string }> | undefined;
  if (!vectorsConfig || typeof (vectorsConfig as { size?: unknown }).size === 'number') {
    throw new ChorusError(
      'SCHEMA_MISMATCH',
      `Qdrant collection ${name} has no named vectors; it is not a Chorus collection`,
    );
  }
  const payloadIndexes: Record<string, PayloadFieldType> = {};
  for (const [field, s] of Object.entries(info.payload_schema ?? {})) {
    const t = (s as { data_type?: string }).data_type;
    if (t && t in FIELD_SCHEMA) payloadIndexes[field] = t as PayloadFieldType;
  }
  return CollectionSchema.parse({
    name,
    vectors: Object.fromEntries(
      Object.entries(vectorsConfig).map(([v, c]) => [
        v,
        { modality: 'text', dim: c.size, distance: FROM_DISTANCE[c.distance] ?? 'cosine' },
      ]),
    ),
    payloadIndexes,
  });
}

function originalId(payload: Record<string, unknown> | null | undefined): string {
  return String(payload?.[ORIGINAL_ID_KEY] ?? '');
}

function toItem(p: {
  id: string | number;
  payload?: Record<string, unknown> | null;
  vector?: unknown;
}): Item {
  const { [ORIGINAL_ID_KEY]: id, ...payload } = (p.payload ?? {}) as Record<string, unknown>;
  const vectors: Record<string, Float32Array> = {};
  if (p.vector && typeof p.vector === 'object' && !Array.isArray(p.vector)) {
    for (const [k, v] of Object.entries(p.vector as Record<string, unknown>)) {
      if (Array.isArray(v)) vectors[k] = Float32Array.from(v as number[]);
    }
  }
  return { id: String(id ?? p.id), payload: payload as Payload, vectors };
}
