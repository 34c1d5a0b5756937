import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CollectionSchema } from '../../src/domain/collection.js';
import {
  backgroundRemovalsSettled,
  CollectionAnn,
  type AnnRow,
} from '../../src/stores/ann/collection-ann.js';
import { KeyMap } from '../../src/stores/ann/key-map.js';
import { HNSW_PARAMS } from '../../src/stores/ann/vector-index.js';
import { rng, unitVector } from './builders.js';

/**
 * An idle save writes the key map's changes since its last full write (a delta beside the base file) instead of
 * every id again: at 1M ids the full file was ~0.3 s of stringify and write on the event loop per save.
 */
const DIM = 8;
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const schema = CollectionSchema.parse({
  name: 'c',
  vectors: { text: { modality: 'text', dim: DIM } },
});

function rows(ids: string[], seed: number): AnnRow[] {
  const rand = rng(seed);
  return ids.map((id) => ({ id, vectors: { text: unitVector(DIM, rand) } }));
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from }, (_, i) => `item-${from + i}`);

interface SavedManifest {
  format: number;
  keys: string;
  keysDelta?: string;
}
const manifestOf = (dir: string) =>
  JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as SavedManifest;

function tempDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-keys-'));
  dirs.push(dir);
  return dir;
}

/** Saves, reloads and checks the reloaded key map is the saved one, key for key. */
function saveAndReload(ann: CollectionAnn, dir: string, version: number): CollectionAnn {
  ann.save(dir, 'if-big');
  const loaded = CollectionAnn.load(dir, schema, HNSW_PARAMS, version);
  expect(loaded).toBeDefined();
  expect(loaded!.keys.toJSON()).toEqual(ann.keys.toJSON());
  expect(loaded!.keys.size).toBe(ann.keys.size);
  return loaded!;
}

