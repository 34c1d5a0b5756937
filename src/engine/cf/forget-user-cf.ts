import type { FeedbackStatePort } from '../../domain/feedback-port.js';
import type { VectorStore } from '../../stores/vector-store.js';
import { CF_VECTOR, refreshCf } from './cf-refresh.js';

export interface CfForgetDeps {
  store: VectorStore;
  state: FeedbackStatePort;
  now?: () => number;
}

export interface CfForgetResult {
  /** Collections whose `cf` vectors were re-learned without the user. */
  refreshed: string[];
  /** Items whose `cf` vector was removed: only the deleted user had engaged with them. */
  cleared: number;
}

/**
 * Deleting a user must also take them out of the collaborative-filtering vectors, which were learned from
 * their interactions. Planned before the user's rows are deleted (to know which collections and items they
 * touched), applied after: re-learns `cf` without them, and drops the `cf` vector of items that no remaining
 * user engaged with (the refresh only rewrites items that still have interactions, so these would keep a
 * vector derived from the deleted user's data).
 */
export async function planCfForget(
  deps: CfForgetDeps,
  userId: string,
): Promise<{ apply(): Promise<CfForgetResult> }> {
  const touched = new Map<string, Set<string>>();
  for (const schema of await deps.store.listCollections()) {
    if (!schema.vectors[CF_VECTOR]) continue;
    const items = deps.state
      .interactions(schema.name)
      .filter((r) => r.userId === userId)
      .map((r) => r.itemId);
    if (items.length) touched.set(schema.name, new Set(items));
  }
  return {
    async apply() {
      const result: CfForgetResult = { refreshed: [], cleared: 0 };
      for (const [collection, items] of touched) {
        await refreshCf(deps, collection);
        result.refreshed.push(collection);
        const stillEngaged = new Set(
          deps.state
            .interactions(collection)
            .filter((r) => r.weight > 0)
            .map((r) => r.itemId),
        );
        const orphans = [...items].filter((id) => !stillEngaged.has(id));
        if (!orphans.length) continue;
        const stored = await deps.store.get(collection, orphans, { withVectors: true });
        const updates = stored
          .filter((item) => item.vectors[CF_VECTOR])
          .map((item) => ({
            id: item.id,
            payload: item.payload,
            vectors: Object.fromEntries(
              Object.entries(item.vectors).filter(([name]) => name !== CF_VECTOR),
            ),
          }));
        if (updates.length) await deps.store.upsert(collection, updates);
        result.cleared += updates.length;
      }
      return result;
    },
  };
}
