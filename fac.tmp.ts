import { LanceDbStore } from './src/stores/lancedb-store.js';
import { collectionFacets } from './src/engine/collection-facets.js';
const store = await LanceDbStore.open({ dataDir: process.argv[2]!, indexMaintenance: 'inline' });
const schema = await store.openCollection('bench');
console.log(Object.keys(schema.payloadIndexes ?? {}));
const page = await store.scroll('bench', { limit: 2 });
console.log(JSON.stringify(page.items[0]?.payload).slice(0, 300));
for (let r = 0; r < 3; r++) {
  const t0 = performance.now();
  const f = await collectionFacets(store, 'bench', Object.keys(page.items[0]!.payload).slice(0, 2));
  console.log('all', f.scanned, ((performance.now() - t0) / 1000).toFixed(2), 's', JSON.stringify(f.facets).slice(0, 200));
}
await store.close();
