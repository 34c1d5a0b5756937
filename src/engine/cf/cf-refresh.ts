import { ChorusError } from '../../errors.js';
import type { FeedbackStatePort } from '../../domain/feedback-port.js';
import type { VectorStore } from '../../stores/vector-store.js';
import { implicitAls } from './implicit-als.js';

export const CF_VECTOR = 'cf';

export interface CfRefreshDeps {
  store: VectorStore;
  state: FeedbackStatePort;
  now?: () => number;
}

export interface CfRefreshResult {
  collection: string;
  users: number;
  items: number;
  interactions: number;
  dim: number;
  elapsedMs: number;
}

/**
 * Learns the collaborative-filtering vector from interactions (implicit ALS) and writes it as the items'
 * `cf` named vector, so "people who engaged with this also engaged with" is one more retrievable modality.
 * Users' `cf` profiles are reset to their learned factors (later feedback keeps folding into them).
 * The collection must declare a `cf` vector (its dimension sets the number of factors). Run by a job.
 */
export async function refreshCf(
  deps: CfRefreshDeps,
  collection: string,
  opts: { iterations?: number; alpha?: number; lambda?: number } = {},
): Promise<CfRefreshResult> {
  const t0 = Date.now();
  const schema = await deps.store.openCollection(collection);
  const spec = schema.vectors[CF_VECTOR];
  if (!spec) {
    throw new ChorusError(
      'SCHEMA_MISMATCH',
      `collection "${collection}" has no "${CF_VECTOR}" vector: create it with vectors.cf = { modality: "cf", dim: 32 } to learn collaborative-filtering vectors`,
    );
  }
  const positive = deps.state.interactions(collection).filter((r) => r.weight > 0);
  const users = [...new Set(positive.map((r) => r.userId))];
  const items = [...new Set(positive.map((r) => r.itemId))];
  const userIndex = new Map(users.map((u, i) => [u, i]));
  const itemIndex = new Map(items.map((i, k) => [i, k]));
  const rows: [number, number][][] = users.map(() => []);
  for (const r of positive)
    rows[userIndex.get(r.userId)!]!.push([itemIndex.get(r.itemId)!, r.weight]);
  const result = {
    collection,
    users: users.length,
    items: 0,
    interactions: positive.length,
    dim: spec.dim,
    elapsedMs: 0,
  };
  if (positive.length === 0) return { ...result, elapsedMs: Date.now() - t0 };

  const { userFactors, itemFactors } = implicitAls(rows, items.length, {
    factors: spec.dim,
    ...opts,
  });
  const BATCH = 256;
  for (let start = 0; start < items.length; start += BATCH) {
    const ids = items.slice(start, start + BATCH);
    const stored = await deps.store.get(collection, ids, { withVectors: true });
    const updates = stored.map((item) => ({
      id: item.id,
      payload: item.payload,
      vectors: { ...item.vectors, [CF_VECTOR]: itemFactors[itemIndex.get(item.id)!]! },
    }));
    await deps.store.upsert(collection, updates);
    result.items += updates.length;
  }
  const now = (deps.now ?? Date.now)();
  users.forEach((u, i) => deps.state.setProfile(collection, u, CF_VECTOR, userFactors[i]!, now));
  return { ...result, elapsedMs: Date.now() - t0 };
}
