import type { Payload } from '../../domain/item.js';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { CollectionSchema } from '../../domain/collection.js';
import type { PayloadPredicate, RequiredTerm } from '../../domain/filter-predicate.js';
import { KeyMap } from './key-map.js';
import { PayloadPostings } from './payload-postings.js';
import { RowStore, rowFileInUse } from './row-store.js';
import type { SearchPool } from './search-pool.js';
import {
  VectorIndex,
  type HnswParams,
  type KeyHit,
  type SavedVectorState,
} from './vector-index.js';

const FORMAT = 2;
/** A manifest whose key map is a base file plus a delta (`keysDelta`); older readers rebuild instead of misreading. */
const FORMAT_KEYS_DELTA = 3;
/** An idle save writes only the key map's changes while they are at most this share of its keys. */
const KEYS_DELTA_MAX_SHARE = 0.25;
/** An idle save writes a changed graph once this many rows (or removals) are not in its file, or after GRAPH_AGE_MS. */
const GRAPH_SAVE_ROWS = 8_192;
const GRAPH_AGE_MS = 5 * 60_000;
const MANIFEST = 'manifest.json';

interface Manifest {
  format: number;
  /** The LanceDB table version whose rows the saved graphs and key map hold exactly. */
  tableVersion: number;
  generation: number;
  params: HnswParams;
  keys: string;
  /** What changed in the key map since `keys` was written (format 3). */
  keysDelta?: string;
  vectors: Record<string, SavedVectorState & { dim: number; distance: string }>;
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
  private graphSavedAt = Date.now();
  /** The full key-map file the next save may write a delta against (this index wrote or loaded it). */
  private keysBase?: string;
  /** Keyword, bool and geo-cell payload values -> keys, for the exact filter plan (see matching). */
  private readonly postings = new PayloadPostings();

  private constructor(
    readonly keys: KeyMap,
    readonly vectors: Map<string, VectorIndex>,
    /** The table version these contents reflect (pending rows included). */
    public tableVersion: number,
    private generation: number,
    private readonly params: HnswParams,
  ) {}

  /**
   * A new, empty index. `dir` is where a reduced-precision graph's exact rows go (a new file per index, written as
   * rows are absorbed); without it they stay in memory and the index cannot be saved.
   */
  static empty(
    schema: CollectionSchema,
    params: HnswParams,
    tableVersion: number,
    dir?: string,
  ): CollectionAnn {
    const vectors = new Map<string, VectorIndex>();
    Object.entries(schema.vectors).forEach(([name, spec], i) => {
      const fork = dir ? rowFileNames(dir, i) : undefined;
      vectors.set(
        name,
        new VectorIndex(
          spec.dim,
          spec.distance,
          params,
          fork && { rows: RowStore.create(fork(), spec.dim), fork },
        ),
      );
    });
    return new CollectionAnn(new KeyMap(), vectors, tableVersion, 0, params);
  }

  /**
   * Opens the saved generation in `dir` when it exists, matches the schema and settings (a saved index built with
   * other HNSW params or precision is rebuilt), and reflects exactly `tableVersion`; otherwise undefined (the caller
   * rebuilds from the table). Graphs are memory-mapped, exact rows read from their file as needed.
   */
  static load(
    dir: string,
    schema: CollectionSchema,
    params: HnswParams,
    tableVersion: number,
    mapped: { copyMaxBytes?: number } = {},
  ): CollectionAnn | undefined {
    const file = path.join(dir, MANIFEST);
    if (!existsSync(file)) return undefined;
    try {
      const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
      if (m.format !== FORMAT && m.format !== FORMAT_KEYS_DELTA) return undefined;
      if (m.tableVersion !== tableVersion) return undefined;
      if (!sameBuild(m.params, params)) return undefined;
      const names = Object.keys(schema.vectors);
      if (names.length !== Object.keys(m.vectors).length) return undefined;
      const vectors = new Map<string, VectorIndex>();
      for (const [i, name] of names.entries()) {
        const spec = schema.vectors[name]!;
        const saved = m.vectors[name];
        if (!saved || saved.dim !== spec.dim || saved.distance !== spec.distance) return undefined;
        const rows = saved.rowsFile
          ? readFileSync(path.join(dir, path.basename(saved.rowsFile)))
          : undefined;
        vectors.set(
          name,
          VectorIndex.view(
            path.join(dir, path.basename(saved.file)),
            spec.dim,
            spec.distance,
            params,
            {
              keys: saved.rowKeys,
              // A copy: the file buffer's offset need not be 4-byte aligned.
              rows: rows
                ? new Float32Array(
                    rows.buffer.slice(rows.byteOffset, rows.byteOffset + rows.byteLength),
                  )
                : new Float32Array(0),
              dead: saved.dead,
            },
            saved.exactRows
              ? {
                  rows: RowStore.open(path.join(dir, path.basename(saved.exactRows)), spec.dim),
                  fork: rowFileNames(dir, i),
                }
              : undefined,
            mapped.copyMaxBytes,
          ),
        );
      }
      const readJson = (name: string): unknown =>
        JSON.parse(readFileSync(path.join(dir, path.basename(name)), 'utf8'));
      const delta = m.format === FORMAT_KEYS_DELTA ? m.keysDelta : undefined;
      if (m.format === FORMAT_KEYS_DELTA && typeof delta !== 'string') return undefined;
      const keys = KeyMap.fromJSON(
        readJson(m.keys),
        delta === undefined ? undefined : readJson(delta),
      );
      if (delta === undefined) keys.markBase();
      const ann = new CollectionAnn(keys, vectors, m.tableVersion, m.generation, params);
      ann.keysBase = path.basename(m.keys);
      return ann;
    } catch {
      return undefined; // unreadable or torn: rebuilt from the table, which is the source of truth
    }
  }

