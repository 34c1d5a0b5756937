import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { CollectionSchema } from '../../domain/collection.js';
import { KeyMap } from './key-map.js';
import { VectorIndex, type HnswParams, type KeyHit } from './vector-index.js';

const FORMAT = 1;
const MANIFEST = 'manifest.json';

interface Manifest {
  format: number;
  /** The LanceDB table version whose rows the saved graphs and key map hold exactly. */
  tableVersion: number;
  generation: number;
  params: HnswParams;
  keys: string;
  vectors: Record<string, { file: string; dim: number; distance: string }>;
}

export interface AnnRow {
  id: string;
  vectors: Record<string, Float32Array | undefined>;
}

/** A hit before payloads are attached. */
export interface IdHit extends KeyHit {
  id: string;
}

/**
 * The in-process ANN side of one collection: the id<->key map and one VectorIndex per named vector, kept in step
 * with the table by the store's write path, saved beside the table as one generation of files behind a manifest.
 */
export class CollectionAnn {
  dirty = false;

  private constructor(
    readonly keys: KeyMap,
    readonly vectors: Map<string, VectorIndex>,
    /** The table version these contents reflect (pending rows included). */
    public tableVersion: number,
    private generation: number,
    private readonly params: HnswParams,
  ) {}

  static empty(schema: CollectionSchema, params: HnswParams, tableVersion: number): CollectionAnn {
    const vectors = new Map<string, VectorIndex>();
    for (const [name, spec] of Object.entries(schema.vectors))
      vectors.set(name, new VectorIndex(spec.dim, spec.distance, params));
    return new CollectionAnn(new KeyMap(), vectors, tableVersion, 0, params);
  }

  /**
   * Opens the saved generation in `dir` when it exists, matches the schema and settings, and reflects exactly
   * `tableVersion`; otherwise undefined (the caller rebuilds from the table). Graphs are memory-mapped.
   */
  static load(
    dir: string,
    schema: CollectionSchema,
    params: HnswParams,
    tableVersion: number,
  ): CollectionAnn | undefined {
    const file = path.join(dir, MANIFEST);
    if (!existsSync(file)) return undefined;
    try {
      const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
      if (m.format !== FORMAT || m.tableVersion !== tableVersion) return undefined;
      if (JSON.stringify(m.params) !== JSON.stringify(params)) return undefined;
      const names = Object.keys(schema.vectors);
      if (names.length !== Object.keys(m.vectors).length) return undefined;
      const vectors = new Map<string, VectorIndex>();
      for (const name of names) {
        const spec = schema.vectors[name]!;
        const saved = m.vectors[name];
        if (!saved || saved.dim !== spec.dim || saved.distance !== spec.distance) return undefined;
        vectors.set(
          name,
          VectorIndex.view(
            path.join(dir, path.basename(saved.file)),
            spec.dim,
            spec.distance,
            params,
          ),
        );
      }
      const keys = KeyMap.fromJSON(
        JSON.parse(readFileSync(path.join(dir, path.basename(m.keys)), 'utf8')),
      );
      return new CollectionAnn(keys, vectors, m.tableVersion, m.generation, params);
    } catch {
      return undefined; // unreadable or torn: rebuilt from the table, which is the source of truth
    }
  }

  /** Records written rows (already committed at `tableVersion`); searchable at once through the pending scan. */
  upserted(rows: AnnRow[], tableVersion: number): void {
    for (const row of rows) {
      const { key, previous } = this.keys.assign(row.id);
      for (const [name, index] of this.vectors) {
        if (previous !== undefined) index.remove(previous);
        const v = row.vectors[name];
        if (v) index.add(key, v);
      }
    }
    this.tableVersion = tableVersion;
    this.dirty = true;
  }

  deleted(ids: string[], tableVersion: number): void {
    for (const id of ids) {
      const key = this.keys.remove(id);
      if (key !== undefined) for (const index of this.vectors.values()) index.remove(key);
    }
    this.tableVersion = tableVersion;
    this.dirty = true;
  }

  /** The k nearest live items by one named vector. */
  search(name: string, query: Float32Array, k: number): IdHit[] {
    const index = this.vectors.get(name);
    if (!index) return [];
    const out: IdHit[] = [];
    for (const hit of index.search(query, k, (key) => this.keys.isLive(key))) {
      const id = this.keys.idOf(hit.key);
      if (id !== undefined) out.push({ ...hit, id });
    }
    return out;
  }

  get hasWork(): boolean {
    for (const index of this.vectors.values()) if (index.hasWork) return true;
    return false;
  }

  /** Absorbs up to `max` pending rows of one vector; true while work remains. */
  absorbStep(max: number): boolean {
    const live = (key: number) => this.keys.isLive(key);
    for (const index of this.vectors.values()) {
      if (index.hasWork) {
        index.absorb(max, live);
        break;
      }
    }
    return this.hasWork;
  }

  /** Absorbs everything now (close, explicit flush); false when the budget ran out first. */
  drain(budgetMs = Infinity): boolean {
    const t0 = performance.now();
    while (this.absorbStep(1024)) if (performance.now() - t0 > budgetMs) return false;
    return true;
  }

  /** Saves a new generation (graphs, key map, then the manifest by atomic rename) and removes older ones. */
  save(dir: string): void {
    this.drain();
    mkdirSync(dir, { recursive: true });
    const gen = this.generation + 1;
    const manifest: Manifest = {
      format: FORMAT,
      tableVersion: this.tableVersion,
      generation: gen,
      params: this.params,
      keys: `keys-${gen}.json`,
      vectors: {},
    };
    [...this.vectors].forEach(([name, index], i) => {
      const file = `v${i}-${gen}.usearch`;
      index.save(path.join(dir, file));
      manifest.vectors[name] = { file, dim: index.dim, distance: index.distance };
    });
    writeFileSync(path.join(dir, manifest.keys), JSON.stringify(this.keys.toJSON()));
    const tmp = path.join(dir, `${MANIFEST}.tmp`);
    writeFileSync(tmp, JSON.stringify(manifest));
    renameSync(tmp, path.join(dir, MANIFEST));
    this.generation = gen;
    this.dirty = false;
    for (const f of readdirSync(dir)) {
      const m = /-(\d+)\.(usearch|json)$/.exec(f);
      if (m && Number(m[1]) !== gen) rmSync(path.join(dir, f), { force: true });
    }
  }

  /** Counts for diagnostics. */
  info(): { vector: string; graph: number; pending: number }[] {
    return [...this.vectors].map(([vector, index]) => ({
      vector,
      graph: index.graphSize,
      pending: index.pendingSize,
    }));
  }
}
