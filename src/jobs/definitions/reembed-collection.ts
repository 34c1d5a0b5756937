import { z } from 'zod';
import { CollectionName } from '../../domain/collection.js';
import type { Item, Payload } from '../../domain/item.js';
import { ensureCollection } from '../../indexing/ensure-collection.js';
import { publicPayload } from '../../domain/names.js';
import { indexBatch, type ItemFailure } from '../../indexing/item-indexer.js';
import type { SourceItem } from '../../indexing/source-item.js';
import type { Provenance } from '../../storage/index.js';
import { itemBatches, rebatch } from '../../stores/item-batches.js';
import type { JobContext } from '../job-context.js';
import { PermanentJobError, type JobDefinition } from '../queue.js';

export const ReembedPayload = z
  .object({
    /** The collection built with the old models. */
    collection: CollectionName,
    /** Where the re-embedded items go (created from the current encoders). */
    target: CollectionName,
    batchSize: z.number().int().min(1).max(1024).default(32),
  })
  .refine(
    (p) => p.collection !== p.target,
    'target must differ from collection: a changed model may change dimensions',
  );
export type ReembedPayload = z.infer<typeof ReembedPayload>;

export interface ReembedResult {
  indexed: number;
  failed: ItemFailure[];
}

/**
 * After a model change: read every item of `collection`, rebuild it from the source files the server recorded
 * when it indexed the item (the provenance table, never the client-writable payload) and its text, encode it
 * with the current encoders and write it to `target`. Files are read only inside their recorded root.
 */
export const reembedCollectionJob: JobDefinition<ReembedPayload, ReembedResult, JobContext> = {
  name: 'reembed-collection',
  payload: ReembedPayload,
  async process(p, ctx, progress) {
    const total = await ctx.store.count(p.collection).catch(() => {
      throw new PermanentJobError(`collection ${p.collection} does not exist`);
    });
    const oldSchema = await ctx.store.openCollection(p.collection);
    await ensureCollection(ctx.store, p.target, ctx.encoders);
    const out: ReembedResult = { indexed: 0, failed: [] };
    let seen = 0;
    // One pass over the old table where the store has it (paging by id cursor sorts the table for every page).
    for await (const page of rebatch(
      itemBatches(ctx.store, p.collection, { withVectors: true }),
      p.batchSize,
    )) {
      const byRoot = new Map<string | undefined, SourceItem[]>();
      const recorded = ctx.provenance.get(
        p.collection,
        page.map((i) => i.id),
      );
      for (const item of page) {
        const { root, source } = toSource(item, recorded.get(item.id));
        const lost = lostMedia(item, source, oldSchema.vectors);
        if (lost) {
          // Written through the API with raw bytes: there is no file to read again, and a text-only copy would drop it.
          out.failed.push({
            id: item.id,
            code: 'NO_SOURCE',
            reason: `no source file recorded for its ${lost}; index it again from its files`,
          });
          continue;
        }
        const list = byRoot.get(root) ?? [];
        list.push(source);
        byRoot.set(root, list);
      }
      for (const [root, items] of byRoot) {
        const r = await indexBatch(
          {
            store: ctx.store,
            provenance: ctx.provenance,
            encoders: ctx.encoders,
            maxFileBytes: ctx.maxFileBytes,
            afterUpsert: ctx.afterUpsert,
          },
          { collection: p.target, root, items, force: true },
        );
        out.indexed += r.indexed;
        out.failed.push(...r.failed);
      }
      seen += page.length;
      progress(total ? Math.min(1, seen / total) : 1);
    }
    return out;
  },
};

function toSource(
  item: Item,
  recorded: Provenance | undefined,
): { root: string | undefined; source: SourceItem } {
  // Keys an older build kept in the payload (or a client planted there) are dropped, never read.
  const payload: Payload = { ...publicPayload(item.payload) };
  const source: SourceItem = { id: item.id, origin: item.id, payload };
  if (recorded?.text) {
    source.textPath = recorded.text;
    delete payload.text;
  } else if (typeof payload.text === 'string') {
    source.text = payload.text;
  }
  if (recorded?.image) source.imagePath = recorded.image;
  if (recorded?.audio) source.audioPath = recorded.audio;
  // Items written through the API have no recorded root: they are rebuilt from their payload text only.
  return { root: recorded?.root.path, source };
}

/** The media modality an item has vectors for but no recorded file, if any. */
function lostMedia(
  item: Item,
  source: SourceItem,
  vectors: Record<string, { modality: string }>,
): string | undefined {
  for (const name of Object.keys(item.vectors)) {
    const modality = vectors[name]?.modality;
    if (modality === 'image' && !source.imagePath) return 'image';
    if (modality === 'audio' && !source.audioPath) return 'audio';
  }
  return undefined;
}
