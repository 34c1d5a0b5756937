import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEncoderRegistry, type EncoderRegistry } from '../../indexers/registry.js';
import { parseConfig } from '../../src/config.js';
import { schemaFor } from '../../src/indexing/ensure-collection.js';
import { startServer, type TestServer } from './harness.js';

const media = (p: string) =>
  readFileSync(fileURLToPath(new URL(`../../fixtures/${p}`, import.meta.url)));

/** Media through the API with the offline encoders (colour-layout image descriptor, openWakeWord audio). */
describe('media items and queries', () => {
  let s: TestServer;
  let registry: EncoderRegistry;

  beforeAll(async () => {
    registry = await createEncoderRegistry(
      parseConfig({ allowRemoteModels: false, executionProviders: 'cpu', logLevel: 'silent' }),
      {
        settings: { log: () => {} },
      },
    );
    s = await startServer({}, { encoders: registry });
    const schema = schemaFor('media', registry.available);
    expect((await s.call('POST', '/v1/collections', schema)).status).toBe(201);
  });
  afterAll(async () => {
    await s?.close();
    await registry?.close();
  });

  it('encodes multipart image and audio uploads and finds them by an image / audio query', async () => {
    const form = new FormData();
    form.set('collection', 'media');
    form.set('id', 'product');
    form.set('payload', JSON.stringify({ title: 'product photo' }));
    form.set('file', new Blob([media('media/formats/product.jpg')]), 'upload.bin'); // sniffed, not named
    expect((await s.call('POST', '/v1/items', form)).json).toEqual({ upserted: 1 });

    const audio = new FormData();
    audio.set('collection', 'media');
    audio.set('id', 'digit');
    audio.set('audio', new Blob([media('corpus/digit-7-jackson-4.wav')]), 'd.wav');
    expect((await s.call('POST', '/v1/items', audio)).json).toEqual({ upserted: 1 });

    const json = await s.call('POST', '/v1/items', {
      collection: 'media',
      items: [
        {
          id: 'gif',
          image: media('media/formats/animated-red-then-blue.gif').toString('base64'),
          payload: { title: 'gif' },
        },
      ],
    });
    expect(json.json).toEqual({ upserted: 1 });

    const got = await s.call('GET', '/v1/items/product?collection=media');
    expect(got.json.item.vectorNames).toContain('image');

    const byImage = await s.call('POST', '/v1/search', {
      collection: 'media',
      image: media('media/formats/product.png').toString('base64'),
      limit: 2,
    });
    expect(byImage.status).toBe(200);
    expect(byImage.json.hits[0].id).toBe('product');
    expect(byImage.json.sources).toContain('image');

    const byAudio = await s.call('POST', '/v1/search', {
      collection: 'media',
      audio: media('corpus/digit-7-jackson-4.wav').toString('base64'),
      limit: 1,
    });
    expect(byAudio.json.hits[0].id).toBe('digit');
  });

  it('rejects corrupt and mislabelled media', async () => {
    const truncated = new FormData();
    truncated.set('collection', 'media');
    truncated.set('id', 'broken');
    truncated.set('image', new Blob([media('media/bad/truncated.jpg')]), 't.jpg');
    const r = await s.call('POST', '/v1/items', truncated);
    expect([413, 422]).toContain(r.status);
    expect(r.json.error.message).toContain('broken');
    const renamed = await s.call('POST', '/v1/search', {
      collection: 'media',
      image: media('media/bad/text-named.png').toString('base64'),
    });
    expect(renamed.status).toBe(415);
  });
});
