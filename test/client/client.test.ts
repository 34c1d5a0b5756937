import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { attachModelServing } from '../../src/app/model-serving.js';
import { CORE_ROUTES } from '../../src/api/app.js';
import { modelRoutes } from '../../src/api/routes/models.js';
import {
  ChorusApiError,
  ChorusRequestError,
  createClient,
  type ChorusClient,
} from '../../src/client/index.js';
import { jobRoutes } from '../../src/jobs/jobs-router.js';
import { startServer, vec, type TestServer } from '../api/harness.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const ADMIN = 'admin-key-0123456789';
const READER = 'reader-key-0123';
let s: TestServer;

beforeAll(async () => {
  s = await startServer(
    { adminKey: ADMIN, apiKeys: [{ key: READER, scope: 'read' }] },
    { extraRouters: (deps, built) => attachModelServing(deps, built) },
  );
});
afterAll(async () => {
  await s?.close();
});

/** Every bound method of the client, with the route it calls. */
function clientRoutes(c: ChorusClient): string[] {
  const out: string[] = [];
  const visit = (o: object) => {
    for (const v of Object.values(o)) {
      if (typeof v === 'function' && 'path' in v)
        out.push(`${(v as { method: string }).method} ${(v as { path: string }).path}`);
      else if (v && typeof v === 'object') visit(v);
    }
  };
  visit(c);
  return out.sort();
}

