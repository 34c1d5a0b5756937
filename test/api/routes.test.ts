import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, vec, type TestServer } from './harness.js';

/** Every route's happy path and its bad inputs, over real HTTP against a real LanceDB directory (no keys: open). */
let s: TestServer;
const C = 'shop';

beforeAll(async () => {
  s = await startServer({
    limits: { maxBodyBytes: 64 * 1024, maxItemsBodyBytes: 64 * 1024, maxUploadBytes: 16 * 1024 },
  });
  const r = await s.call('POST', '/v1/collections', {
    name: C,
    vectors: { text: { modality: 'text', dim: 8 }, image: { modality: 'image', dim: 4 } },
    payloadIndexes: { category: 'keyword', price: 'float' },
  });
  expect(r.status).toBe(201);
  const items = [
    {
      id: 'dress-red',
      payload: { title: 'Red summer dress', category: 'dress', price: 40 },
      vectors: { text: vec(8, 1, 0), image: vec(4, 1, 0) },
    },
    {
      id: 'dress-blue',
      payload: { title: 'Blue evening dress', category: 'dress', price: 90 },
      vectors: { text: vec(8, 2, 0), image: vec(4, 2, 1) },
    },
    {
      id: 'coat-wool',
      payload: { title: 'Wool winter coat', category: 'coat', price: 120 },
      vectors: { text: vec(8, 3, 3), image: vec(4, 3, 2) },
    },
    {
      id: 'coat-rain',
      payload: { title: 'Rain coat', category: 'coat', price: 60 },
      vectors: { text: vec(8, 4, 3), image: vec(4, 4, 2) },
    },
    {
      id: 'shoes',
      payload: { title: 'Running shoes', category: 'shoes', price: 80 },
      vectors: { text: vec(8, 5, 6), image: vec(4, 5, 3) },
    },
  ];
  const up = await s.call('POST', '/v1/items', { collection: C, items });
  expect(up.status).toBe(200);
  expect(up.json).toEqual({ upserted: 5 });
});
afterAll(async () => {
  await s?.close();
});

describe('collections', () => {
  it('lists, gets and rejects bad schemas', async () => {
    const list = await s.call('GET', '/v1/collections');
    expect(list.status).toBe(200);
    expect(list.json.collections).toEqual([
      expect.objectContaining({ name: C, count: 5, lexicalCount: 5 }),
    ]);
    expect((await s.call('GET', `/v1/collections/${C}`)).json.collection.vectors.text.dim).toBe(8);
    expect((await s.call('GET', '/v1/collections/nope')).json.error.code).toBe(
      'COLLECTION_NOT_FOUND',
    );
    const dup = await s.call('POST', '/v1/collections', {
      name: C,
      vectors: { text: { modality: 'text', dim: 8 } },
    });
    expect(dup.status).toBe(409);
    const unknownField = await s.call('POST', '/v1/collections', {
      name: 'x',
      vectors: { text: { modality: 'text', dim: 8 } },
      shards: 3,
    });
    expect(unknownField.status).toBe(400);
    expect(unknownField.json.error.code).toBe('VALIDATION');
    const badName = await s.call('POST', '/v1/collections', {
      name: '../etc',
      vectors: { text: { modality: 'text', dim: 8 } },
    });
    expect(badName.status).toBe(400);
  });

  it('creates and drops', async () => {
    expect(
      (
        await s.call('POST', '/v1/collections', {
          name: 'tmp',
          vectors: { v: { modality: 'text', dim: 2 } },
        })
      ).status,
    ).toBe(201);
    expect((await s.call('DELETE', '/v1/collections/tmp')).json).toEqual({ dropped: 'tmp' });
    expect((await s.call('DELETE', '/v1/collections/tmp')).status).toBe(404);
  });
});