describe('ANN key map saved as base + delta', () => {
  it('idle saves write only the changes, cumulative against one untouched base, and reload to the same map', async () => {
    const dir = tempDir();
    let version = 1;
    const ann = CollectionAnn.empty(schema, HNSW_PARAMS, version, dir);
    ann.upserted(rows(range(0, 1_000), 1), version);
    ann.save(dir);
    const first = manifestOf(dir);
    expect(first.format).toBe(2);
    expect(first.keysDelta).toBeUndefined();
    const base = path.join(dir, first.keys);
    const baseStat = statSync(base);

    // New items, updates of base items (their base keys die) and deletes.
    ann.upserted(rows([...range(1_000, 1_050), ...range(0, 30)], 2), ++version);
    ann.deleted(range(100, 120), ++version);
    saveAndReload(ann, dir, version);
    const second = manifestOf(dir);
    expect(second.format).toBe(3);
    expect(second.keys).toBe(first.keys);
    const delta1 = path.join(dir, second.keysDelta!);
    const d1 = JSON.parse(readFileSync(delta1, 'utf8')) as { appended: unknown[]; died: number[] };
    expect(d1.appended).toHaveLength(80);
    expect(d1.died).toHaveLength(50);
    expect(statSync(delta1).size).toBeLessThan(baseStat.size / 5);

    // A second idle save: a new cumulative delta, the first one removed, the base never rewritten.
    ann.upserted(rows(range(1_000, 1_010), 3), ++version); // keys handed out since the base die too
    ann.deleted(['item-500'], ++version);
    const reloaded = saveAndReload(ann, dir, version);
    const third = manifestOf(dir);
    expect(third.keys).toBe(first.keys);
    expect(third.keysDelta).not.toBe(second.keysDelta);
    await backgroundRemovalsSettled(); // idle saves unlink off the event loop
    expect(existsSync(delta1)).toBe(false);
    expect(statSync(base).mtimeMs).toBe(baseStat.mtimeMs);
    expect(statSync(base).ino).toBe(baseStat.ino);
    expect(reloaded.keys.keyOf('item-500')).toBeUndefined();
    expect(reloaded.keys.keyOf('item-105')).toBeUndefined();
    expect(reloaded.keys.idOf(reloaded.keys.keyOf('item-1005')!)).toBe('item-1005');
    // Searches on the reloaded index see the live items under their newest keys.
    const probe = rows(['item-1000'], 3)[0]!.vectors.text!; // item-1000's newest vector
    expect(reloaded.search('text', probe, 1)[0]?.id).toBe('item-1000');

    // The reloaded index keeps the same base: its own next save is again a delta, and again consistent.
    reloaded.upserted(rows(range(2_000, 2_005), 4), ++version);
    reloaded.deleted(['item-1'], ++version);
    saveAndReload(reloaded, dir, version);
    expect(manifestOf(dir).keys).toBe(first.keys);
    expect(manifestOf(dir).format).toBe(3);
  });

  it('writes the whole map again once the changes pass a quarter of it, and removes the old base and delta', async () => {
    const dir = tempDir();
    let version = 1;
    const ann = CollectionAnn.empty(schema, HNSW_PARAMS, version, dir);
    ann.upserted(rows(range(0, 400), 1), version);
    ann.save(dir);
    const base = manifestOf(dir).keys;
    ann.upserted(rows(range(400, 450), 2), ++version);
    ann.save(dir, 'if-big');
    const delta = manifestOf(dir).keysDelta!;
    expect(delta).toBeDefined();
    ann.upserted(rows(range(0, 200), 3), ++version); // 250 changes against 650 keys
    saveAndReload(ann, dir, version);
    const m = manifestOf(dir);
    expect(m.format).toBe(2);
    expect(m.keysDelta).toBeUndefined();
    expect(m.keys).not.toBe(base);
    await backgroundRemovalsSettled();
    expect(existsSync(path.join(dir, base))).toBe(false);
    expect(existsSync(path.join(dir, delta))).toBe(false);
  });

  it('a missing base or a delta that does not fit it is not read as a key map: the index is rebuilt instead', () => {
    const dir = tempDir();
    const ann = CollectionAnn.empty(schema, HNSW_PARAMS, 1, dir);
    ann.upserted(rows(range(0, 300), 1), 1);
    ann.save(dir);
    ann.upserted(rows(range(300, 310), 2), 2);
    ann.save(dir, 'if-big');
    const m = manifestOf(dir);
    const deltaFile = path.join(dir, m.keysDelta!);
    const delta = JSON.parse(readFileSync(deltaFile, 'utf8')) as { baseLength: number };
    writeFileSync(deltaFile, JSON.stringify({ ...delta, baseLength: delta.baseLength - 1 }));
    expect(CollectionAnn.load(dir, schema, HNSW_PARAMS, 2)).toBeUndefined();
    writeFileSync(deltaFile, JSON.stringify({ ...delta, died: [delta.baseLength] }));
    expect(CollectionAnn.load(dir, schema, HNSW_PARAMS, 2)).toBeUndefined();
    writeFileSync(deltaFile, JSON.stringify(delta));
    expect(CollectionAnn.load(dir, schema, HNSW_PARAMS, 2)).toBeDefined();
    rmSync(path.join(dir, m.keys));
    expect(CollectionAnn.load(dir, schema, HNSW_PARAMS, 2)).toBeUndefined();
  });

  it('KeyMap: a delta taken after markBase rebuilds the same map on its base', () => {
    const keys = new KeyMap();
    for (let i = 0; i < 20; i++) keys.assign(`k${i}`);
    const base = keys.toJSON();
    keys.markBase();
    keys.assign('k3'); // k3's base key dies
    keys.remove('k7');
    keys.assign('new');
    keys.remove('new'); // handed out and dead since the base
    expect(keys.changesSinceBase).toBe(4);
    const back = KeyMap.fromJSON(base, JSON.parse(JSON.stringify(keys.delta())));
    expect(back.toJSON()).toEqual(keys.toJSON());
    expect(back.size).toBe(keys.size);
    expect(back.keyOf('k3')).toBe(keys.keyOf('k3'));
    expect(() => KeyMap.fromJSON(base.slice(1), keys.delta())).toThrow(/does not fit/);
  });
});