  /** This index was replaced by another: its files may go once no saved manifest names them. */
  retire(): void {
    for (const index of this.vectors.values()) index.release();
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

  /**
   * The live keys whose payloads pass `accept`, ascending, tested in memory (remembered by key, else `cached`, and
   * remembered from then on: `keys.payloadOf` has each match's); undefined when some live payload is not in memory
   * or more than `max` pass, or when `scan` is false and no payload postings answer. A filter requiring keyword,
   * bool or geo values reads the keys holding them (a point: its grid cell) from the payload postings instead of
   * testing every payload.
   */
  matching(
    accept: PayloadPredicate,
    cached: (id: string) => Payload | undefined,
    max: number,
    scan = true,
  ): number[] | undefined {
    const payloadAt = (key: number) => this.payloadAt(key, cached);
    const term = this.indexedTerm(accept.required, payloadAt);
    if (!term) return scan ? this.matchingScan(accept, payloadAt, max) : undefined;
    const matched: number[] = [];
    for (const key of this.postings.candidates(term, this.keys)) {
      // Indexed keys had their payloads remembered, and keep them while live.
      if (!accept(this.keys.payloadOf(key)!)) continue;
      if (matched.length === max) return undefined;
      matched.push(key);
    }
    return matched;
  }

  private matchingScan(
    accept: PayloadPredicate,
    payloadAt: (key: number) => Payload | undefined,
    max: number,
  ): number[] | undefined {
    const keys = this.keys;
    const matched: number[] = [];
    for (let key = 0; key < keys.capacity; key++) {
      if (!keys.isLive(key)) continue;
      const payload = payloadAt(key);
      if (payload === undefined) return undefined;
      if (!accept(payload)) continue;
      if (matched.length === max) return undefined;
      matched.push(key);
    }
    return matched;
  }

  /** A live key's payload: remembered by key, else from `cached` and remembered from now on. */
  private payloadAt(key: number, cached: (id: string) => Payload | undefined): Payload | undefined {
    let payload = this.keys.payloadOf(key);
    if (payload === undefined) {
      payload = cached(this.keys.idOf(key)!);
      // As a search's hits are: by key from now on (the callers hold the whole collection's payloads).
      if (payload !== undefined) this.keys.rememberPayload(key, payload);
    }
    return payload;
  }

  /**
   * The required term whose postings read the fewest keys, its postings brought up to date with the keys written
   * since; undefined when the filter requires none or some payload is not in memory.
   */
  private indexedTerm(
    required: readonly RequiredTerm[],
    payloadAt: (key: number) => Payload | undefined,
  ): RequiredTerm | undefined {
    let best: RequiredTerm | undefined;
    let bestSize = Infinity;
    for (const term of required) {
      if (!this.postings.start(term)) continue;
      if (!this.postings.extend(term, this.keys, payloadAt)) return undefined;
      const size = this.postings.size(term);
      if (size < bestSize) [best, bestSize] = [term, size];
    }
    return best;
  }

  /**
   * The k nearest of the given live keys by one named vector's exact rows (see VectorIndex.exactAmong); undefined
   * when the rows are not all in memory.
   */
  exactAmong(
    name: string,
    query: Float32Array,
    keys: readonly number[],
    k: number,
  ): IdHit[] | undefined {
    const index = this.vectors.get(name);
    if (!index) return [];
    return index.exactAmong(query, keys, k)?.map((h) => ({ ...h, id: this.keys.idOf(h.key)! }));
  }

  /** The same search with graph parts run on `pool`'s threads where a graph equals its saved file. */
  async searchAsync(
    name: string,
    query: Float32Array,
    k: number,
    pool: SearchPool | undefined,
  ): Promise<IdHit[]> {
    const index = this.vectors.get(name);
    if (!index) return [];
    if (!pool) return this.search(name, query, k);
    const hits = await index.searchShared(query, k, (key) => this.keys.isLive(key), pool);
    const out: IdHit[] = [];
    for (const hit of hits) {
      const id = this.keys.idOf(hit.key);
      if (id !== undefined) out.push({ key: hit.key, distance: hit.distance, id });
    }
    return out;
  }

  /** Whether every saved graph file can be opened again (see graphMapSafe); false calls for a compaction. */
  get mapSafe(): boolean {
    for (const index of this.vectors.values()) if (!index.savedMapSafe) return false;
    return true;
  }

  get hasWork(): boolean {
    for (const index of this.vectors.values()) if (index.hasWork) return true;
    return false;
  }

  /** Whether a flush has a mapped graph's delta graph or deferred removals to fold in (see VectorIndex). */
  get needsFold(): boolean {
    for (const index of this.vectors.values()) if (index.needsFold) return true;
    return false;
  }

  /** Whether the background absorber has work (see VectorIndex.hasBackgroundWork). */
  get hasBackgroundWork(): boolean {
    for (const index of this.vectors.values()) if (index.hasBackgroundWork) return true;
    return false;
  }

  /** Absorbs up to `max` pending rows of one vector; true while background work remains. */
  absorbStep(max: number): boolean {
    const live = (key: number) => this.keys.isLive(key);
    for (const index of this.vectors.values()) {
      if (index.hasBackgroundWork) {
        index.absorb(max, live);
        break;
      }
    }
    return this.hasBackgroundWork;
  }

  /**
   * Absorbs everything now (explicit flush, benchmarks); false when the budget ran out first. Large backlogs go in
   * with `threads` (blocking the event loop for their duration: not for the request path).
   */
  drain(budgetMs = Infinity, threads = 1): boolean {
    const t0 = performance.now();
    const live = (key: number) => this.keys.isLive(key);
    for (const index of this.vectors.values()) {
      // With every core (a flush), a memory-mapped graph's delta and deferred removals are folded in too.
      while (index.hasWork || (threads > 1 && index.needsFold)) {
        if (performance.now() - t0 >= budgetMs) return false;
        index.absorb(budgetMs === Infinity ? 65_536 : 1024, live, threads, true);
      }
    }
    return true;
  }

  /**
   * Saves a new generation (rows not yet absorbed included: nothing waits for the graphs), then the manifest by
   * atomic rename, and removes the files no manifest refers to any more. `graphs: 'changed'` writes every graph
   * that changed since its file; `'if-big'` (idle saves) only those with many unsaved rows or an old file, so a
   * trickle of writes does not rewrite big graphs each time (the rows go beside the old file instead).
   * Idle saves remove the unreferenced files in the background (`removals`; see removeInBackground).
   */
  save(dir: string, graphs: 'changed' | 'if-big' = 'changed'): void {
    mkdirSync(dir, { recursive: true });
    // Past every generation on disk, not just this index's: a rebuilt index starts at 0, and reusing an older
    // generation's file name would rewrite in place a graph file another reader may still have mapped.
    const gen = Math.max(this.generation, highestGeneration(dir)) + 1;
    const manifest: Manifest = {
      format: FORMAT,
      tableVersion: this.tableVersion,
      generation: gen,
      params: this.params,
      keys: `keys-${gen}.json`,
      vectors: {},
    };
    const live = (key: number) => this.keys.isLive(key);
    const old = Date.now() - this.graphSavedAt > GRAPH_AGE_MS;
    let wroteGraph = false;
    [...this.vectors].forEach(([name, index], i) => {
      const write = graphs === 'changed' || old || index.unsavedGraphRows >= GRAPH_SAVE_ROWS;
      const before = index.unsavedGraphRows;
      const state = index.persist(dir, `v${i}-${gen}`, live, write);
      if (before > 0 && index.unsavedGraphRows === 0) wroteGraph = true;
      manifest.vectors[name] = { ...state, dim: index.dim, distance: index.distance };
    });
    if (wroteGraph) this.graphSavedAt = Date.now();
    const fullKeys = !this.writeKeysDelta(dir, manifest);
    if (fullKeys) writeFileSync(path.join(dir, manifest.keys), JSON.stringify(this.keys.toJSON()));
    const tmp = path.join(dir, `${MANIFEST}.tmp`);
    writeFileSync(tmp, JSON.stringify(manifest));
    renameSync(tmp, path.join(dir, MANIFEST));
    if (fullKeys) {
      this.keys.markBase();
      this.keysBase = manifest.keys;
    }
    this.generation = gen;
    this.dirty = false;
    const keep = new Set<string>([MANIFEST, manifest.keys]);
    if (manifest.keysDelta) keep.add(manifest.keysDelta);
    for (const v of Object.values(manifest.vectors)) {
      keep.add(v.file);
      if (v.rowsFile) keep.add(v.rowsFile);
      if (v.exactRows) keep.add(v.exactRows);
    }
    const unreferenced = readdirSync(dir)
      .filter((f) => /\.(usearch|json|rows|f32)$/.test(f) && !keep.has(f))
      .map((f) => path.join(dir, f))
      .filter((f) => !rowFileInUse(f));
    if (graphs === 'if-big') removeInBackground(unreferenced);
    else for (const f of unreferenced) rmSync(f, { force: true });
  }

  /**
   * Writes the key map's changes since its base file (and points the manifest at both) when they are few and the
   * base is still on disk; returns false when the whole map must be written instead. A flush ('changed' saves)
   * takes the delta too: its cost is the graphs, and the base is rewritten once the delta outgrows its share.
   */
  private writeKeysDelta(dir: string, manifest: Manifest): boolean {
    const base = this.keysBase;
    if (base === undefined || !existsSync(path.join(dir, base))) return false;
    if (this.keys.changesSinceBase > KEYS_DELTA_MAX_SHARE * this.keys.capacity) return false;
    manifest.format = FORMAT_KEYS_DELTA;
    manifest.keys = base;
    manifest.keysDelta = `keys-${manifest.generation}-delta.json`;
    writeFileSync(path.join(dir, manifest.keysDelta), JSON.stringify(this.keys.delta()));
    return true;
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

/**
 * Whether a graph saved under `saved` params is the graph `params` would build: the build settings and precision.
 * The search beam (expansionSearch) is read at search time only, so changing it never rebuilds a saved index.
 */
function sameBuild(saved: Partial<HnswParams> | undefined, params: HnswParams): boolean {
  return (
    saved?.connectivity === params.connectivity &&
    saved.expansionAdd === params.expansionAdd &&
    (saved.quantization ?? 'f32') === (params.quantization ?? 'f32')
  );
}

/** The highest generation any file in `dir` was saved under (0 when none). */
function highestGeneration(dir: string): number {
  let top = 0;
  for (const f of readdirSync(dir)) {
    const m = /^(?:v\d+|keys)-(\d+)\.(?:usearch|json|rows)$/.exec(f);
    if (m) top = Math.max(top, Number(m[1]));
  }
  try {
    const m = JSON.parse(readFileSync(path.join(dir, MANIFEST), 'utf8')) as Partial<Manifest>;
    if (typeof m.generation === 'number' && Number.isFinite(m.generation))
      top = Math.max(top, m.generation);
  } catch {
    // no manifest (or a torn one): the file names alone
  }
  return top;
}

/** Fresh exact-row file names for the vector at `index` (random: several indexes may share the directory). */
function rowFileNames(dir: string, index: number): () => string {
  return () => path.join(dir, `v${index}-${randomBytes(6).toString('hex')}.f32`);
}

const removing = new Set<Promise<void>>();

/**
 * Unlinks files off the event loop (libuv's pool). Freeing an old exact-rows file of hundreds of MB took tens of ms
 * of an idle save's block, and every request waited behind it. Safe because file names are generation-unique: no
 * later manifest names a file once a save found it unreferenced, and a later save that sees it still there removes
 * it again (force).
 */
function removeInBackground(files: readonly string[]): void {
  for (const f of files) {
    const p: Promise<void> = rm(f, { force: true })
      .catch(() => undefined) // the next save retries; a leftover file is never read (no manifest names it)
      .finally(() => removing.delete(p));
    removing.add(p);
  }
}

/** Settles once every background removal started so far is done (close, tests). */
export async function backgroundRemovalsSettled(): Promise<void> {
  while (removing.size > 0) await Promise.allSettled([...removing]);
}
