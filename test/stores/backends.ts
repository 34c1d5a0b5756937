import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LanceDbStore } from '../../src/stores/lancedb-store.js';
import type { VectorStore } from '../../src/stores/vector-store.js';

/** Options a contract test may pass to a backend (ignored where they do not apply). */
export interface BackendOptions {
  /** Rows the LanceDB HNSW graph absorbs per background step are a detail; this only shrinks save delays. */
  annSaveIdleMs?: number;
}

export interface Backend {
  name: 'lancedb' | 'qdrant';
  /** Opens a store on fresh, isolated storage; `reopen` opens a second instance on the same storage. */
  make(
    opts?: BackendOptions,
  ): Promise<{ store: VectorStore; reopen(): Promise<VectorStore>; cleanup(): Promise<void> }>;
  /** Makes collection names unique per run where the storage is shared (a Qdrant server). */
  collectionName(base: string): string;
}

export const lanceBackend: Backend = {
  name: 'lancedb',
  async make(opts = {}) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-lance-'));
    const options = {
      dataDir: dir,
      indexMaintenance: 'inline' as const,
      annSaveIdleMs: opts.annSaveIdleMs,
    };
    const store = await LanceDbStore.open(options);
    const others: VectorStore[] = [];
    return {
      store,
      reopen: async () => {
        const s = await LanceDbStore.open(options);
        others.push(s);
        return s;
      },
      cleanup: async () => {
        for (const s of [store, ...others]) await s.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  collectionName: (base) => base,
};

/** Qdrant on a server given by QDRANT_URL; collection names get a per-run prefix and are dropped afterwards. */
export function qdrantBackend(url: string): Backend {
  const run = `t${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
  return {
    name: 'qdrant',
    async make() {
      const { QdrantStore } = await import('../../src/stores/qdrant-store.js');
      const store = new QdrantStore({ url, apiKey: process.env.QDRANT_API_KEY });
      return {
        store,
        reopen: async () => new QdrantStore({ url, apiKey: process.env.QDRANT_API_KEY }),
        cleanup: async () => store.close(),
      };
    },
    collectionName: (base) => `${run}_${base}`,
  };
}
