// Child process for the crash tests: writes numbered batches forever and prints `ACK <n>` after each one is committed.
// Usage: tsx test/stores/crash-child.ts <lancedb|sqlite> <dataDir> <firstBatch> <batchSize>
import { openChorusDb } from '../../src/storage/index.js';
import { LanceDbStore } from '../../src/stores/lancedb-store.js';
import { crashItems, CRASH_SCHEMA } from './crash-fixture.js';

const [mode, dataDir, firstArg, sizeArg] = process.argv.slice(2);
const first = Number(firstArg ?? 0);
const size = Number(sizeArg ?? 500);

if (mode === 'lancedb') {
  const store = await LanceDbStore.open({ dataDir: dataDir!, indexMaintenance: 'inline' });
  await store.openCollection(CRASH_SCHEMA.name).catch(() => store.createCollection(CRASH_SCHEMA));
  process.stdout.write('READY\n');
  for (let b = first; b < first + 10_000; b++) {
    await store.upsert(CRASH_SCHEMA.name, crashItems(b, size));
    process.stdout.write(`ACK ${b}\n`);
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
