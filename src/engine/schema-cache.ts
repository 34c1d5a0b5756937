import type { CollectionSchema } from '../domain/collection.js';
import type { VectorStore } from '../stores/vector-store.js';

/** Collection schemas are read on every request: cache them, and forget one when it is created or dropped. */
export class SchemaCache {
  private readonly cache = new Map<string, Promise<CollectionSchema>>();

  constructor(private readonly store: VectorStore) {}

  get(name: string): Promise<CollectionSchema> {
    let p = this.cache.get(name);
    if (!p) {
      p = this.store.openCollection(name);
      this.cache.set(name, p);
      p.catch(() => this.cache.delete(name));
    }
    return p;
  }

  forget(name: string): void {
    this.cache.delete(name);
  }
}