describe('chorus/client', () => {
  it('covers every route the server serves, no more (core API, models, jobs)', () => {
    const server = [...CORE_ROUTES, ...Object.values(modelRoutes), ...Object.values(jobRoutes)]
      .map((r) => `${r.method} ${r.path}`)
      .sort();
    expect(clientRoutes(createClient({ url: s.url }))).toEqual(server);
  });

  it('runs the API against a real server: collections, items, search, recommend, feedback, users, models, jobs', async () => {
    const admin = createClient({ url: s.url, apiKey: ADMIN });
    expect(await admin.healthz()).toEqual({ status: 'ok' });
    expect(typeof (await admin.metrics())).toBe('string');
    const created = await admin.collections.create({
      name: 'shop',
      vectors: { text: { modality: 'text', dim: 4 } },
      payloadIndexes: { brand: 'keyword' },
    });
    expect(created.collection.name).toBe('shop');
    const items = Array.from({ length: 12 }, (_, i) => ({
      id: `p${i}`,
      payload: { brand: i % 2 ? 'acme' : 'zen', title: `item ${i}` },
      vectors: { text: vec(4, i, i % 4) },
    }));
    expect(await admin.items.upsert({ collection: 'shop', items })).toEqual({ upserted: 12 });
    const streamed = await admin.items.stream({
      collection: 'shop',
      batch: 2,
      items: [
        { id: 's1', vectors: { text: vec(4, 20, 1) } },
        { id: 's2', vectors: { text: [1, 2] } },
      ],
    });
    expect(streamed).toMatchObject({ upserted: 1 });
    expect(JSON.stringify(streamed)).toContain('s2'); // the bad line is reported, the good one stored
    expect(await admin.items.delete({ id: 's1', collection: 'shop' })).toEqual({ deleted: 1 });
    const listed = await admin.collections.list();
    expect(listed.collections.map((c) => c.name)).toEqual(['shop']);
    const settings = await admin.collections.setSettings({
      name: 'shop',
      synonyms: { groups: [['tee', 't-shirt']], rules: [] },
    });
    expect(settings.rebuildNeeded).toBe(false);
    expect((await admin.collections.settings({ name: 'shop' })).synonyms.groups).toEqual([
      ['tee', 't-shirt'],
    ]);
    const one = await admin.items.get({ id: 'p3', collection: 'shop', withVectors: 'true' });
    expect(one.item.payload.title).toBe('item 3');
    expect(one.item.vectors?.text).toHaveLength(4);

    const found = await admin.search({
      collection: 'shop',
      vectors: { text: vec(4, 0, 0) },
      filter: { must: [{ key: 'brand', match: { value: 'zen' } }] },
      limit: 3,
    });
    expectTypeOf(found.hits[0]!.id).toEqualTypeOf<string>();
    expect(found.hits.length).toBeGreaterThan(0);
    expect(found.hits.every((h) => h.payload.brand === 'zen')).toBe(true);
    const fb = await admin.feedback({
      events: [
        {
          type: 'click',
          eventId: 'c1',
          collection: 'shop',
          userId: 'u1',
          queryId: found.queryId,
          itemId: found.hits[0]!.id,
        },
      ],
    });
    expect(fb).toMatchObject({ accepted: 1 });
    const rec = await admin.recommend({ collection: 'shop', itemId: 'p1', limit: 3 });
    expect(rec.hits.map((h) => h.id)).not.toContain('p1');

    expect((await admin.models.list({ collection: 'shop' })).models).toEqual([]);
    const job = await admin.jobs.counts();
    expect(job.queue).toBe('in-process');
    const deleted = await admin.users.delete({ id: 'u1' });
    expect(deleted.userId).toBe('u1');
    expect(await admin.items.delete({ id: 'p11', collection: 'shop' })).toEqual({ deleted: 1 });
    expect(await admin.collections.drop({ name: 'shop' })).toEqual({ dropped: 'shop' });
  });

  it('sends the API key; errors are typed with the server code, status and details', async () => {
    const anonymous = createClient({ url: s.url });
    await expect(anonymous.collections.list()).rejects.toMatchObject({
      name: 'ChorusApiError',
      status: 401,
      code: 'UNAUTHENTICATED',
    });
    const reader = createClient({ url: s.url, apiKey: READER });
    expect((await reader.collections.list()).collections).toBeInstanceOf(Array);
    const forbidden = await reader.collections
      .create({ name: 'nope', vectors: { text: { modality: 'text', dim: 4 } } })
      .catch((e: unknown) => e);
    expect(forbidden).toBeInstanceOf(ChorusApiError);
    expect(forbidden).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    const missing = await reader.collections.get({ name: 'absent' }).catch((e: unknown) => e);
    expect(missing).toMatchObject({ status: 404, code: 'COLLECTION_NOT_FOUND' });
    // Bad input the types would reject still reaches the server's validation (400 with details), never a crash.
    const bad = (await reader
      .search({ collection: 'x', limit: -1 } as never)
      .catch((e: unknown) => e)) as ChorusApiError;
    expect(bad).toMatchObject({ status: 400 });
    expect(bad.details).toBeTruthy();
  });

  it('maps timeouts and unreachable servers to ChorusRequestError', async () => {
    const slow = createClient({
      url: s.url,
      timeoutMs: 1,
      fetch: (u, i) => new Promise((r) => setTimeout(() => r(fetch(u, i)), 200)),
    });
    await expect(slow.healthz()).rejects.toMatchObject({ name: 'ChorusRequestError' });
    const down = createClient({ url: 'http://127.0.0.1:9', timeoutMs: 60_000 });
    const err = await down.healthz().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChorusRequestError);
    expect((err as ChorusRequestError).reason).toBe('network');
  });

  it('imports nothing at run time beyond its own files (fetch only; types come from the server schemas)', () => {
    const dir = path.join(ROOT, 'src/client');
    for (const f of ['index.ts', 'client.ts', 'transport.ts', 'errors.ts', 'route-types.ts']) {
      const src = readFileSync(path.join(dir, f), 'utf8');
      for (const m of src.matchAll(
        /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm,
      )) {
        if (m[2]) continue; // type-only
        expect(m[3], `${f} imports ${m[3]}`).toMatch(/^\.\/[\w-]+\.js$/);
        expect(existsSync(path.join(dir, m[3]!.replace(/\.js$/, '.ts')))).toBe(true);
      }
    }
  });
});
