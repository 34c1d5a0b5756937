import { createEncoderRegistry } from '../../indexers/registry.js';
import path from 'node:path';
import type { ChorusConfig } from '../config.js';
import { Bm25Index, DEFAULT_BM25, LEXICAL_FILE } from '../lexical/bm25-index.js';
import { createVectorStore } from '../stores/create-vector-store.js';
import type { RuntimeFactories } from './index-runtime.js';

/** The real store and encoders from config: what `chorus index` and the job workers use. */
export const defaultRuntimeFactories: RuntimeFactories = {
  // Batch jobs wait for LanceDB index maintenance so a finished run leaves a searchable collection.
  openStore: (config: ChorusConfig) => createVectorStore(config, { indexMaintenance: 'inline' }),
  loadEncoders: async (config: ChorusConfig) => {
    const registry = await createEncoderRegistry(config);
    for (const line of registry.missingLines()) process.stderr.write(`chorus: ${line}\n`);
    return registry.available;
  },
  // The same file the server's engine reads (src/app/build.ts), so indexed text is searchable by BM25.
  openLexical: (config: ChorusConfig) =>
    new Bm25Index(path.join(config.dataDir, LEXICAL_FILE), {
      ...DEFAULT_BM25,
      typoTolerance: config.search.typoTolerance,
    }),
};
