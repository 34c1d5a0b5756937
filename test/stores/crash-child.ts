// Child process for the crash tests: writes numbered batches forever and prints `ACK <n>` after each one is committed.
// Usage: tsx test/stores/crash-child.ts <lancedb|lancedb-mapped|sqlite> <dataDir> <firstBatch> <batchSize>
// `lancedb-mapped`: a saved graph stays memory-mapped through the writes (new rows in its delta graph), the index is
// saved 20 ms after each batch (a pause of 40 ms follows each ack), so kills land between and during such saves.
import { openChorusDb } from '../../src/storage/index.js';
import { LanceDbStore } from '../../src/stores/lancedb-store.js';
import { crashItems, CRASH_SCHEMA } from './crash-fixture.js';

const [mode, dataDir, firstArg, sizeArg] = process.argv.slice(2);
const first = Number(firstArg ?? 0);
const size = Number(sizeArg ?? 500);

if (mode === 'lancedb' || mode === 'lancedb-mapped') {
  const mapped = mode === 'lancedb-mapped';
  const store = await LanceDbStore.open({
    dataDir: dataDir!,
    indexMaintenance: 'inline',
    ...(mapped && { annMappedCopyMaxBytes: 0, annSaveIdleMs: 20 }),
  });
  await store.openCollection(CRASH_SCHEMA.name).catch(() => store.createCollection(CRASH_SCHEMA));
  process.stdout.write('READY\n');
  for (let b = first; b < first + 10_000; b++) {
    await store.upsert(CRASH_SCHEMA.name, crashItems(b, size));
    process.stdout.write(`ACK ${b}\n`);
    if (mapped) await new Promise((r) => setTimeout(r, 40));
  }
} else if (mode === 'sqlite') {
  const db = openChorusDb(dataDir!);
  process.stdout.write('READY\n');
  for (let b = first; b < first + 100_000; b++) {
    db.events.append(
      Array.from({ length: size }, (_, i) => ({
        type: 'click' as const,
        eventId: `b${b}-e${i}`,
        collection: 'crash',
        userId: `u${i % 7}`,
        itemId: `item${i}`,
        timestamp: b * 1000 + i,
      })),
    );
    process.stdout.write(`ACK ${b}\n`);
  }
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