describe('items', () => {
  it('gets one item with or without vectors, deletes it', async () => {
    const got = await s.call('GET', `/v1/items/shoes?collection=${C}&withVectors=true`);
    expect(got.status).toBe(200);
    expect(got.json.item.vectorNames.sort()).toEqual(['image', 'text']);
    expect(got.json.item.vectors.text).toHaveLength(8);
    expect(
      (await s.call('GET', `/v1/items/shoes?collection=${C}`)).json.item.vectors,
    ).toBeUndefined();
    expect((await s.call('GET', `/v1/items/none?collection=${C}`)).status).toBe(404);
    expect((await s.call('GET', `/v1/items/shoes`)).status).toBe(400);
    expect((await s.call('GET', `/v1/items/shoes?collection=${C}&extra=1`)).status).toBe(400);
    await s.call('POST', '/v1/items', {
      collection: C,
      items: [
        { id: 'tmp-item', payload: { title: 'temporary hat' }, vectors: { text: vec(8, 9, 1) } },
      ],
    });
    expect((await s.call('DELETE', `/v1/items/tmp-item?collection=${C}`)).json).toEqual({
      deleted: 1,
    });
    const after = await s.call('POST', '/v1/search', { collection: C, text: 'hat' });
    expect(after.json.hits).toEqual([]);
  });

  it('rejects wrong dimensions, NaN, unknown fields and unknown vectors', async () => {
    const dims = await s.call('POST', '/v1/items', {
      collection: C,
      items: [{ id: 'x', vectors: { text: [1, 2, 3] } }],
    });
    expect(dims.status).toBe(400);
    expect(dims.json.error.code).toBe('DIMENSION_MISMATCH');
    expect(dims.json.error.message).toContain('"x"');
    // JSON has no NaN: a client that writes it sends malformed JSON.
    const nan = await s.call(
      'POST',
      '/v1/items',
      `{"collection":"${C}","items":[{"id":"x","vectors":{"text":[NaN,0,0,0,0,0,0,0]}}]}`,
    );
    expect(nan.status).toBe(400);
    expect(nan.json.error.code).toBe('BAD_REQUEST');
    // 1e400 parses to Infinity: valid JSON, invalid vector.
    const huge = await s.call(
      'POST',
      '/v1/items',
      `{"collection":"${C}","items":[{"id":"x","vectors":{"text":[1e400,0,0,0,0,0,0,0]}}]}`,
    );
    expect(huge.status).toBe(400);
    const unknown = await s.call('POST', '/v1/items', {
      collection: C,
      items: [{ id: 'x', colour: 'red' }],
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json.error.details[0].path).toBe('items.0');
    const noVector = await s.call('POST', '/v1/items', {
      collection: C,
      items: [{ id: 'x', vectors: { audio: [1] } }],
    });
    expect(noVector.status).toBe(400);
    expect(noVector.json.error.message).toContain('no vector named "audio"');
  });

  it('accepts multipart, sniffs files by content and refuses non-media with 415', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');
    const form = new FormData();
    form.set('collection', C);
    form.set('id', 'fake');
    form.set('file', new Blob([Buffer.from('just some text, not an image')]), 'photo.png');
    const r = await s.call('POST', '/v1/items', form);
    expect(r.status).toBe(415);
    expect(r.json.error.code).toBe('UNSUPPORTED_MEDIA');
    const mislabelled = new FormData();
    mislabelled.set('collection', C);
    mislabelled.set('id', 'x');
    mislabelled.set('audio', new Blob([png]), 'a.wav');
    expect((await s.call('POST', '/v1/items', mislabelled)).status).toBe(415);
    const text = new FormData();
    text.set('collection', C);
    text.set('id', 'mp-text');
    text.set('payload', JSON.stringify({ title: 'multipart scarf' }));
    const ok = await s.call('POST', '/v1/items', text);
    expect(ok.status).toBe(400); // no media and no text
    text.set('text', 'a warm multipart scarf');
    expect((await s.call('POST', '/v1/items', text)).json).toEqual({ upserted: 1 });
    expect(
      (await s.call('POST', '/v1/search', { collection: C, text: 'scarf' })).json.hits[0].id,
    ).toBe('mp-text');
    await s.call('DELETE', `/v1/items/mp-text?collection=${C}`);
  });

  it('rejects oversize bodies and uploads with 413', async () => {
    const big = await s.call('POST', '/v1/items', {
      collection: C,
      items: [{ id: 'x', payload: { blob: 'x'.repeat(100 * 1024) } }],
    });
    expect(big.status).toBe(413);
    expect(big.json.error.code).toBe('PAYLOAD_TOO_LARGE');
    const form = new FormData();
    form.set('collection', C);
    form.set('id', 'x');
    form.set('image', new Blob([new Uint8Array(20 * 1024)]), 'big.png');
    expect((await s.call('POST', '/v1/items', form)).status).toBe(413);
  });

  it('answers wrong media types with 415 and malformed JSON with 400', async () => {
    const xml = await s.call('POST', '/v1/search', '<search/>', {
      'content-type': 'application/xml',
    });
    expect(xml.status).toBe(415);
    const broken = await s.call('POST', '/v1/search', '{"collection": ');
    expect(broken.status).toBe(400);
    expect(broken.json.error).toMatchObject({
      code: 'BAD_REQUEST',
      message: 'the body is not valid JSON',
    });
  });
});

