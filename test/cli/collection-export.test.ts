import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicPayload } from '../../src/domain/names.js';
import { openChorus, type EmbeddedChorus } from '../../src/library/open-chorus.js';
import { runChorus } from '../support/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-export-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const source = path.join(dir, 'source');
const target = path.join(dir, 'target');
const N = 1_203; // more than two store pages

const env = (dataDir: string): NodeJS.ProcessEnv => {
  const e: NodeJS.ProcessEnv = {
    ...process.env,
    CHORUS_DATA_DIR: dataDir,
    CHORUS_STORE: 'lancedb',
    CHORUS_MODELS__ENABLED: '',
  };
  delete e.QDRANT_URL;
  return e;
};
/** Values that are not round in float32 or in decimal, so a lossy write would show. */
const vec = (seed: number, dim = 8) =>
  Array.from({ length: dim }, (_, i) => (Math.sin(seed * 12.9898 + i * 78.233) * 43758.5453) % 1);

beforeAll(async () => {
  const c = await openChorus({ dataDir: source, encoders: 'none' });
  try {
    await c.collections.create({
      name: 'shop',
      vectors: {
        text: { modality: 'text', dim: 8 },
        image: { modality: 'image', dim: 8, distance: 'l2' },
      },
      payloadIndexes: { brand: 'keyword', price: 'float' },
    });
    for (let i = 0; i < N; i += 400)
      await c.upsert(
        'shop',
        Array.from({ length: Math.min(400, N - i) }, (_, k) => {
          const n = i + k;
          return {
            id: `p${n}`,
            payload: {
              text: `item ${n} ${n % 3 ? 'walnut lamp' : 'oak desk'}`,
              brand: `b${n % 7}`,
              price: n / 10,
              // Keys that mean something in an index row stay payload fields.
              image: 'not a file',
              nested: { tags: ['a', n], ok: n % 2 === 0 },
            },
            // Every fifth item has no image vector.
            vectors: Object.fromEntries([
              ['text', vec(n)],
              ...(n % 5 ? [['image', vec(n + 0.5)]] : []),
            ]) as Record<string, number[]>,
          };
        }),
      );
  } finally {
    await c.close();
  }
}, 300_000);

async function everything(c: EmbeddedChorus) {
  const ids = Array.from({ length: N }, (_, n) => `p${n}`);
  const items = await c.get('shop', ids, { withVectors: true });
  return new Map(
    items.map((i) => [
      i.id,
      {
        payload: publicPayload(i.payload),
        vectors: Object.fromEntries(Object.entries(i.vectors).map(([k, v]) => [k, Array.from(v)])),
      },
    ]),
  );
}

describe('chorus collection export', () => {
  it('writes JSONL and a schema that chorus index and collection create load into an identical collection', async () => {
    const out = path.join(dir, 'shop.jsonl');
    const schemaOut = path.join(dir, 'shop.schema.json');
    const r = await runChorus(
      ['collection', 'export', 'shop', '--out', out, '--schema-out', schemaOut, '--json'],
      { env: env(source) },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ collection: 'shop', exported: N, out });
    expect(existsSync(`${out}.partial`)).toBe(false);
    const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(N);
    expect(Object.keys(JSON.parse(lines[0]!) as object).sort()).toEqual([
      'id',
      'payload',
      'vectors',
    ]);

    const created = await runChorus(['collection', 'create', 'shop', '--schema', schemaOut], {
      env: env(target),
    });
    expect(created.code, created.stderr).toBe(0);
    const indexed = await runChorus(['index', out, '--collection', 'shop', '--json'], {
      env: env(target),
    });
    expect(indexed.code, indexed.stderr).toBe(0);

    const [a, b] = [
      await openChorus({ dataDir: source, encoders: 'none' }),
      await openChorus({ dataDir: target, encoders: 'none' }),
    ];
    try {
      expect(await b.collections.get('shop')).toEqual(await a.collections.get('shop'));
      expect(await b.collections.count('shop')).toBe(N);
      expect(await everything(b)).toEqual(await everything(a));
      // Same answers: the vector lists with a payload filter exactly; BM25 (texts here tie a lot, and ties follow
      // load order) by each document's score over the same collection statistics.
      const vectorQuery = {
        collection: 'shop',
        query: { vectors: { text: new Float32Array(vec(77)), image: new Float32Array(vec(5)) } },
        filter: { must: [{ key: 'brand', match: { value: 'b3' } }] },
        fusion: 'rrf',
        limit: 10,
        logImpression: false,
      };
      const hits = async (c: EmbeddedChorus) =>
        (await c.search(vectorQuery)).hits.map((h) => [h.id, h.score]);
      const fromSource = await hits(a);
      expect(fromSource).toHaveLength(10);
      expect(await hits(b)).toEqual(fromSource);
      const bm25 = async (c: EmbeddedChorus) =>
        new Map(
          (
            await c.search({
              collection: 'shop',
              query: { text: 'oak desk' },
              fusion: 'rrf',
              limit: 100,
              logImpression: false,
            })
          ).hits.map((h) => [h.id, h.explanation.scores.bm25]),
        );
      const [sa, sb] = [await bm25(a), await bm25(b)];
      expect([...sb.values()].sort()).toEqual([...sa.values()].sort());
      for (const [id, score] of sb) if (sa.has(id)) expect(score).toBe(sa.get(id));
    } finally {
      await a.close();
      await b.close();
    }
  }, 600_000);

  it('to stdout with the summary on stderr; --no-vectors rows carry the text to encode; a missing collection exits 2', async () => {
    const r = await runChorus(['collection', 'export', 'shop', '--no-vectors'], {
      env: env(source),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`exported ${N} items of shop\\n`));
    const rows = r.stdout
      .trimEnd()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { id: string; text?: string; vectors?: unknown; payload: object },
      );
    expect(rows).toHaveLength(N);
    const p7 = rows.find((row) => row.id === 'p7')!;
    expect(p7).toEqual({
      id: 'p7',
      payload: expect.objectContaining({ text: 'item 7 walnut lamp', brand: 'b0' }),
      text: 'item 7 walnut lamp',
    });
    const missing = await runChorus(['collection', 'export', 'nope'], { env: env(source) });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope/);
  }, 300_000);
});

describe('chorus collection facets', () => {
  it('counts a field over every item (past one store page), prints and --json, a missing collection exits 2', async () => {
    const r = await runChorus(['collection', 'facets', 'shop', '--field', 'brand', '--size', '3'], {
      env: env(source),
    });
    expect(r.code, r.stderr).toBe(0);
    // Brands b0..b6 over p0..p1202: b0 to b5 hold 172 items, b6 171; ties by text.
    expect(r.stdout).toBe('brand\n  b0\t172\n  b1\t172\n  b2\t172\ncounted 1203 items\n');
    const json = await runChorus(['collection', 'facets', 'shop', '--field', 'brand', '--json'], {
      env: env(source),
    });
    const parsed = JSON.parse(json.stdout) as {
      facets: { brand: { count: number }[] };
      scanned: number;
    };
    expect(parsed.scanned).toBe(N);
    expect(parsed.facets.brand.reduce((a, v) => a + v.count, 0)).toBe(N);
    const missing = await runChorus(['collection', 'facets', 'nope', '--field', 'brand'], {
      env: env(source),
    });
    expect(missing.code).toBe(2);
  }, 300_000);
});
