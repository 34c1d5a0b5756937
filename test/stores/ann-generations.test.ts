import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CollectionSchema } from '../../src/domain/collection.js';
import {
  backgroundRemovalsSettled,
  CollectionAnn,
  type AnnRow,
} from '../../src/stores/ann/collection-ann.js';
import { HNSW_PARAMS } from '../../src/stores/ann/vector-index.js';
import { near, rng, unitVector } from './builders.js';

/**
 * Saved generations never reuse a file name: a rebuilt index (which starts counting again) must not rewrite in
 * place a graph file that a reader of the older generation still has memory-mapped.
 */
const DIM = 16;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const schema = CollectionSchema.parse({
  name: 'c',
  vectors: { text: { modality: 'text', dim: DIM } },
});

function rows(n: number, seed: number): AnnRow[] {
  const rand = rng(seed);
  return Array.from({ length: n }, (_, i) => ({
    id: `r${seed}-${i}`,
    vectors: { text: unitVector(DIM, rand) },
  }));
}

function built(dir: string, data: AnnRow[], tableVersion: number): CollectionAnn {
  const ann = CollectionAnn.empty(schema, HNSW_PARAMS, tableVersion, dir);
  ann.upserted(data, tableVersion);
  ann.drain();
  return ann;
}

const graphFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.usearch'));

describe('ANN index generations', () => {
  it('an idle save removes the files no manifest names off the event loop; a flush save removes them at once', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-gen-'));
    dirs.push(dir);
    const data = rows(400, 3);
    const ann = built(dir, data, 1);
    ann.save(dir);
    const firstGraph = graphFiles(dir);
    expect(firstGraph).toHaveLength(1);
    ann.upserted(rows(300, 4), 2);
    ann.drain();
    ann.save(dir, 'changed');
    expect(graphFiles(dir)).toHaveLength(1); // the flush-style save unlinked the old graph before returning
    const secondGraph = graphFiles(dir)[0]!;
    expect(secondGraph).not.toBe(firstGraph[0]);

    ann.upserted(rows(9_000, 5), 3); // past GRAPH_SAVE_ROWS: the idle save writes the graph again
    ann.drain();
    ann.save(dir, 'if-big');
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
      vectors: { text: { file: string } };
    };
    expect(manifest.vectors.text.file).not.toBe(secondGraph);
    // Nothing was unlinked synchronously: the old graph is still there when save returns...
    expect(graphFiles(dir)).toContain(secondGraph);
    // ...and a reader opening now gets the new generation all the same.
    const reader = CollectionAnn.load(dir, schema, HNSW_PARAMS, 3)!;
    expect(reader.search('text', data[7]!.vectors.text!, 1)[0]?.id).toBe(data[7]!.id);
    await backgroundRemovalsSettled();
    expect(graphFiles(dir)).toEqual([manifest.vectors.text.file]);
  });

  it('a rebuilt index saves under file names no earlier generation used, leaving a mapped older graph intact', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-gen-'));
    dirs.push(dir);
    const first = rows(400, 1);
    built(dir, first, 1).save(dir);
    built(dir, first, 1).save(dir); // a second save of another index: generation 2
    const oldFiles = graphFiles(dir);
    expect(oldFiles).toHaveLength(1);
    const oldFile = path.join(dir, oldFiles[0]!);
    const oldInode = statSync(oldFile).ino;

    // A reader maps the saved generation (as another process or the search workers do).
    const reader = CollectionAnn.load(dir, schema, HNSW_PARAMS, 1)!;
    expect(reader).toBeDefined();
    const rand = rng(9);
    const queries = Array.from({ length: 10 }, (_, i) => near(first[i * 37]!.vectors.text!, rand));
    const before = queries.map((q) => reader.search('text', q, 5).map((h) => h.id));
    expect(before.map((ids) => ids[0])).toEqual(
      Array.from({ length: 10 }, (_, i) => first[i * 37]!.id),
    );

    // A rebuild (its generation counter starts again) saves other contents into the same directory.
    const rebuilt = built(dir, rows(400, 2), 2);
    rebuilt.save(dir);
    const m = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
      generation: number;
      vectors: { text: { file: string } };
    };
    expect(m.generation).toBe(3);
    expect(oldFiles).not.toContain(m.vectors.text.file);
    expect(statSync(path.join(dir, m.vectors.text.file)).ino).not.toBe(oldInode);
    // The reader's mapping still holds the old generation's graph.
    expect(queries.map((q) => reader.search('text', q, 5).map((h) => h.id))).toEqual(before);
  });

  it("each generation's graph file is a new file in the same slot, so search workers free the older one", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-gen-'));
    dirs.push(dir);
    const ann = built(dir, rows(400, 6), 1);
    ann.save(dir);
    const first = ann.vectors.get('text')!.sharedGraph()!;
    ann.upserted(rows(300, 7), 2);
    ann.drain();
    ann.save(dir, 'changed');
    const second = ann.vectors.get('text')!.sharedGraph()!;
    expect(second.file).not.toBe(first.file);
    expect(second.slot).toBe(first.slot);
    expect(second.slot).toBe(path.join(dir, 'v0'));
  });

  it('a save before any row was absorbed (all rows pending) reopens without a rebuild', () => {
    // The exact-rows file is created by its first absorbed row; the manifest named it before it existed, so the
    // reopen failed and the index was rebuilt from the table.
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-gen-'));
    dirs.push(dir);
    const data = rows(300, 3);
    const ann = CollectionAnn.empty(schema, HNSW_PARAMS, 1, dir);
    ann.upserted(data, 1);
    ann.save(dir);
    const loaded = CollectionAnn.load(dir, schema, HNSW_PARAMS, 1);
    expect(loaded).toBeDefined();
    expect(loaded!.search('text', data[42]!.vectors.text!, 1)[0]?.id).toBe(data[42]!.id);
  });
});