describe('search', () => {
  it('fuses BM25 and vectors, explains every hit, pushes filters down', async () => {
    const r = await s.call('POST', '/v1/search', {
      collection: C,
      text: 'dress',
      vectors: { text: vec(8, 7, 0) },
      limit: 3,
    });
    expect(r.status).toBe(200);
    expect(r.json.queryId).toMatch(/[0-9a-f-]{36}/);
    expect(r.json.sources).toEqual(['bm25', 'text']);
    expect(
      r.json.hits
        .slice(0, 2)
        .map((h: { id: string }) => h.id)
        .sort(),
    ).toEqual(['dress-blue', 'dress-red']);
    for (const h of r.json.hits) {
      const sum = Object.values(h.explanation.shares as Record<string, number>).reduce(
        (a, b) => a + b,
        0,
      );
      expect(sum).toBeCloseTo(1, 6);
    }
    const filtered = await s.call('POST', '/v1/search', {
      collection: C,
      text: 'dress coat',
      vectors: { text: vec(8, 7, 0) },
      filter: { must: [{ key: 'category', match: { value: 'coat' } }] },
    });
    expect(filtered.json.hits.length).toBeGreaterThan(0);
    for (const h of filtered.json.hits) expect(h.payload.category).toBe('coat');
    const ranged = await s.call('POST', '/v1/search', {
      collection: C,
      vectors: { text: vec(8, 7, 0) },
      filter: { must: [{ key: 'price', range: { lt: 70 } }] },
    });
    expect(ranged.json.hits.map((h: { id: string }) => h.id).sort()).toEqual([
      'coat-rain',
      'dress-red',
    ]);
  });

  it('honours the fusion choice and weights', async () => {
    const base = { collection: C, text: 'coat', vectors: { text: vec(8, 7, 0) } };
    for (const fusion of ['rrf', 'weighted', 'dbsf', 'noop', 'shuffle']) {
      const r = await s.call('POST', '/v1/search', { ...base, fusion });
      expect(r.status).toBe(200);
      expect(r.json.ranker.name).toBe(fusion);
    }
    const lexicalHeavy = await s.call('POST', '/v1/search', {
      ...base,
      fusion: 'weighted',
      weights: { bm25: 10, text: 0.1 },
    });
    expect(lexicalHeavy.json.hits[0].id).toMatch(/^coat/);
    const vectorHeavy = await s.call('POST', '/v1/search', {
      ...base,
      fusion: 'weighted',
      weights: { bm25: 0, text: 1 },
    });
    expect(vectorHeavy.json.hits[0].id).toMatch(/^dress/);
    // rrfK per request: each hit's RRF score is the sum over its lists of 1 / (k + rank + 1).
    for (const rrfK of [1, 60]) {
      const r = await s.call('POST', '/v1/search', { ...base, fusion: 'rrf', rrfK });
      const top = r.json.hits[0];
      const ranks = Object.values(top.explanation.ranks) as number[];
      expect(top.score).toBeCloseTo(
        ranks.reduce((sum, rank) => sum + 1 / (rrfK + rank + 1), 0),
        10,
      );
    }
    expect((await s.call('POST', '/v1/search', { ...base, rrfK: 0 })).status).toBe(400);
    const model = await s.call('POST', '/v1/search', { ...base, fusion: 'model' });
    expect(model.json.ranker.name).toBe('rrf');
    expect(model.json.notes.join(' ')).toContain('not available');
  });

  it('rejects bad queries', async () => {
    expect((await s.call('POST', '/v1/search', { collection: C })).status).toBe(400);
    expect(
      (await s.call('POST', '/v1/search', { collection: C, text: 'x', limit: 0 })).status,
    ).toBe(400);
    expect(
      (await s.call('POST', '/v1/search', { collection: C, text: 'x', fusion: 'magic' })).status,
    ).toBe(400);
    expect(
      (await s.call('POST', '/v1/search', { collection: C, text: 'x', bogus: true })).status,
    ).toBe(400);
    const dims = await s.call('POST', '/v1/search', { collection: C, vectors: { image: [1, 2] } });
    expect(dims.json.error.code).toBe('DIMENSION_MISMATCH');
    expect((await s.call('POST', '/v1/search', { collection: 'nope', text: 'x' })).status).toBe(
      404,
    );
    const filter = await s.call('POST', '/v1/search', {
      collection: C,
      text: 'x',
      filter: { must: [{ key: 'a; DROP', match: { value: 1 } }] },
    });
    expect(filter.status).toBe(400);
    // Only BM25 can answer a text query without a text model; image queries with no image model cannot be answered.
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex').toString('base64');
    const img = await s.call('POST', '/v1/search', { collection: C, image: png });
    expect(img.status).toBe(503);
    expect(img.json.error.code).toBe('MODEL_MISSING');
  });
});

