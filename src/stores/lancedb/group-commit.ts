import type { Table } from '@lancedb/lancedb';
import type { Schema } from 'apache-arrow';
import type { CollectionSchema } from '../../domain/collection.js';
import type { CollectionAnn } from '../ann/collection-ann.js';
import type { ValidItem } from '../item-validation.js';
import type { WriteOptions } from '../vector-store.js';
import { sqlString } from '../filter-lancedb.js';
import { ID_COLUMN } from './columns.js';
import { itemsToArrow } from './rows.js';

/**
 * Group commit of one collection's upserts. Writers queue their validated batches; whichever write reaches the
 * collection's write lock first commits every compatible batch queued by then as ONE LanceDB commit (fewer commits
 * and fragments under concurrent load), and each writer is answered when the commit holding its batch lands, so
 * "acknowledged" still means "committed". A batch whose caller gave up before the commit is not applied.
 */
export interface QueuedUpsert {
  items: ValidItem[];
  opts: WriteOptions;
  /** Deletes queued before this upsert: a group never moves an upsert ahead of a delete queued before it. */
  barrier: number;
  /** Set once the batch was committed or failed. */
  settled: boolean;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** Rows one commit takes at most (a bigger group waits for the next commit). */
export const GROUP_MAX_ROWS = 2000;

/**
 * From the queue, the batches that commit together with `head` (which must still be queued): those queued after it
 * with the same delete barrier, whose ids do not meet the group's (one commit cannot hold an id twice), within
 * GROUP_MAX_ROWS. Batches whose caller already gave up are left for their own turn (which rejects them).
 */
export function takeGroup(queue: QueuedUpsert[], head: QueuedUpsert): QueuedUpsert[] {
  const group = [head];
  const ids = new Set(head.items.map((i) => i.id));
  let rows = head.items.length;
  for (const q of queue) {
    if (q === head || q.settled) continue;
    if (q.barrier !== head.barrier) break;
    if (q.opts.signal?.aborted) continue;
    if (rows + q.items.length > GROUP_MAX_ROWS) break;
    if (q.items.some((i) => ids.has(i.id))) break; // keep order: a later batch rewriting an id waits
    for (const i of q.items) ids.add(i.id);
    rows += q.items.length;
    group.push(q);
  }
  return group;
}

export interface CommitTarget {
  table: Table;
  schema: CollectionSchema;
  arrowSchema: Schema;
  ann: CollectionAnn;
}

/**
 * Commits rows as one LanceDB commit and returns its version. New ids are appended (`add`, whose cost does not grow
 * with the table); a batch holding an id already stored goes through `mergeInsert` on id (an update). Which ids
 * exist comes from the ANN key map when it reflects the table's current version (no one else wrote since), else
 * from an id lookup in the table (another process may have written). `tableVersion`: the table's version read just
 * before, when the caller has it.
 */
export async function commitRows(
  t: CommitTarget,
  items: ValidItem[],
  tableVersion?: number,
): Promise<number> {
  const data = itemsToArrow(t.schema, t.arrowSchema, items);
  const ids = items.map((i) => i.id);
  const current = (tableVersion ?? (await t.table.version())) === t.ann.tableVersion;
  const update = current
    ? ids.some((id) => t.ann.keys.keyOf(id) !== undefined)
    : await anyStored(t.table, ids);
  if (!update) return (await t.table.add(data)).version;
  const { version } = await t.table
    .mergeInsert(ID_COLUMN)
    .whenMatchedUpdateAll()
    .whenNotMatchedInsertAll()
    .execute(data);
  return version;
}

const LOOKUP_CHUNK = 500;

async function anyStored(table: Table, ids: string[]): Promise<boolean> {
  for (let i = 0; i < ids.length; i += LOOKUP_CHUNK) {
    const chunk = ids.slice(i, i + LOOKUP_CHUNK);
    const found = await table
      .query()
      .where(`\`${ID_COLUMN}\` IN (${chunk.map(sqlString).join(', ')})`)
      .select([ID_COLUMN])
      .limit(1)
      .toArray();
    if (found.length > 0) return true;
  }
  return false;
}
