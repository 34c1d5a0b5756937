import { connect } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Json, type TestServer } from '../api/harness.js';
import {
  NON_UTF8_TEXT,
  deeplyNested,
  pngBomb,
  smallPng,
  truncatedJpeg,
  wav8,
  wavBadHeader,
  wavClaimsTwoHours,
} from './hostile-inputs.js';
import { snapshotCollection, type StoreSnapshot } from './store-snapshot.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const COLL = 'robust';

interface Reply {
  status: number;
  json: Json;
}

/**
 * Every hostile input goes through the real HTTP API of a real server (tiny fixture models, real LanceDB):
 * it must get a 4xx with a code and a message, the server must stay up, and the store must hold exactly
 * what it held before (count + checksum over ids, payloads and vectors).
 */
describe('bad input through the HTTP API', () => {
  let s: TestServer;
  let before: StoreSnapshot;
  let dims: Record<string, number>;

  const form = (
    fields: Record<string, string>,
    files: Record<string, [Uint8Array, string, string]>,
  ) => {
    const f = new FormData();
    for (const [k, v] of Object.entries(fields)) f.set(k, v);
    for (const [k, [bytes, name, type]] of Object.entries(files))
      f.set(k, new Blob([new Uint8Array(bytes)], { type }), name);
    return f;
  };
  const upload = (
    id: string,
    field: string,
    bytes: Uint8Array,
    name: string,
    type = 'application/octet-stream',
  ) =>
    s.call('POST', '/v1/items', form({ collection: COLL, id }, { [field]: [bytes, name, type] }));
  const raw = async (p: string, body: Uint8Array | string, contentType: string): Promise<Reply> => {
    const res = await fetch(s.url + p, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: typeof body === 'string' ? body : new Uint8Array(body),
    });
    const text = await res.text();
    let json: Json;
    try {
      json = JSON.parse(text);
    } catch {
      json = undefined;
    }
    return { status: res.status, json };
  };
  const vector = (name: string, fill = 0.1) =>
    Array.from({ length: dims[name]! }, (_, i) => (i === 0 ? 1 : fill));

  async function expectRejected(
    r: Reply,
    status: number | number[],
    code?: string | RegExp,
  ): Promise<void> {
    const allowed = Array.isArray(status) ? status : [status];
    expect(allowed, `got ${r.status}: ${JSON.stringify(r.json)}`).toContain(r.status);
    expect(typeof r.json?.error?.code).toBe('string');
    expect(r.json.error.message.length).toBeGreaterThan(5);
    if (code) expect(r.json.error.code).toMatch(code);
    expect((await s.call('GET', '/healthz')).status).toBe(200);
    expect(await snapshotCollection(s.chorus.store, COLL)).toEqual(before);
  }

  beforeAll(async () => {
    s = await startServer(
      {
        modelDir: path.join(ROOT, 'fixtures/models'),
        executionProviders: ['cpu'],
        models: {
          text: 'chorus-test/tiny-text',
          image: 'chorus-test/tiny-clip',
          audio: 'chorus-test/tiny-clap',
        },
        limits: {
          maxAudioSeconds: 600,
          maxImagePixels: 40_000_000,
          maxItemsBodyBytes: 8 * 1024 * 1024,
        },
      },
      { encoders: undefined },
    );
    const specs = s.chorus.registry!.vectorSpecs();
    dims = Object.fromEntries(specs.map((v) => [v.vectorName, v.dim]));
    const vectors = Object.fromEntries(
      specs.map((v) => [v.vectorName, { modality: v.modality, dim: v.dim, modelId: v.modelId }]),
    );
    const created = await s.call('POST', '/v1/collections', {
      name: COLL,
      vectors,
      payloadIndexes: { title: 'keyword', text: 'text' },
    });
    expect(created.status, created.text).toBe(201);
    // A few good items so "unchanged" is a real check: text, an image and a short audio clip.
    const ok = await s.call('POST', '/v1/items', {
      collection: COLL,
      items: [
        { id: 'doc-1', text: 'a red running shoe', payload: { title: 'it\'s a "quoted" title' } },
        { id: 'doc-2', text: 'a blue rain coat', payload: { title: 'coat' } },
      ],
    });
    expect(ok.status, ok.text).toBe(200);
    expect((await upload('img-1', 'image', await smallPng(3), 'ok.png', 'image/png')).status).toBe(
      200,
    );
    const audioOk = await upload('aud-1', 'audio', wav8(2, 8000), 'ok.wav', 'audio/wav');
    expect(audioOk.status, audioOk.text).toBe(200);
    before = await snapshotCollection(s.chorus.store, COLL);
    expect(before.count).toBe(4);
  }, 120_000);
  afterAll(async () => {
    await s?.close();
  });

  it('truncated JPEG -> 422 MEDIA_DECODE', async () => {
    await expectRejected(
      await upload('bad', 'image', await truncatedJpeg(), 'cut.jpg', 'image/jpeg'),
      422,
      'MEDIA_DECODE',
    );
  });

  it('decompression-bomb PNG (10^10 declared pixels) -> 413 without allocating it', async () => {
    const r = await upload('bad', 'image', pngBomb(), 'bomb.png', 'image/png');
    await expectRejected(r, 413, 'PAYLOAD_TOO_LARGE');
    expect(r.json.error.message).toMatch(/pixels/);
  });

  it('zero-byte file -> 422 with "empty"', async () => {
    const r = await upload('bad', 'file', new Uint8Array(0), 'empty.png', 'image/png');
    await expectRejected(r, [400, 422]);
    expect(r.json.error.message).toMatch(/empty/);
  });

  it('wrong extension: a WAV sent as image/photo.jpg -> 415; a text file as "file" -> 415', async () => {
    await expectRejected(
      await upload('bad', 'image', wav8(1, 8000), 'photo.jpg', 'image/jpeg'),
      415,
      'UNSUPPORTED_MEDIA',
    );
    await expectRejected(
      await upload(
        'bad',
        'file',
        Buffer.from('just some text, not media'),
        'song.mp3',
        'audio/mpeg',
      ),
      415,
      'UNSUPPORTED_MEDIA',
    );
  });

  it('WAV with a bad header, and a header claiming more data than the file has -> 422', async () => {
    await expectRejected(
      await upload('bad', 'audio', wavBadHeader(), 'bad.wav', 'audio/wav'),
      422,
      'MEDIA_DECODE',
    );
    await expectRejected(
      await upload('bad', 'audio', wavClaimsTwoHours(), 'liar.wav', 'audio/wav'),
      422,
      'MEDIA_DECODE',
    );
  });

  it('a real two-hour audio file (1 kHz, 7 MB) -> 413 over limits.maxAudioSeconds', async () => {
    const r = await upload('bad', 'audio', wav8(2 * 3600, 1000), 'long.wav', 'audio/wav');
    await expectRejected(r, 413, 'PAYLOAD_TOO_LARGE');
    expect(r.json.error.message).toMatch(/maxAudioSeconds/);
  });

  it('non-UTF-8 text: a latin1 charset is 415, invalid UTF-8 bytes in a JSON body are 400', async () => {
    const body = Buffer.concat([
      Buffer.from(`{"collection":"${COLL}","items":[{"id":"bad","text":"`),
      NON_UTF8_TEXT.subarray(0, 10),
      Buffer.from('"}]}'),
    ]);
    await expectRejected(
      await raw('/v1/items', body, 'application/json; charset=latin1'),
      415,
      'UNSUPPORTED_MEDIA',
    );
    const r = await raw('/v1/items', body, 'application/json');
    await expectRejected(r, 400, 'BAD_REQUEST');
    expect(r.json.error.message).toMatch(/UTF-8/);
    await expectRejected(
      await upload('bad', 'file', NON_UTF8_TEXT, 'notes.txt', 'text/plain'),
      415,
      'UNSUPPORTED_MEDIA',
    );
  });

  it('10 MB JSON -> 413; deeply nested JSON -> 400', async () => {
    const big = JSON.stringify({
      collection: COLL,
      items: [{ id: 'bad', text: 'x'.repeat(10 * 1024 * 1024) }],
    });
    await expectRejected(await raw('/v1/items', big, 'application/json'), 413, 'PAYLOAD_TOO_LARGE');
    const nested = `{"collection":"${COLL}","items":[{"id":"bad","text":"deep","payload":${deeplyNested(100_000)}}]}`;
    await expectRejected(await raw('/v1/items', nested, 'application/json'), 400);
    const nestedFilter = `{"collection":"${COLL}","text":"shoe","filter":${'{"must":['.repeat(2000)}{"key":"title","exists":true}${']}'.repeat(2000)}}`;
    await expectRejected(await raw('/v1/search', nestedFilter, 'application/json'), 400);
  });

  it('NaN / Infinity / wrong-dimension vectors -> 400', async () => {
    await expectRejected(
      await raw(
        '/v1/items',
        `{"collection":"${COLL}","items":[{"id":"bad","vectors":{"text":[NaN]}}]}`,
        'application/json',
      ),
      400,
    );
    const inf = `{"collection":"${COLL}","items":[{"id":"bad","vectors":{"text":[1e999${',0.1'.repeat(dims.text! - 1)}]}}]}`;
    await expectRejected(
      await raw('/v1/items', inf, 'application/json'),
      400,
      /INVALID_VECTOR|VALIDATION/,
    );
    const short = { collection: COLL, items: [{ id: 'bad', vectors: { text: [1, 2, 3] } }] };
    await expectRejected(
      await s.call('POST', '/v1/items', short),
      400,
      /DIMENSION_MISMATCH|VALIDATION/,
    );
    await expectRejected(
      await s.call('POST', '/v1/search', { collection: COLL, vectors: { text: [1, 2] } }),
      400,
    );
    await expectRejected(
      await s.call('POST', '/v1/items', {
        collection: COLL,
        items: [{ id: 'bad', vectors: { nope: [1] } }],
      }),
      400,
    );
  });

  it('filter values with quotes and SQL fragments are literals; SQL in keys is rejected', async () => {
    const hostile = [
      "x' OR '1'='1",
      '"; DROP TABLE robust; --',
      "it's",
      '\\',
      "') OR 1=1 --",
      '%',
      '_',
    ];
    for (const value of hostile) {
      const r = await s.call('POST', '/v1/search', {
        collection: COLL,
        text: 'shoe',
        filter: { must: [{ key: 'title', match: { value } }] },
      });
      expect(r.status, r.text).toBe(200);
      expect(r.json.hits).toEqual([]);
    }
    const exact = await s.call('POST', '/v1/search', {
      collection: COLL,
      text: 'shoe',
      filter: { must: [{ key: 'title', match: { value: 'it\'s a "quoted" title' } }] },
    });
    expect(exact.json.hits.map((h: Json) => h.id)).toEqual(['doc-1']);
    const inList = await s.call('POST', '/v1/search', {
      collection: COLL,
      text: 'coat',
      filter: { must: [{ key: 'title', in: ["coat' OR 1=1 --", 'coat'] }] },
    });
    expect(inList.json.hits.map((h: Json) => h.id)).toEqual(['doc-2']);
    await expectRejected(
      await s.call('POST', '/v1/search', {
        collection: COLL,
        text: 'x',
        filter: { must: [{ key: 'title = 1 OR 1', exists: true }] },
      }),
      400,
      'VALIDATION',
    );
    expect(await snapshotCollection(s.chorus.store, COLL)).toEqual(before);
  });

  it('a body no branch of a union accepts names the missing field, not a bare "Invalid input"', async () => {
    const click = { type: 'click', eventId: 'e-missing', collection: COLL };
    const r = await s.call('POST', '/v1/feedback', click);
    await expectRejected(r, 400, 'VALIDATION');
    expect(r.json.error.message).toMatch(/^itemId: /);
    expect(r.json.error.details).toContainEqual(expect.objectContaining({ path: 'itemId' }));
    // Inside a batch the path leads to the event.
    const batch = await s.call('POST', '/v1/feedback', { events: [click] });
    await expectRejected(batch, 400, 'VALIDATION');
    expect(batch.json.error.message).toMatch(/^events\.0\.itemId: /);
  });

  it("client events cannot take the id prefix of the engine's own impressions: 400, nothing of the batch applied", async () => {
    const served = await s.call('POST', '/v1/search', { collection: COLL, text: 'shoe' });
    const queryId = served.json.queryId as string;
    const click = { type: 'click', eventId: 'reserved-ok', collection: COLL, itemId: 'doc-1' };
    const copy = {
      type: 'impression',
      eventId: `imp_${queryId}`,
      collection: COLL,
      queryId,
      items: [{ id: 'doc-1', position: 0 }],
    };
    const r = await s.call('POST', '/v1/feedback', { events: [click, copy] });
    await expectRejected(r, 400, 'VALIDATION');
    expect(r.json.error.message).toMatch(/^event #1 \(imp_.*reserved/);
    expect(r.json.error.details).toMatchObject({ index: 1, eventId: `imp_${queryId}` });
    // The batch was refused whole: its first event is still new.
    const again = await s.call('POST', '/v1/feedback', click);
    expect(again.json).toEqual({ accepted: 1, duplicates: 0 });
  });

  it('unknown collection -> 404; path-like collection names -> 400', async () => {
    await expectRejected(
      await s.call('POST', '/v1/items', { collection: 'nope', items: [{ id: 'a', text: 'x' }] }),
      404,
      'COLLECTION_NOT_FOUND',
    );
    await expectRejected(
      await s.call('POST', '/v1/search', { collection: 'nope', text: 'x' }),
      404,
      'COLLECTION_NOT_FOUND',
    );
    await expectRejected(
      await s.call('POST', '/v1/items', {
        collection: '../robust',
        items: [{ id: 'a', text: 'x' }],
      }),
      400,
      'VALIDATION',
    );
    await expectRejected(
      await s.call('GET', `/v1/items/doc-1?collection=..%2F..%2Fetc`),
      400,
      'VALIDATION',
    );
  });

  it('duplicate ids in one batch -> 400 naming the id; nothing written', async () => {
    const r = await s.call('POST', '/v1/items', {
      collection: COLL,
      items: [
        { id: 'dup', text: 'one' },
        { id: 'doc-9', text: 'two' },
        { id: 'dup', text: 'three' },
      ],
    });
    await expectRejected(r, 400, 'VALIDATION');
    expect(r.json.error.message).toMatch(/dup/);
  });

  it('garbage on the socket and an upload cut off mid-body leave the server up and the store unchanged', async () => {
    const { port } = new URL(s.url);
    const garbage = await new Promise<string>((resolve, reject) => {
      const sock = connect(Number(port), '127.0.0.1', () =>
        sock.end('NOT HTTP AT ALL\r\n\u0000\u0001\r\n\r\n'),
      );
      let got = '';
      sock.on('data', (d) => (got += d.toString()));
      sock.on('close', () => resolve(got));
      sock.on('error', reject);
    });
    expect(garbage).toMatch(/^HTTP\/1\.1 400/);
    await new Promise<void>((resolve, reject) => {
      const sock = connect(Number(port), '127.0.0.1', () => {
        sock.write(
          `POST /v1/items HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"collection":"${COLL}","items":[{"id":"half","text":"`,
        );
        setTimeout(() => {
          sock.destroy();
          resolve();
        }, 100);
      });
      sock.on('error', reject);
    });
    await new Promise((r) => setTimeout(r, 100));
    expect((await s.call('GET', '/healthz')).status).toBe(200);
    expect(await snapshotCollection(s.chorus.store, COLL)).toEqual(before);
  });

  it('one bad item in a batch fails the whole batch (all-or-nothing), naming the item', async () => {
    const r = await s.call('POST', '/v1/items', {
      collection: COLL,
      items: [
        { id: 'fine', vectors: { text: vector('text') } },
        { id: 'broken', image: (await truncatedJpeg()).toString('base64') },
      ],
    });
    await expectRejected(r, 422, 'MEDIA_DECODE');
    expect(r.json.error.message).toMatch(/broken/);
  });
});