describe('feedback, recommend and users', () => {
  it('logs idempotently, moves the user profile, excludes seen items, forgets a user', async () => {
    const u = 'user-1';
    const click = { type: 'click', eventId: 'ev-1', collection: C, userId: u, itemId: 'coat-wool' };
    expect((await s.call('POST', '/v1/feedback', click)).json).toEqual({
      accepted: 1,
      duplicates: 0,
    });
    expect((await s.call('POST', '/v1/feedback', { events: [click] })).json).toEqual({
      accepted: 0,
      duplicates: 1,
    });

    const first = await s.call('POST', '/v1/recommend', { collection: C, userId: u, limit: 2 });
    expect(first.status).toBe(200);
    expect(first.json.hits.map((h: { id: string }) => h.id)).not.toContain('coat-wool'); // seen
    expect(first.json.hits[0].id).toBe('coat-rain');

    // Likes on dresses move the profile: the next request already reflects them.
    await s.call('POST', '/v1/feedback', {
      events: [
        { type: 'like', eventId: 'ev-2', collection: C, userId: u, itemId: 'dress-red' },
        { type: 'purchase', eventId: 'ev-3', collection: C, userId: u, itemId: 'dress-red' },
        { type: 'skip', eventId: 'ev-4', collection: C, userId: u, itemId: 'coat-rain' },
      ],
    });
    const second = await s.call('POST', '/v1/recommend', { collection: C, userId: u, limit: 2 });
    expect(second.json.hits[0].id).toBe('dress-blue');

    const more = await s.call('POST', '/v1/recommend', {
      collection: C,
      itemId: 'dress-red',
      limit: 3,
      excludeSeen: false,
    });
    expect(more.json.hits[0].id).toBe('dress-blue');
    expect(more.json.hits.map((h: { id: string }) => h.id)).not.toContain('dress-red');
    const diverse = await s.call('POST', '/v1/recommend', {
      collection: C,
      itemId: 'dress-red',
      limit: 3,
      diversity: 0.9,
    });
    expect(diverse.json.hits).toHaveLength(3);

    const bad = await s.call('POST', '/v1/feedback', {
      type: 'click',
      eventId: 'x',
      collection: C,
    });
    expect(bad.status).toBe(400);
    // Neither an item nor a user: the popular shelf, unless no fallback is wanted.
    expect((await s.call('POST', '/v1/recommend', { collection: C })).status).toBe(200);
    expect(
      (await s.call('POST', '/v1/recommend', { collection: C, fallback: 'none' })).status,
    ).toBe(400);
    expect(
      (await s.call('POST', '/v1/recommend', { collection: C, itemId: 'missing' })).status,
    ).toBe(404);

    // Search with a user id is personalised: the profile joins the fused lists and explains its share.
    const personal = await s.call('POST', '/v1/search', { collection: C, text: 'coat', userId: u });
    expect(personal.json.sources).toContain('profile');
    expect(personal.json.hits[0].explanation.shares.profile).toBeGreaterThan(0);

    const del = await s.call('DELETE', `/v1/users/${u}`);
    expect(del.status).toBe(200);
    expect(del.json.profiles).toBeGreaterThan(0);
    expect(s.chorus.db.events.count({ userId: u })).toBe(0);
    // Without a profile: the collection's most engaged items (the erased user's engagement stays in the counts).
    const cold = await s.call('POST', '/v1/recommend', { collection: C, userId: u });
    expect(cold.json.notes[0]).toContain('no profile');
    expect(cold.json.sources).toEqual(['popular']);
    expect(cold.json.hits[0].id).toBe('dress-red');
    const none = await s.call('POST', '/v1/recommend', {
      collection: C,
      userId: u,
      fallback: 'none',
    });
    expect(none.json.hits).toEqual([]);
  });

  it('logs each search as an impression with the ranker version', async () => {
    const r = await s.call('POST', '/v1/search', {
      collection: C,
      text: 'coat',
      userId: 'imp-user',
    });
    await s.chorus.engine.flush();
    const [ev] = s.chorus.db.events.query({ queryId: r.json.queryId });
    expect(ev?.event).toMatchObject({
      type: 'impression',
      rankerVersion: 'rrf',
      userId: 'imp-user',
    });
  });
});

