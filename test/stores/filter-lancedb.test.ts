import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Filter } from '../../src/domain/filter.js';
import { ChorusError } from '../../src/errors.js';
import { sqlString, toLanceWhere } from '../../src/stores/filter-lancedb.js';
import { LanceDbStore } from '../../src/stores/lancedb-store.js';

const indexes = {
  name: 'keyword',
  title: 'text',
  n: 'integer',
  x: 'float',
  ok: 'bool',
  at: 'datetime',
} as const;

const HOSTILE = [
  "' OR 1=1 --",
  "x'; DROP TABLE items; --",
  "it''s",
  "a\\'b",
  '`id` = `id`',
  "') OR ('a'='a",
  'semi;colon; DELETE FROM t',
  '%_*',
  "💥 unicode ' quote",
];

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof ChorusError ? e.code : 'OTHER';
  }
  return undefined;
}

describe('toLanceWhere', () => {
  it('backquotes columns and doubles quotes in string literals', () => {
    expect(toLanceWhere({ must: [{ key: 'name', match: { value: "o'neil" } }] }, indexes)).toBe(
      "(`p_name` IS NOT NULL AND array_has(`p_name`, 'o''neil'))",
    );
    expect(sqlString("' OR 1=1 --")).toBe("''' OR 1=1 --'");
  });

  it('renders every operator and combinator', () => {
    const where = toLanceWhere(
      {
        must: [
          { key: 'n', range: { gte: 1, lt: 5 } },
          { key: 'ok', match: { value: true } },
          {
            should: [
              { key: 'x', in: [1.5, 2] },
              { key: 'name', exists: false },
            ],
          },
        ],
        must_not: [{ key: 'name', in: ['a', 'b'] }],
      },
      indexes,
    );
    expect(where).toBe(
      '(`p_n` IS NOT NULL AND `p_n` >= 1 AND `p_n` < 5) AND (`p_ok` IS NOT NULL AND `p_ok` = 1) AND ' +
        '(((`p_x` IS NOT NULL AND `p_x` IN (1.5, 2)) OR (`p_name` IS NULL))) AND ' +
        "NOT ((`p_name` IS NOT NULL AND array_has_any(`p_name`, make_array('a', 'b'))))",
    );
    expect(toLanceWhere(undefined, indexes)).toBeUndefined();
    expect(toLanceWhere({}, indexes)).toBeUndefined();
    expect(toLanceWhere({ must: [{ key: 'at', range: { gte: 1000 } }] }, indexes)).toContain(
      '`p_at` >= 1000',
    );
  });

  it('refuses unknown fields, bad keys, wrong types, NUL and non-finite numbers', () => {
    expect(
      code(() => toLanceWhere({ must: [{ key: 'other', match: { value: 'a' } }] }, indexes)),
    ).toBe('VALIDATION');
    expect(
      code(() =>
        toLanceWhere(
          { must: [{ key: 'name`) OR 1=1', match: { value: 'a' } }] } as Filter,
          indexes,
        ),
      ),
    ).toBe('VALIDATION');
    expect(code(() => toLanceWhere({ must: [{ key: 'n', match: { value: 'a' } }] }, indexes))).toBe(
      'VALIDATION',
    );
    expect(
      code(() => toLanceWhere({ must: [{ key: 'name', match: { value: 3 } }] }, indexes)),
    ).toBe('VALIDATION');
    expect(code(() => toLanceWhere({ must: [{ key: 'name', range: { gt: 1 } }] }, indexes))).toBe(
      'VALIDATION',
    );
    expect(
      code(() => toLanceWhere({ must: [{ key: 'name', match: { value: 'a\u0000b' } }] }, indexes)),
    ).toBe('VALIDATION');
    expect(
      code(() => toLanceWhere({ must: [{ key: 'x', range: { gt: Infinity } }] }, indexes)),
    ).toBe('VALIDATION');
    expect(code(() => toLanceWhere({ must: [{ key: 'x', match: { value: NaN } }] }, indexes))).toBe(
      'VALIDATION',
    );
    expect(
      code(() => toLanceWhere({ must: [{ key: 'x', sql: '1=1' }] } as unknown as Filter, indexes)),
    ).toBe('VALIDATION');
  });
});

describe('hostile filter values against a real LanceDB table', () => {
  let dir: string;
  let store: LanceDbStore;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-filter-'));
    store = await LanceDbStore.open({ dataDir: dir });
    await store.createCollection({
      name: 'hostile',
      vectors: { text: { modality: 'text', dim: 2 } },
      payloadIndexes: { name: 'keyword', title: 'text' },
    });
    await store.upsert('hostile', [
      ...HOSTILE.map((v, i) => ({
        id: `h${i}`,
        payload: { name: v, title: v },
        vectors: { text: [1, i] },
      })),
      { id: 'plain', payload: { name: 'plain', title: 'plain' }, vectors: { text: [0, 1] } },
    ]);
  });
  afterAll(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(HOSTILE.map((v, i) => [v, i] as const))(
    'matches %j literally and nothing else',
    async (value, i) => {
      const filter: Filter = { must: [{ key: 'name', match: { value } }] };
      const page = await store.scroll('hostile', { filter, limit: 100 });
      expect(page.items.map((x) => x.id)).toEqual([`h${i}`]);
      expect(await store.count('hostile', { must_not: [{ key: 'name', match: { value } }] })).toBe(
        HOSTILE.length,
      );
      const hits = await store.search('hostile', 'text', [1, 0], 10, {
        filter: { must: [{ key: 'name', in: [value, 'nope'] }] },
      });
      expect(hits.map((h) => h.id)).toEqual([`h${i}`]);
    },
  );

  it('keeps the table intact after hostile filters', async () => {
    expect(await store.count('hostile')).toBe(HOSTILE.length + 1);
    expect(
      await store.count('hostile', { must: [{ key: 'title', match: { value: "' OR 1=1 --" } }] }),
    ).toBe(1);
  });
});
