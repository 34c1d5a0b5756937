import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LanceDbStore } from '../../src/stores/lancedb-store.js';
import { runChorus, type CliResult } from '../support/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-cli-coll-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The real CLI (the built dist, see test/support/cli.ts) against this file's data dir. */
async function chorus(...args: string[]): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, CHORUS_DATA_DIR: dir, CHORUS_STORE: 'lancedb' };
  delete env.QDRANT_URL;
  return runChorus(args, { env });
}

describe('chorus collection', () => {
  it('creates from flags and from a schema file, lists as JSON, refuses bad input with exit 2, drops with --yes', async () => {
    const created = await chorus(
      'collection',
      'create',
      'shop',
      '--vector',
      'text:8:cosine:test/m',
      '--vector',
      'image:4:dot',
      '--index',
      'brand:keyword',
      '--json',
    );
    expect(created.code, created.stderr).toBe(0);
    expect(JSON.parse(created.stdout)).toMatchObject({
      name: 'shop',
      vectors: {
        text: { dim: 8, distance: 'cosine', modelId: 'test/m' },
        image: { modality: 'image', dim: 4, distance: 'dot' },
      },
      payloadIndexes: { brand: 'keyword' },
    });

    const schemaFile = path.join(dir, 'schema.json');
    writeFileSync(
      schemaFile,
      JSON.stringify({ vectors: { audio: { modality: 'audio', dim: 16 } } }),
    );
    expect((await chorus('collection', 'create', 'sounds', '--schema', schemaFile)).code).toBe(0);

    const bad = await Promise.all([
      chorus('collection', 'create', 'shop', '--vector', 'text:8'),
      chorus('collection', 'create', 'x', '--vector', 'text:eight'),
      chorus('collection', 'drop', 'shop'),
    ]);
    expect(bad.map((b) => b.code)).toEqual([2, 2, 2]);
    expect(bad[0]!.stderr).toMatch(/already exists/);

    const seeded = await LanceDbStore.open({ dataDir: dir });
    await seeded.upsert(
      'shop',
      [1, 2, 3].map((i) => ({
        id: `p${i}`,
        vectors: { text: Array.from({ length: 8 }, (_, k) => (k === i ? 1 : 0.1)) },
      })),
    );
    await seeded.close();
    const listed = await chorus('collection', 'list', '--json');
    expect(
      (JSON.parse(listed.stdout) as { name: string; items: number }[]).map((c) => [
        c.name,
        c.items,
      ]),
    ).toEqual([
      ['shop', 3],
      ['sounds', 0],
    ]);
    const text = await chorus('collection', 'list');
    expect(text.stdout).toMatch(/^shop\t3 items\tvectors text:8:cosine/m);

    const dropped = await chorus('collection', 'drop', 'sounds', '--yes');
    expect(dropped).toMatchObject({ code: 0, stdout: 'dropped sounds\n' });
    const store = await LanceDbStore.open({ dataDir: dir });
    expect((await store.listCollections()).map((c) => c.name)).toEqual(['shop']);
    await store.close();
  }, 900_000);
});
