import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isEncodeFailure, type Encoder, type EncoderInput } from '../../indexers/encoder.js';
import { parseConfig, type ChorusConfig } from '../../src/config.js';
import { defaultRuntimeFactories } from '../../src/indexing/default-factories.js';
import { indexDirectory } from '../../src/indexing/index-run.js';
import { openIndexRuntime, type IndexRuntime } from '../../src/indexing/index-runtime.js';
import { indexBatch } from '../../src/indexing/item-indexer.js';
import { RESERVED_PAYLOAD_KEYS } from '../../src/domain/names.js';
import { Bm25Index } from '../../src/lexical/bm25-index.js';
import { cfRefreshJob } from '../../src/jobs/definitions/cf-refresh.js';
import { reembedCollectionJob } from '../../src/jobs/definitions/reembed-collection.js';
import { PermanentJobError } from '../../src/jobs/queue.js';
import { solidPng, sineWav } from './support/corpus.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** Counts the items each encoder really encodes (a pass-through around the real encoder). */
function counting(e: Encoder, counts: Map<string, number>): Encoder {
  return {
    modality: e.modality,
    vectorName: e.vectorName,
    dim: e.dim,
    modelId: e.modelId,
    encode: (batch: EncoderInput[]) => {
      counts.set(e.vectorName, (counts.get(e.vectorName) ?? 0) + batch.length);
      return e.encode(batch);
    },
  };
}

