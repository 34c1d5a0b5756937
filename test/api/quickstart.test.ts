import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEncoderRegistry, type EncoderRegistry } from '../../indexers/registry.js';
import { buildChorus } from '../../src/app/build.js';
import { indexQuickstart, QUICKSTART_COLLECTION } from '../../src/app/quickstart-index.js';
import { parseConfig } from '../../src/config.js';

/** The indexing half of `chorus quickstart`, offline, on the bundled fixtures/corpus. */
describe('quickstart indexing (offline)', () => {
  let dir: string;
  let registry: EncoderRegistry;
  const config = () =>
    parseConfig({
      dataDir: dir,
      logLevel: 'silent',
      allowRemoteModels: false,
      executionProviders: 'cpu',
    });

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'chorus-qs-'));
    registry = await createEncoderRegistry(config(), { settings: { log: () => {} } });
  });
  afterAll(async () => {
    await registry?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('indexes the corpus with the offline encoders, serves BM25 and audio search, and reruns idempotently', async () => {
    // Offline, at least the audio embedder works (BM25 needs no model).
    expect(registry.available.map((e) => e.vectorName)).toContain('audio');
    const first = await indexQuickstart(config(), registry);
    // Every corpus item is stored: text-only notes too, which offline only BM25 can reach.
    expect(first.failed).toEqual(0);
    expect(first.indexed).toBe(78);
    const again = await indexQuickstart(config(), registry);
    expect(again.indexed).toBe(0);
    expect(again.skipped).toBe(first.indexed);

    const chorus = await buildChorus(config(), { encoders: registry });
    try {
      const lexical = await chorus.engine.search({
        collection: QUICKSTART_COLLECTION,
        query: { text: 'spoken digit seven' },
        limit: 3,
      });
      expect(lexical.hits[0]?.payload.digit).toBe(7);
      const note = await chorus.engine.search({
        collection: QUICKSTART_COLLECTION,
        query: { text: 'heavy books water bottle straps' },
        limit: 3,
      });
      expect(note.hits[0]?.id).toBe('note-backpack-packing');
      const [digit] = await chorus.store.get(QUICKSTART_COLLECTION, ['digit-7-jackson-4'], {
        withVectors: true,
      });
      expect(digit?.vectors.audio).toBeDefined();
      const similar = await chorus.engine.recommend({
        collection: QUICKSTART_COLLECTION,
        itemId: 'digit-7-jackson-4',
        limit: 5,
      });
      expect(similar.hits.length).toBe(5);
      expect(similar.sources).toContain('audio');
    } finally {
      await chorus.close(); // leaves the registry it was given open
    }
  });
});
