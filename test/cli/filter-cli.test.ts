import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDataDir, runChorus } from '../support/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-filter-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--filter on the command line', () => {
  it('narrows search, recommendations and facet counts; a bad filter is exit 2', async () => {
    const dataDir = path.join(dir, 'data');
    const chorus = await openDataDir(dataDir);
    try {
      await chorus.engine.createCollection({
        name: 'shop',
        vectors: { text: { modality: 'text', dim: 4 } },
        payloadIndexes: { kind: 'keyword', price: 'float' },
      });
      await chorus.engine.upsertItems(
        'shop',
        (
          [
            ['desk lamp', 'lamp', 30],
            ['floor lamp', 'lamp', 90],
            ['lamp table', 'table', 120],
          ] as const
        ).map(([title, kind, price], i) => ({
          id: `i${i}`,
          payload: { title, kind, price },
          vectors: { text: [1, i, 0, 0] },
        })),
      );
    } finally {
      await chorus.close();
    }
    const env = { ...process.env, CHORUS_DATA_DIR: dataDir, CHORUS_STORE: 'lancedb' };
    const ids = async (...args: string[]) => {
      const r = await runChorus([...args, '--json'], { env });
      expect(r.code, r.stderr).toBe(0);
      return (JSON.parse(r.stdout).hits as { id: string }[]).map((h) => h.id).sort();
    };
    expect(await ids('search', 'lamp', '--collection', 'shop')).toEqual(['i0', 'i1', 'i2']);
    expect(
      await ids('search', 'lamp', '--collection', 'shop', '--filter', 'kind=lamp, price<50'),
    ).toEqual(['i0']);
    expect(
      await ids(
        'search',
        'lamp',
        '--collection',
        'shop',
        '--filter',
        '{"must_not":[{"key":"kind","match":{"value":"lamp"}}]}',
      ),
    ).toEqual(['i2']);
    expect(
      await ids('recommend', '--collection', 'shop', '--item', 'i0', '--filter', 'price>=100'),
    ).toEqual(['i2']);
    const facets = await runChorus(
      ['collection', 'facets', 'shop', '--field', 'kind', '--filter', 'price>=50', '--json'],
      { env },
    );
    expect(facets.code, facets.stderr).toBe(0);
    expect(JSON.parse(facets.stdout).facets.kind).toEqual([
      { value: 'lamp', count: 1 },
      { value: 'table', count: 1 },
    ]);
    // Ticked facet values: hits have one of them; the ticked field's own facet still shows the other values.
    const ticked = await runChorus(
      [
        'search',
        'lamp',
        '--collection',
        'shop',
        '--facet',
        'kind',
        '--facet-filter',
        'kind=table',
        '--json',
      ],
      { env },
    );
    expect(ticked.code, ticked.stderr).toBe(0);
    const tickedJson = JSON.parse(ticked.stdout) as { hits: { id: string }[]; facets: unknown };
    expect(tickedJson.hits.map((h) => h.id)).toEqual(['i2']);
    expect(tickedJson.facets).toEqual({
      kind: [
        { value: 'lamp', count: 2 },
        { value: 'table', count: 1 },
      ],
    });
    const catalogue = await runChorus(
      [
        'collection',
        'facets',
        'shop',
        '--field',
        'kind',
        '--facet-filter',
        'price=30',
        '--facet-filter',
        'price=120',
      ],
      { env },
    );
    expect(catalogue.code, catalogue.stderr).toBe(0);
    expect(catalogue.stdout).toBe(
      'kind\n  lamp\t1\n  table\t1\ncounted 3 items, 2 with every facet filter\n',
    );
    const badTick = await runChorus(
      ['search', 'lamp', '--collection', 'shop', '--facet-filter', 'kind'],
      { env },
    );
    expect(badTick.code).toBe(2);
    expect(badTick.stderr).toMatch(/--facet-filter cannot read "kind"/);
    const bad = await runChorus(['search', 'lamp', '--collection', 'shop', '--filter', 'kind'], {
      env,
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/cannot read "kind"/);

    // Catalogue upkeep from the command line.
    const run = (...args: string[]) => runChorus(args, { env });
    const patched = await run(
      'items',
      'patch',
      'i0',
      '--collection',
      'shop',
      '--set',
      'price=25',
      '--set',
      'tags=["new"]',
      '--unset',
      'kind',
      '--json',
    );
    expect(patched.code, patched.stderr).toBe(0);
    expect(JSON.parse(patched.stdout).payload).toEqual({
      title: 'desk lamp',
      price: 25,
      tags: ['new'],
    });
    expect(
      (await run('items', 'patch', 'i0', '--collection', 'shop', '--set', '_source=x')).code,
    ).toBe(2);
    const unconfirmed = await run(
      'items',
      'delete',
      '--collection',
      'shop',
      '--filter',
      'price>=100',
    );
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/needs --yes/);
    const byFilter = await run(
      'items',
      'delete',
      '--collection',
      'shop',
      '--filter',
      'price>=100',
      '--yes',
    );
    expect(byFilter.code, byFilter.stderr).toBe(0);
    expect(byFilter.stdout).toBe('deleted 1 item(s) from shop (the filter selected 1)\n');
    const byId = await run('items', 'delete', '--collection', 'shop', '--id', 'i1', '--id', 'i1');
    expect(byId.stdout).toBe('deleted 1 item(s) from shop\n');
    expect(await ids('search', 'lamp', '--collection', 'shop')).toEqual(['i0']);
  });
});