describe('indexing with the real LanceDB store, fixture models and BM25', () => {
  let work: string;
  let config: ChorusConfig;
  let rt: IndexRuntime;
  const counts = new Map<string, number>();

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'chorus-index-'));
    config = parseConfig({
      dataDir: path.join(work, 'data'),
      modelDir: path.join(ROOT, 'fixtures/models'),
      executionProviders: ['cpu'],
      models: {
        text: 'chorus-test/tiny-text',
        image: 'chorus-test/tiny-clip',
        audio: 'chorus-test/tiny-clap',
      },
    });
    rt = await openIndexRuntime(config, defaultRuntimeFactories);
    rt.encoders = rt.encoders.map((e) => counting(e, counts));
    rt.context.encoders = rt.encoders;
    const input = path.join(work, 'input');
    mkdirSync(path.join(input, 'media'), { recursive: true });
    writeFileSync(path.join(input, 'media/red.png'), await solidPng(220, 20, 20));
    writeFileSync(path.join(input, 'media/tone.wav'), sineWav(440));
    writeFileSync(
      path.join(input, 'manifest.jsonl'),
      [
        { id: 'a', text: 'red summer dress', image: 'media/red.png', brand: 'acme' },
        { id: 'b', text: 'a spoken tone', audio: 'media/tone.wav' },
        { id: 'c', text: 'plain leather boots' },
        { id: 'd', image: '../escape.png' },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
  });
  afterAll(async () => {
    await rt?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('indexes a manifest through the queue into a new collection built from the encoders', async () => {
    const s = await indexDirectory(rt, {
      input: path.join(work, 'input/manifest.jsonl'),
      collection: 'shop',
      batchSize: 2,
    });
    expect(s).toMatchObject({
      total: 4,
      indexed: 3,
      skipped: 0,
      failed: 1,
      interrupted: false,
      resumed: false,
    });
    const schema = await rt.store.openCollection('shop');
    expect(Object.keys(schema.vectors).sort()).toEqual([
      'audio',
      'audio_text',
      'image',
      'image_text',
      'text',
    ]);
    expect(schema.vectors.text).toMatchObject({ dim: 384, modelId: 'chorus-test/tiny-text' });
    const [a] = await rt.store.get('shop', ['a'], { withVectors: true });
    // Text feeds every text tower (text, image_text, audio_text), so image and audio queries reach it too.
    expect(Object.keys(a!.vectors).sort()).toEqual(['audio_text', 'image', 'image_text', 'text']);
    expect(a!.payload).toMatchObject({ brand: 'acme', text: 'red summer dress' });
    // Provenance lives in the server's own table, not in the client-writable payload.
    for (const k of RESERVED_PAYLOAD_KEYS) expect(a!.payload).not.toHaveProperty(k);
    const recorded = rt.db.provenance.get('shop', ['a']).get('a');
    expect(recorded).toMatchObject({
      image: 'media/red.png',
      root: { name: 'input', path: realpathSync(path.join(work, 'input')) },
    });
    expect(recorded!.hash).toMatch(/^[0-9a-f]{64}$/);
    // The search side finds it: vectors by the same model, and BM25 over the text.
    const hits = await rt.store.search('shop', 'text', a!.vectors.text!, 1);
    expect(hits[0]!.id).toBe('a');
    const bm25 = new Bm25Index(path.join(config.dataDir, 'lexical.sqlite'));
    expect(bm25.search('shop', 'leather boots', 1)[0]?.id).toBe('c');
    expect(bm25.count('shop')).toBe(3);
    bm25.close();
  });

  it('a second run encodes nothing; force and changed content re-encode', async () => {
    const sources = [
      { id: 'x', origin: 'x', text: 'woollen scarf' },
      { id: 'y', origin: 'y', text: 'linen shirt' },
    ];
    const deps = {
      store: rt.store,
      provenance: rt.db.provenance,
      encoders: rt.encoders,
      afterUpsert: rt.context.afterUpsert,
    };
    const first = await indexBatch(deps, { collection: 'shop', root: work, items: sources });
    expect(first).toMatchObject({ indexed: 2, skipped: 0, encoded: 2 });
    const textBefore = counts.get('text')!;
    const again = await indexBatch(deps, { collection: 'shop', root: work, items: sources });
    expect(again).toMatchObject({ indexed: 0, skipped: 2, encoded: 0 });
    expect(counts.get('text')).toBe(textBefore);
    const changed = await indexBatch(deps, {
      collection: 'shop',
      root: work,
      items: [{ ...sources[0]!, text: 'woollen scarf, blue' }, sources[1]!],
    });
    expect(changed).toMatchObject({ indexed: 1, skipped: 1, encoded: 1 });
    const forced = await indexBatch(deps, {
      collection: 'shop',
      root: work,
      items: sources,
      force: true,
    });
    expect(forced).toMatchObject({ indexed: 2, encoded: 2 });
    expect(counts.get('text')).toBe(textBefore + 3);
  });

  it('reembed-collection rebuilds every item from its recorded sources into a new collection', async () => {
    const progress: number[] = [];
    const r = await reembedCollectionJob.process(
      reembedCollectionJob.payload.parse({ collection: 'shop', target: 'shop-v2', batchSize: 2 }),
      rt.context,
      (f) => progress.push(f),
    );
    const n = await rt.store.count('shop');
    expect(r.failed).toEqual([]);
    expect(r.indexed).toBe(n);
    expect(await rt.store.count('shop-v2')).toBe(n);
    expect(progress.at(-1)).toBe(1);
    const [oldA] = await rt.store.get('shop', ['a'], { withVectors: true });
    const [newA] = await rt.store.get('shop-v2', ['a'], { withVectors: true });
    expect(Object.keys(newA!.vectors).sort()).toEqual(Object.keys(oldA!.vectors).sort());
    expect(Array.from(newA!.vectors.image!)).toEqual(Array.from(oldA!.vectors.image!)); // same model, same file
    expect(() =>
      reembedCollectionJob.payload.parse({ collection: 'shop', target: 'shop' }),
    ).toThrow(/target must differ/);
    // An item whose image came as raw bytes (no recorded file) is reported, not silently re-embedded without it.
    const schema = await rt.store.openCollection('shop');
    await rt.store.upsert('shop', [
      {
        id: 'api-only',
        payload: { text: 'sent by the API' },
        vectors: { image: new Float32Array(schema.vectors.image!.dim).fill(0.1) },
      },
    ]);
    const r2 = await reembedCollectionJob.process(
      reembedCollectionJob.payload.parse({ collection: 'shop', target: 'shop-v3' }),
      rt.context,
      () => {},
    );
    expect(r2.failed).toEqual([expect.objectContaining({ id: 'api-only', code: 'NO_SOURCE' })]);
    expect(r2.indexed).toBe(n);
  });

  it('cf-refresh needs the engine refresh and passes its result through', async () => {
    await expect(
      cfRefreshJob.process({ collection: 'shop' }, rt.context, () => {}),
    ).rejects.toBeInstanceOf(PermanentJobError);
    const seen: string[] = [];
    const r = await cfRefreshJob.process(
      { collection: 'shop' },
      { ...rt.context, cfRefresh: async (c) => (seen.push(c), { users: 0 }) },
      () => {},
    );
    expect(r).toEqual({ users: 0 });
    expect(seen).toEqual(['shop']);
  });

  it('an encoder failure fails only its item, with the file to blame', async () => {
    writeFileSync(path.join(work, 'broken.png'), Buffer.from('not an image at all'));
    const r = await indexBatch(
      { store: rt.store, provenance: rt.db.provenance, encoders: rt.encoders },
      {
        collection: 'shop',
        root: work,
        items: [
          { id: 'broken', origin: 'broken', imagePath: 'broken.png', text: 'caption' },
          { id: 'fine', origin: 'fine', text: 'fine' },
        ],
      },
    );
    expect(r.indexed).toBe(1);
    expect(r.failed).toHaveLength(1);
    expect(r.failed[0]).toMatchObject({ id: 'broken', path: 'broken.png' });
    expect(
      isEncodeFailure({ error: { code: r.failed[0]!.code, reason: r.failed[0]!.reason } }),
    ).toBe(true);
  });
});
