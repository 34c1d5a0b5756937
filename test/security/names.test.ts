import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelRegistry } from '../../src/model-registry/registry.js';
import { isWellFormed } from '../../src/domain/names.js';
import type { TestServer } from '../api/harness.js';
import { snapshotCollection } from '../robustness/store-snapshot.js';
import {
  ADMIN,
  bearer,
  expectNoLeak,
  KEYS,
  pathsOf,
  READER,
  startKeyedServer,
  WRITER,
} from './support.js';

const C = 'names';
const LONE = '\ud800'; // a lone high surrogate: not well-formed UTF-16, would be stored as U+FFFD

/** Finding 6 of issue 12: names that reach a store or a path (collection, model version, item id) under one rule set. */
describe('security: one rule set for every name that reaches a store or a path', () => {
  let s: TestServer;
  let leaks: string[];
  beforeAll(async () => {
    s = await startKeyedServer();
    leaks = [...KEYS, ...pathsOf(s.dir)];
    expect(
      (
        await s.call(
          'POST',
          '/v1/collections',
          { name: C, vectors: { text: { modality: 'text', dim: 4 } } },
          bearer(ADMIN),
        )
      ).status,
    ).toBe(201);
    expect(
      (
        await s.call(
          'POST',
          '/v1/items',
          {
            collection: C,
            items: [
              { id: 'kept', payload: { text: 'kept item' }, vectors: { text: [1, 0, 0, 0] } },
            ],
          },
          bearer(WRITER),
        )
      ).status,
    ).toBe(200);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('finding 6: model version ".." (and other path-like versions) is refused with 400 before any fit; nothing is written', async () => {
    const before = readdirSync(s.dir).sort();
    for (const version of ['..', '.', '../x', 'a/b', '.hidden', 'v1\u0000']) {
      const r = await s.call('POST', '/v1/models/train', { collection: C, version }, bearer(ADMIN));
      expect(r.status, version).toBe(400);
      expectNoLeak(r.text, leaks);
      const p = await s.call(
        'POST',
        `/v1/models/${encodeURIComponent(version)}/promote`,
        { collection: C },
        bearer(ADMIN),
      );
      expect([400, 404], version).toContain(p.status);
    }
    expect(s.chorus.db.models.list()).toEqual([]);
    expect(readdirSync(s.dir).sort()).toEqual(before);
    expect(existsSync(path.join(s.dir, 'models'))).toBe(false);
  });

  it('finding 6: the registry itself refuses path-like names and taken versions before fitting (CLI `chorus train` too)', async () => {
    const registry = new ModelRegistry({ db: s.chorus.db, dataDir: s.dir });
    for (const version of ['..', 'a/b'])
      expect(() => registry.train({ collection: C, version })).toThrow(
        expect.objectContaining({ code: 'VALIDATION' }),
      );
    await expect(registry.trainInBackground({ collection: '../x' })).rejects.toMatchObject({
      code: 'VALIDATION',
    });
    s.chorus.db.models.register({ collection: C, version: 'taken', metrics: {}, featureSpec: {} });
    // With no clicks logged a fit would fail on its own; the 409 shows the check ran first.
    expect(() => registry.train({ collection: C, version: 'taken' })).toThrow(
      expect.objectContaining({ code: 'CONFLICT' }),
    );
    s.chorus.db.raw.prepare("DELETE FROM models WHERE version = 'taken'").run();
    expect(existsSync(path.join(s.dir, 'models'))).toBe(false);
  });

  it('finding 6: admin routes validate collection names (quickstart%00 is a 400, never a store call)', async () => {
    for (const p of [
      '/admin/api/models/quickstart%00',
      '/admin/api/charts/quickstart%00',
      '/admin/api/presets?collection=quickstart%00',
      '/admin/api/judgments?collection=..%2F..%2Fetc',
    ]) {
      const r = await s.call('GET', p, undefined, bearer(ADMIN));
      expect(r.status, p).toBe(400);
      expect(r.json.error.code).toBe('VALIDATION');
      expectNoLeak(r.text, leaks);
    }
    const media = await s.call(
      'GET',
      '/admin/api/media/quickstart%00/x/image',
      undefined,
      bearer(ADMIN),
    );
    expect(media.status).toBe(400);
    const compare = await s.call(
      'POST',
      '/admin/api/compare',
      { collection: 'quickstart\u0000', text: 'x', left: {}, right: {} },
      bearer(ADMIN),
    );
    expect(compare.status).toBe(400);
  });

  it('finding 6: ids that are not well-formed UTF-16 are refused (400), never rewritten; the store and BM25 are unchanged', async () => {
    expect(isWellFormed(`a${LONE}b`)).toBe(false);
    expect(isWellFormed('emoji \ud83d\ude00 ok')).toBe(true);
    const before = await snapshotCollection(s.chorus.store, C);
    const bm25Before = s.chorus.bm25.count(C);
    const body = JSON.stringify({
      collection: C,
      items: [{ id: `bad${LONE}`, payload: { text: 'orphan' }, vectors: { text: [0, 1, 0, 0] } }],
    });
    const r = await s.call('POST', '/v1/items', body, bearer(WRITER));
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/well-formed/);
    const rec = await s.call(
      'POST',
      '/v1/recommend',
      JSON.stringify({ collection: C, userId: `u${LONE}` }),
      bearer(READER),
    );
    expect(rec.status).toBe(400);
    const search = await s.call(
      'POST',
      '/v1/search',
      JSON.stringify({ collection: C, text: 'x', userId: `u${LONE}` }),
      bearer(READER),
    );
    expect(search.status).toBe(400);
    // A valid surrogate pair is fine, and deleting it leaves no orphan lexical entry.
    const pair = 'smile-\ud83d\ude00';
    expect(
      (
        await s.call(
          'POST',
          '/v1/items',
          {
            collection: C,
            items: [{ id: pair, payload: { text: 'smile' }, vectors: { text: [0, 0, 1, 0] } }],
          },
          bearer(WRITER),
        )
      ).status,
    ).toBe(200);
    expect(
      (
        await s.call(
          'DELETE',
          `/v1/items/${encodeURIComponent(pair)}?collection=${C}`,
          undefined,
          bearer(WRITER),
        )
      ).json,
    ).toEqual({ deleted: 1 });
    expect(await snapshotCollection(s.chorus.store, C)).toEqual(before);
    expect(s.chorus.bm25.count(C)).toBe(bm25Before);
    expectNoLeak(r.text + rec.text + search.text, leaks);
  });
});
