import { mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESERVED_PAYLOAD_KEYS } from '../../src/domain/names.js';
import { lexicalHook } from '../../src/indexing/index-runtime.js';
import { indexBatch } from '../../src/indexing/item-indexer.js';
import type { Json, TestServer } from '../api/harness.js';
import { vec } from '../api/harness.js';
import { snapshotCollection } from '../robustness/store-snapshot.js';
import {
  ADMIN,
  bearer,
  expectNoLeak,
  KEYS,
  pathsOf,
  pollUntil,
  READER,
  startKeyedServer,
  WRITER,
} from './support.js';

const C = 'docs';
const SECRET = 'TOP-SECRET-FILE-CONTENT-7f3a';
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005000201a5d8cb8a0000000049454e44ae426082',
  'hex',
);

/**
 * Findings 1 and 2 of issue 12: payload keys `_source/_hash/_indexedAt` were client-writable, so a write key could
 * plant a root that re-embedding and the admin media route then read from; and every read response carried the
 * server's absolute paths, hashes and model artifact paths.
 */
describe("security: provenance is the server's own, and never leaks", () => {
  let s: TestServer;
  let corpus: string;
  let outside: string;
  let leaks: string[];
  const hit = (h: Record<string, string>) => ({ ...h });

  beforeAll(async () => {
    s = await startKeyedServer({}, true);
    corpus = path.join(s.dir, 'corpus');
    outside = path.join(s.dir, 'outside');
    mkdirSync(corpus, { recursive: true });
    mkdirSync(outside, { recursive: true });
    writeFileSync(path.join(corpus, 'a.txt'), 'red summer dress');
    writeFileSync(path.join(corpus, 'a.png'), PNG);
    writeFileSync(path.join(outside, 'secret.txt'), SECRET);
    writeFileSync(path.join(outside, 'secret.png'), SECRET);
    const schema = {
      name: C,
      vectors: { text: { modality: 'text', dim: 4 }, image: { modality: 'image', dim: 4 } },
    };
    expect((await s.call('POST', '/v1/collections', schema, bearer(ADMIN))).status).toBe(201);
    // The server's own indexing (what `chorus index` runs): provenance goes to its table, not the payload.
    const r = await indexBatch(
      {
        store: s.chorus.store,
        provenance: s.chorus.db.provenance,
        encoders: [],
        afterUpsert: lexicalHook(s.chorus.store, s.chorus.bm25),
      },
      {
        collection: C,
        root: corpus,
        items: [{ id: 'a', origin: 'a', textPath: 'a.txt', imagePath: 'a.png' }],
      },
    );
    expect(r).toMatchObject({ indexed: 1, failed: [] });
    const items = [0, 1, 2].map((i) => ({
      id: `v${i}`,
      payload: { title: `red item ${i}`, text: `red thing ${i}` },
      vectors: { text: vec(4, i, 0), image: vec(4, i, 1) },
    }));
    expect(
      (await s.call('POST', '/v1/items', { collection: C, items }, bearer(WRITER))).status,
    ).toBe(200);
    const hash = s.chorus.db.provenance.get(C, ['a']).get('a')!.hash;
    leaks = [...KEYS, ...pathsOf(s.dir), hash, SECRET];
  });
  afterAll(async () => {
    await s?.close();
  });

  it('finding 1: reserved payload keys are refused with 400 naming the key (JSON and multipart); the store is unchanged', async () => {
    const before = await snapshotCollection(s.chorus.store, C);
    for (const key of RESERVED_PAYLOAD_KEYS) {
      const planted = { [key]: { root: '/', text: 'etc/hostname' } };
      const r = await s.call(
        'POST',
        '/v1/items',
        { collection: C, items: [{ id: 'p1', payload: planted, text: 'x' }] },
        bearer(WRITER),
      );
      expect(r.status).toBe(400);
      expect(r.json.error.message).toContain(`"${key}"`);
      const form = new FormData();
      form.set('collection', C);
      form.set('id', 'p1');
      form.set('text', 'x');
      form.set('payload', JSON.stringify(planted));
      const m = await s.call('POST', '/v1/items', form, bearer(WRITER));
      expect(m.status).toBe(400);
      expect(m.json.error.message).toContain(`"${key}"`);
      expectNoLeak(r.text + m.text, leaks);
    }
    expect(await snapshotCollection(s.chorus.store, C)).toEqual(before);
  });

  it('finding 1: a planted root reads nothing — re-embedding and admin media ignore payload provenance', async () => {
    // Written past the API (as an older build's data or a store-level bypass would be): the payload claims files.
    await s.chorus.store.upsert(C, [
      {
        id: 'p1',
        payload: {
          text: 'planted',
          _source: { root: outside, text: 'secret.txt', image: 'secret.png' },
        },
        vectors: { text: new Float32Array(vec(4, 9, 0)) },
      },
      {
        id: 'p2',
        payload: {
          text: 'planted too',
          _source: { root: '/', text: path.relative('/', path.join(outside, 'secret.txt')) },
        },
      },
    ]);
    const job = await s.call(
      'POST',
      '/v1/jobs',
      { name: 'reembed-collection', payload: { collection: C, target: 'docs2' } },
      bearer(ADMIN),
    );
    expect(job.status).toBe(202);
    const done = await pollUntil(
      () => s.call('GET', `/v1/jobs/${job.json.id}`, undefined, bearer(ADMIN)),
      (r) => r.json.state !== 'pending',
    );
    expect(done.json, done.text).toMatchObject({ state: 'completed' });
    expectNoLeak(done.text, leaks);
    for (const id of ['p1', 'p2']) {
      const got = await s.call(
        'GET',
        `/v1/items/${id}?collection=docs2`,
        undefined,
        bearer(READER),
      );
      if (got.status === 200) expect(got.json.item.payload.text).toMatch(/^planted/);
      expectNoLeak(got.text, leaks);
      const media = await s.call(
        'GET',
        `/admin/api/media/${C}/${id}/image`,
        undefined,
        bearer(ADMIN),
      );
      expect(media.status).toBe(404);
      expectNoLeak(media.text, leaks);
    }
    // The one item the server indexed itself was re-read from its recorded root.
    const a = await s.call('GET', '/v1/items/a?collection=docs2', undefined, bearer(READER));
    expect(a.json.item.payload.text).toBe('red summer dress');
  });

  it('finding 2: search, recommend, items and models answer a read key with no server path, hash or artifact path', async () => {
    const bodies: string[] = [];
    const search = await s.call(
      'POST',
      '/v1/search',
      { collection: C, text: 'red', limit: 10 },
      bearer(READER),
    );
    expect(search.status).toBe(200);
    expect(search.json.hits.map((h: Json) => h.id)).toContain('a');
    const rec = await s.call(
      'POST',
      '/v1/recommend',
      { collection: C, itemId: 'v0', limit: 10 },
      bearer(READER),
    );
    expect(rec.status).toBe(200);
    expect(rec.json.hits.map((h: Json) => h.id)).toContain('p1'); // the planted legacy payload is shown without its keys
    const item = await s.call('GET', '/v1/items/p1?collection=docs', undefined, bearer(READER));
    expect(Object.keys(item.json.item.payload)).toEqual(['text']);
    // A registered model whose record holds an absolute artifact folder.
    const m = s.chorus.db.models.register({ collection: C, metrics: {}, featureSpec: {} });
    s.chorus.db.raw
      .prepare('UPDATE models SET artifact_path = ? WHERE collection = ? AND version = ?')
      .run(path.join(s.dir, 'models', C, m.version), C, m.version);
    const models = await s.call('GET', `/v1/models?collection=${C}`, undefined, bearer(READER));
    expect(models.json.models).toHaveLength(1);
    expect(models.json.models[0]).not.toHaveProperty('artifactPath');
    const adminModels = await s.call('GET', `/admin/api/models/${C}`, undefined, bearer(ADMIN));
    bodies.push(
      search.text,
      rec.text,
      item.text,
      models.text,
      adminModels.text,
      (await s.call('GET', '/v1/items/a?collection=docs', undefined, bearer(READER))).text,
    );
    for (const b of bodies) {
      expectNoLeak(b, leaks);
      for (const key of RESERVED_PAYLOAD_KEYS) expect(b).not.toContain(`"${key}"`);
    }
  });

  it('admins see provenance as paths relative to a named import root; read and write keys cannot', async () => {
    const r = await s.call('GET', `/admin/api/provenance/${C}/a`, undefined, bearer(ADMIN));
    expect(r.status).toBe(200);
    expect(r.json.provenance).toMatchObject({
      root: 'corpus',
      text: 'a.txt',
      image: 'a.png',
      indexedAt: expect.any(Number),
    });
    expectNoLeak(r.text, [...KEYS, ...pathsOf(s.dir), SECRET]);
    expect(
      (await s.call('GET', `/admin/api/provenance/${C}/v0`, undefined, bearer(ADMIN))).status,
    ).toBe(404);
    for (const key of [READER, WRITER])
      expect(
        (await s.call('GET', `/admin/api/provenance/${C}/a`, undefined, bearer(key))).status,
      ).toBe(403);
  });

  it('admins see media through the recorded root only: a symlink out of it is refused', async () => {
    const compare = await s.call(
      'POST',
      '/admin/api/compare',
      { collection: C, text: 'red dress', left: {}, right: { fusion: 'rrf' } },
      bearer(ADMIN),
    );
    expect(compare.status).toBe(200);
    expect(compare.json.left.hits.find((h: Json) => h.id === 'a')?.media).toEqual({
      image: true,
      audio: false,
    });
    expectNoLeak(compare.text, leaks);
    const ok = await fetch(`${s.url}/admin/api/media/${C}/a/image`, {
      headers: hit(bearer(ADMIN)),
    });
    expect(ok.status).toBe(200);
    expect(
      Buffer.from(await ok.arrayBuffer()).equals(readFileSync(path.join(corpus, 'a.png'))),
    ).toBe(true);
    // The recorded file becomes a symlink to a file outside the root: nothing is served.
    rmSync(path.join(corpus, 'a.png'));
    symlinkSync(path.join(outside, 'secret.png'), path.join(corpus, 'a.png'));
    const out = await s.call('GET', `/admin/api/media/${C}/a/image`, undefined, bearer(ADMIN));
    expect(out.status).toBe(404);
    expectNoLeak(out.text, leaks);
  });

  // (The admin provenance route shows the hash by design; its own case above checks it for paths.)
  it('no GET route, at any scope, shows an absolute server path (data dir, import root, model folder), a hash or a key', async () => {
    const repo = path.resolve(import.meta.dirname, '../..');
    const routes = [
      '/healthz',
      '/readyz',
      '/metrics',
      '/openapi.json',
      '/docs',
      '/v1/collections',
      `/v1/collections/${C}`,
      `/v1/items/a?collection=${C}`,
      '/v1/models',
      `/v1/models?collection=${C}`,
      `/v1/models/interleaving?collection=${C}`,
      '/v1/jobs',
      '/admin/api/session',
      '/admin/api/overview',
      '/admin/api/collections',
      `/admin/api/models/${C}`,
      `/admin/api/charts/${C}`,
      '/admin/api/presets',
      `/admin/api/judgments?collection=${C}`,
    ];
    for (const route of routes) {
      for (const key of [ADMIN, READER]) {
        const r = await s.call('GET', route, undefined, bearer(key));
        expect(r.status, route).toBeLessThan(500);
        expectNoLeak(r.text, [...leaks, repo]);
      }
    }
  });
});