describe('ops', () => {
  it('health, readiness, metrics, OpenAPI and docs', async () => {
    expect((await s.call('GET', '/healthz')).json).toEqual({ status: 'ok' });
    const ready = await s.call('GET', '/readyz');
    expect(ready.json).toMatchObject({ status: 'ready', store: 'lancedb' });
    const metrics = await s.call('GET', '/metrics');
    expect(metrics.text).toContain(
      'chorus_http_request_duration_seconds_bucket{le="0.005",route="/v1/search"',
    );
    expect(metrics.text).toMatch(/chorus_stage_duration_seconds_count\{stage="rerank"\} [1-9]/);
    const doc = await s.call('GET', '/openapi.json');
    expect(doc.json.openapi).toBe('3.1.0');
    expect(Object.keys(doc.json.paths)).toEqual(
      expect.arrayContaining(['/v1/search', '/v1/items/{id}', '/v1/users/{id}', '/v1/recommend']),
    );
    expect(
      doc.json.paths['/v1/search'].post.requestBody.content['application/json'].schema.$ref,
    ).toBe('#/components/schemas/SearchRequest');
    expect(doc.json.components.schemas.SearchRequest.additionalProperties).toBe(false);
    // Every reference resolves (recursive filters and JSON payloads included).
    const refs = [
      ...JSON.stringify(doc.json).matchAll(/"\$ref":"#\/components\/schemas\/([^"]+)"/g),
    ].map((m) => m[1]!);
    expect(refs.length).toBeGreaterThan(5);
    expect(refs.filter((r) => !doc.json.components.schemas[r])).toEqual([]);
    expect(doc.json.components.schemas.Filter.properties.must_not).toBeDefined();
    const docs = await s.call('GET', '/docs');
    expect(docs.headers.get('content-type')).toContain('text/html');
    expect(docs.text).toContain('/v1/search');
    expect(docs.text).not.toMatch(/https?:\/\/(?!127)/);
    expect((await s.call('GET', '/v1/nothing')).status).toBe(404);
    expect((await s.call('GET', '/healthz')).headers.get('x-request-id')).toBeTruthy();
  });
});
