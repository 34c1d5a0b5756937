import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import type { Table } from '@lancedb/lancedb';
import type { CollectionSchema } from '../../domain/collection.js';
import { backgroundRemovalsSettled, CollectionAnn, type AnnRow } from '../ann/collection-ann.js';
import type { HnswParams } from '../ann/vector-index.js';
import { scanIntoAnn } from './ann-scan.js';

export interface AnnSyncOptions {
  /** Where this collection's index files live (beside the table). */
  dir: string;
  params: HnswParams;
  /** Milliseconds between checks for table versions written elsewhere (another process); null never checks. */
  freshnessMs: number | null;
  /** Save this long after the last write once everything is absorbed. */
  saveIdleMs: number;
  /** At close, absorb the backlog for at most this long before saving (the rest is saved unabsorbed). */
  closeDrainMs: number;
  onError: (e: unknown) => void;
  /** Called before a rebuild caused by a write from elsewhere (caches keyed on the old contents must go). */
  onForeignChange: () => void;
  /** Payloads read by a rebuild's table scan (to fill the payload cache on the way). */
  onPayload?: (id: string, json: string) => void;
  /** A second handle on the table checked out at `version` (rebuilds scan it outside the write lock). */
  openVersion?: (version: number) => Promise<Table>;
  /** Called once a saved index was opened without reading the table (and after a rebuild that read no payloads). */
  onOpenedSaved?: () => void;
  /**
   * Compact (rebuild aside, then swap in) once the keys of replaced or deleted rows number at least this many and at
   * least as many as the live ones (default COMPACT_MIN_DEAD; see maybeCompact).
   */
  compactMinDead?: number;
  /** A mapped graph file up to this many bytes is copied on the first write (see VectorIndex.view). */
  mappedCopyMaxBytes?: number;
}

type Lock = <T>(fn: () => Promise<T>) => Promise<T>;

/** An own write recorded while a rebuild scans a snapshot (replayed onto the new index when newer than it). */
interface Replayed {
  rows?: AnnRow[];
  ids?: string[];
  version: number;
}

/**
 * Rows absorbed per native call, and the longest the absorber holds the event loop before yielding. While writes
 * arrive a call takes 2 rows: 8 rows of three 384-512-d vectors took 8-24 ms per call under a bulk load (past the
 * slice), and a search waits behind the whole call.
 */
const ABSORB_ROWS = 8;
const ABSORB_ROWS_UNDER_WRITES = 2;
const ABSORB_SLICE_MS = 8;
/**
 * While writes keep arriving (one within WRITES_ACTIVE_MS), the absorber takes at most this share of the event loop.
 * HNSW insertion costs ~1-3 ms of CPU per row and vector (bench/write-load at 512 dims), far more than the table
 * append (~0.1 ms per item): absorbing at full speed during a bulk load would cap it at a few hundred items/s.
 * The rows wait in the pending buffers meanwhile, searched exactly, and are absorbed at full speed once writes pause.
 * (A fifth of the loop absorbed ~40 items/s under a 1,300 items/s bulk load: ~10% of the loop for 3% of the rows;
 * a twentieth still keeps up with a trickle of writes.)
 */
const ABSORB_SHARE_UNDER_WRITES = 0.05;
const WRITES_ACTIVE_MS = 500;

/**
 * Every write takes a fresh key, and a dead key keeps its exact f32 row (4 bytes x dim, in memory and in the rows
 * file) and its graph node until a rebuild: memory grew with updates, not with items. Once the dead keys are at
 * least this many and at least as many as the live ones, an idle index is rebuilt aside from a snapshot of its own
 * table version (dense keys, fresh row files), absorbed there in background slices while the old index serves, and
 * swapped in with the own writes made meanwhile replayed: memory returns to the live rows' size (peak: old + new).
 * (`annCompactMinDead` sets it; Infinity turns compaction off.)
 */
const COMPACT_MIN_DEAD = 65_536;
/**
 * The own writes made during a compaction are replayed onto the new index in slices of at most REPLAY_SLICE_MS with
 * the event loop yielded between (a replayed update that drops a key from the new graph costs ~70-100 us: a burst of
 * 40k rows replayed in one step stalled the loop 4.1 s), while later writes keep queueing behind them. The swap
 * takes the write lock once the replay has caught up and finishes what arrived meanwhile in at most SWAP_REPLAY_MS;
 * when that is not enough (a write burst still going on) it lets go of the lock and catches up again, at most
 * SWAP_ATTEMPTS times and for at most REPLAY_GIVE_UP_MS in all, then gives up (the old index keeps serving; the next
 * idle save, once writes pause, tries again).
 */
const REPLAY_SLICE_MS = 8;
const SWAP_REPLAY_MS = 20;
const SWAP_ATTEMPTS = 8;
const REPLAY_GIVE_UP_MS = 30_000;
/** Rows (or deleted ids) replayed between two clock reads. */
const REPLAY_STEP_ROWS = 32;
/** close() waits this long at most for a compaction in flight to stop. */
const CLOSE_COMPACT_WAIT_MS = 5_000;

/**
 * Keeps one collection's in-process ANN index in step with its LanceDB table: opens the saved generation when it
 * reflects the current table version (else rebuilds from the table), applies every write under the collection's
 * write lock right after it commits, absorbs pending rows into the graphs in small background slices, and saves
 * when writes go idle. A crash between a table commit and a save leaves a saved version behind the table: the next
 * open rebuilds, so index and table always agree.
 */
export class AnnSync {
  private current: CollectionAnn | undefined;
  private loading: Promise<CollectionAnn> | undefined;
  private lastCheck = 0;
  private checking: Promise<void> | undefined;
  private absorbing = false;
  private saveTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** While a rebuild scans a snapshot outside the lock: our own writes since, to replay onto the new index. */
  private replay: Replayed[] | undefined;
  private lastWrite = 0;
  /**
   * Background table maintenance in flight (raised by `maintenanceStarting`, lowered once `maintenanceDone` has
   * recorded its versions). Version gaps meanwhile are not taken for another process's write at once: the versions
   * of the whole window are checked when it ends (see `foreignInWindow`).
   */
  maintaining = 0;
  /**
   * The index's table version when the current maintenance window opened, and our own commits inside it as version
   * ranges (before, after]: LanceDB may answer a commit with a version past its own when another handle (the
   * maintenance) committed right after it, so the commit's data is in one version of its range, not always `after`.
   */
  private window: { from: number; own: { before: number; after: number }[] } | undefined;
  /**
   * Own commits in flight: a commit's version is visible in the table before `upserted`/`deleted` records it, so a
   * version check meanwhile would take it for another process's write and rebuild from the table (a full scan on
   * the event loop; under a bulk load with searches this happened again and again).
   */
  private ownCommits = 0;
  /** Bumped when an own commit starts and ends: a version read that overlapped one proves nothing. */
  private ownSeq = 0;
  /**
   * A version no one here wrote was seen (around an own commit, or in a maintenance window) at or below this table
   * version: rebuild at the next check, whatever the versions. A rebuild from a snapshot at or past it clears it
   * (own commits during that rebuild still see the old index's version and raise it again for the same write).
   */
  private foreignUpTo: number | undefined;
  /** A compaction in flight (see maybeCompact), and the own writes it must replay when it swaps. */
  private compacting: Promise<void> | undefined;
  private compactReplay: Replayed[] | undefined;
  /** close() or destroy() was called: a compaction stops at its next step (and starts no more). */
  private stopping = false;

  constructor(
    private readonly table: Table,
    private readonly schema: CollectionSchema,
    private readonly lock: Lock,
    private readonly o: AnnSyncOptions,
  ) {}

  /** The index, opened or rebuilt first when needed (re-checked against writes from elsewhere in the background). */
  async ready(): Promise<CollectionAnn> {
    if (!this.current) {
      this.loading ??= this.lock(() =>
        this.current ? Promise.resolve(this.current) : this.load(),
      ).finally(() => {
        this.loading = undefined;
      });
      return this.loading;
    }
    // Off the request path: a search never waits for the version check (or the rebuild a foreign write causes);
    // it is served from the current index meanwhile. One check at a time.
    this.checking ??= this.checkFresh()
      .catch((e: unknown) => this.o.onError(e))
      .finally(() => {
        this.checking = undefined;
      });
    return this.current;
  }

  /** The version check in flight (and the rebuild it started), if any: for tests and diagnostics. */
  whenChecked(): Promise<void> {
    return this.checking ?? Promise.resolve();
  }

  /** The index if loaded (never waits: callable under the write lock). */
  get loaded(): CollectionAnn | undefined {
    return this.current;
  }

  /**
   * Under the write lock, around each own commit: `before` is the table version read just before it, `after` the
   * version it produced (undefined when it failed). A gap (a version neither ours nor maintenance's) means another
   * process wrote: our own commit's version would otherwise hide it from the next version check.
   */
  commitStarting(before: number): void {
    this.ownCommits++;
    this.ownSeq++;
    if (this.current && before !== this.current.tableVersion && this.maintaining === 0)
      this.flagForeign(before);
  }

  commitEnded(before: number, after: number | undefined): void {
    this.ownCommits--;
    this.ownSeq++;
    if (after !== undefined) this.window?.own.push({ before, after });
    if (after !== undefined && after !== before + 1 && this.maintaining === 0)
      this.flagForeign(after);
  }

  /** Under the write lock, right after the commit that produced `version`. */
  upserted(rows: AnnRow[], version: number): void {
    if (!this.current) return; // not loaded yet: the load will read these rows from the table
    this.current.upserted(rows, version);
    this.replay?.push({ rows, version });
    this.compactReplay?.push({ rows, version });
    this.lastWrite = performance.now();
    this.kick();
  }

  deleted(ids: string[], version: number): void {
    if (!this.current) return;
    this.current.deleted(ids, version);
    this.replay?.push({ ids, version });
    this.compactReplay?.push({ ids, version });
    this.lastWrite = performance.now();
    this.kick();
  }

  /** Before background table maintenance starts (its versions change no rows). */
  maintenanceStarting(): void {
    if (this.maintaining++ === 0) this.window = { from: this.current?.tableVersion ?? -1, own: [] };
  }

  /**
   * After background table maintenance: the index reflects the newest version unless a version in the window
   * changed rows without being ours (another process wrote while maintenance ran: its gap was not flagged then).
   * The window is checked even when the index's version is already the table's newest: an own commit after the
   * other process's write records its own version as the index's, which hides the foreign one below it (the CLI's
   * write beside a busy server was then never picked up). `maintaining` drops only once that is recorded, under
   * the lock.
   */
  async maintenanceDone(): Promise<void> {
    try {
      await this.lock(async () => {
        const ann = this.current;
        if (!ann) return;
        const v = await this.table.version();
        if (await this.foreignInWindow(v)) {
          this.flagForeign(v);
          this.lastCheck = 0; // the next search's check rebuilds
          return;
        }
        if (v === ann.tableVersion) return;
        ann.tableVersion = v;
        ann.dirty = true;
        this.kick();
      });
    } finally {
      if (--this.maintaining === 0) this.window = undefined;
    }
    // A compaction refused while maintenance ran (a flush or an idle save during it) has no other trigger to come.
    this.maybeCompact();
  }

  /**
   * Whether a version after the window opened, up to `to`, changed rows and is not one of our commits. Maintenance
   * (index builds, compaction) never changes the live row count and never adds fragments; an append, update or
   * delete by another process does one or the other. Each version not surely ours is compared with the one before
   * it on a checked-out handle: a few manifest reads, where listing every version's statistics read them all (~1 s
   * at 1,000 versions). An own commit answered with a version past its own holds one data change in its range.
   */
  private async foreignInWindow(to: number): Promise<boolean> {
    const w = this.window;
    if (!w || !this.o.openVersion) return false; // no second handle to check with: trust the maintenance
    if (w.from < 0) return true;
    // Per version after `from`: the own commit whose range holds it (own commits run one at a time: no overlaps).
    const ownRange = new Map<number, { before: number; after: number }>();
    for (const r of w.own)
      for (let v = Math.max(r.before, w.from) + 1; v <= Math.min(r.after, to); v++)
        ownRange.set(v, r);
    // Nothing to read when every version is an own commit's and alone in its range (the usual case).
    let anyToRead = false;
    for (let v = w.from + 1; v <= to && !anyToRead; v++) {
      const r = ownRange.get(v);
      anyToRead = !r || r.after - r.before > 1;
    }
    if (!anyToRead) return this.windowClean(w, to);
    const handle = await this.o.openVersion(w.from);
    try {
      const shapes = new Map<number, { rows: number; fragments: number }>();
      const shape = async (v: number) => {
        let s = shapes.get(v);
        if (!s) {
          await handle.checkout(v);
          const stats = await handle.stats();
          s = { rows: stats.numRows, fragments: stats.fragmentStats.numFragments };
          shapes.set(v, s);
        }
        return s;
      };
      const changed = async (v: number) => {
        const prev = await shape(v - 1);
        const cur = await shape(v);
        return cur.rows !== prev.rows || cur.fragments > prev.fragments;
      };
      // A version outside every own range must change no data (maintenance); inside one, one version may (the
      // commit's own), the others must not.
      const dataIn = new Map<{ before: number; after: number }, number>();
      for (let v = w.from + 1; v <= to; v++) {
        const r = ownRange.get(v);
        if (r && r.after - r.before === 1) continue; // the commit's own version
        if (!(await changed(v))) continue;
        if (!r) return true;
        const n = (dataIn.get(r) ?? 0) + 1;
        if (n > 1) return true;
        dataIn.set(r, n);
      }
      return this.windowClean(w, to);
    } finally {
      handle.close();
    }
  }

  /** The window up to `to` is clean: a later check in it (overlapping maintenance runs) starts past it. */
  private windowClean(w: NonNullable<typeof this.window>, to: number): false {
    w.from = to;
    w.own = w.own.filter((r) => r.after > to);
    return false;
  }

  info(): { vector: string; graph: number; pending: number }[] {
    return this.current?.info() ?? [];
  }

  /** Keys live and ever assigned in the current index (dead ones hold rows until a compaction), for diagnostics. */
  keySpace(): { live: number; assigned: number } | undefined {
    const keys = this.current?.keys;
    return keys && { live: keys.size, assigned: keys.capacity };
  }

  /** The compaction in flight, if any: for tests and diagnostics. */
  whenCompacted(): Promise<void> {
    return this.compacting ?? Promise.resolve();
  }

  /** Absorbs everything (with every core: a blocking call, for tests, benchmarks and batch jobs) and saves now. */
  async flush(): Promise<void> {
    await this.lock(async () => {
      const ann = this.current;
      // Rows restored unabsorbed from a save are work without being unsaved: absorb them and save the graphs too.
      if (!ann || this.closed || (!ann.dirty && !ann.hasWork && !ann.needsFold)) return;
      ann.drain(Infinity, availableParallelism());
      ann.save(this.o.dir);
    });
    this.maybeCompact(); // a flushed index has no idle save to come
  }

  /**
   * Absorbs for at most closeDrainMs, then saves whatever is left unabsorbed beside the graphs (the next open
   * absorbs it in the background): a close costs about the size of the graphs that changed in I/O, never a rebuild.
   */
  async close(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.saveTimer);
    await this.lock(async () => {
      const ann = this.current;
      if (!ann?.dirty || this.closed) return;
      ann.drain(this.o.closeDrainMs);
      ann.save(this.o.dir);
    });
    // An idle save's removals may still be running: a closed store leaves only what its manifest names.
    await backgroundRemovalsSettled();
    this.closed = true;
    this.current?.retire();
    // A compaction gives up at its next step; its snapshot scan should not outlive the store's connection. The
    // wait is bounded: a table read that never answers must not hold a shutdown.
    if (this.compacting) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.compacting,
        new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_COMPACT_WAIT_MS))),
      ]);
      clearTimeout(timer);
    }
  }

  /** The collection is being dropped: forget everything and remove the files. */
  destroy(): void {
    this.stopping = true;
    clearTimeout(this.saveTimer);
    this.closed = true;
    this.current = undefined;
    rmSync(this.o.dir, { recursive: true, force: true });
  }

  private async load(): Promise<CollectionAnn> {
    const version = await this.table.version();
    const saved = CollectionAnn.load(this.o.dir, this.schema, this.o.params, version, {
      copyMaxBytes: this.o.mappedCopyMaxBytes,
    });
    if (saved) {
      this.current = saved;
      this.o.onOpenedSaved?.();
      this.kick(); // rows saved unabsorbed go into the graphs in the background
      // A saved index that is mostly dead keys is compacted without waiting for a write (and its idle save).
      setTimeout(() => this.maybeCompact(), this.o.saveIdleMs).unref();
      return saved;
    }
    const fresh = CollectionAnn.empty(this.schema, this.o.params, version, this.o.dir);
    await scanIntoAnn(this.table, this.schema, fresh, version, this.o.onPayload);
    fresh.dirty = true;
    this.current = fresh;
    this.lastCheck = Date.now();
    this.kick();
    return fresh;
  }

  private async checkFresh(): Promise<void> {
    const every = this.o.freshnessMs;
    if (every === null || !this.current || this.closed || Date.now() - this.lastCheck < every)
      return;
    this.lastCheck = Date.now();
    if (this.replay || this.maintaining > 0) return; // a rebuild is already under way
    const foreign = this.foreignUpTo !== undefined;
    // An own commit in flight (or one that started or ended during the read) may explain a newer version.
    if (!foreign && this.ownCommits > 0) return;
    if (!this.o.openVersion) {
      const version = await this.table.version();
      if (foreign || version !== this.current!.tableVersion) await this.rebuildLocked();
      return;
    }
    // Own writes are recorded from before the version read on: one that commits after the read (while the read or
    // the snapshot's open is in flight) is not in the snapshot and must be replayed (those at or below it are).
    const replay: Replayed[] = [];
    this.replay = replay;
    const seq = this.ownSeq;
    let version: number;
    try {
      version = await this.table.version();
    } catch (e) {
      this.replay = undefined;
      throw e;
    }
    if (this.maintaining > 0 || this.closed || !this.current) {
      this.replay = undefined;
      return;
    }
    if (!foreign && (version === this.current.tableVersion || this.ownSeq !== seq)) {
      this.replay = undefined;
      return;
    }
    this.foreignUpTo = undefined;
    // Another process wrote: rebuild from a snapshot of that version OUTSIDE the write lock (a full scan: writes
    // must not stall behind it; searches keep the old index meanwhile). Our own writes committed during the scan
    // are recorded and replayed onto the new index when it goes live.
    let snapshot: Table | undefined;
    try {
      snapshot = await this.o.openVersion(version);
      this.o.onForeignChange();
      const fresh = CollectionAnn.empty(this.schema, this.o.params, version, this.o.dir);
      // No payloads on the way: the snapshot may be older than our own writes to the cache meanwhile.
      await scanIntoAnn(snapshot, this.schema, fresh, version);
      await this.lock(async () => {
        if (!this.current || this.closed) return;
        for (const w of replay) {
          if (w.version <= version) continue; // already in the snapshot
          if (w.rows) fresh.upserted(w.rows, w.version);
          else fresh.deleted(w.ids!, w.version);
        }
        fresh.dirty = true;
        this.current.retire();
        this.current = fresh;
        // Raised meanwhile by own commits for a write the snapshot holds: done (a later one stays raised).
        if (this.foreignUpTo !== undefined && this.foreignUpTo <= version)
          this.foreignUpTo = undefined;
        this.kick();
      });
      this.o.onOpenedSaved?.(); // refill the payload cache in the background
    } catch (e) {
      this.flagForeign(version); // not rebuilt: the next check tries again
      throw e;
    } finally {
      this.replay = undefined;
      snapshot?.close();
    }
  }

  /** The rebuild without a snapshot handle: under the write lock (writes wait for the scan). */
  private async rebuildLocked(): Promise<void> {
    await this.lock(async () => {
      // Re-read under the lock: our own write may have been in flight.
      const version = await this.table.version();
      if (!this.current || this.closed || this.maintaining > 0) return;
      if (version === this.current.tableVersion && this.foreignUpTo === undefined) return;
      this.foreignUpTo = undefined; // the scan below reads the newest version, under the lock
      this.o.onForeignChange();
      const fresh = CollectionAnn.empty(this.schema, this.o.params, version, this.o.dir);
      await scanIntoAnn(this.table, this.schema, fresh, version, this.o.onPayload);
      fresh.dirty = true;
      this.current?.retire();
      this.current = fresh;
      this.kick();
    });
  }

  private flagForeign(version: number): void {
    this.foreignUpTo = Math.max(this.foreignUpTo ?? version, version);
  }

  private kick(): void {
    if (this.absorbing || this.closed) return;
    if (!this.current?.hasBackgroundWork) {
      this.scheduleSave();
      return;
    }
    this.absorbing = true;
    setImmediate(() => this.absorbSlice());
  }

  private absorbSlice(): void {
    const ann = this.current;
    if (!ann || this.closed) {
      this.absorbing = false;
      return;
    }
    let more = true;
    const t0 = performance.now();
    const rows = t0 - this.lastWrite < WRITES_ACTIVE_MS ? ABSORB_ROWS_UNDER_WRITES : ABSORB_ROWS;
    try {
      while (more && performance.now() - t0 < ABSORB_SLICE_MS) more = ann.absorbStep(rows);
    } catch (e) {
      this.absorbing = false;
      this.o.onError(e);
      return;
    }
    const t1 = performance.now();
    if (more && t1 - this.lastWrite < WRITES_ACTIVE_MS) {
      const pause = ((t1 - t0) * (1 - ABSORB_SHARE_UNDER_WRITES)) / ABSORB_SHARE_UNDER_WRITES;
      setTimeout(() => this.absorbSlice(), pause).unref();
    } else if (more) setImmediate(() => this.absorbSlice());
    else {
      this.absorbing = false;
      this.scheduleSave();
    }
  }

  /** An idle save: big graphs are rewritten only when many rows changed (see CollectionAnn.save). */
  private async idleSave(): Promise<void> {
    await this.lock(async () => {
      const ann = this.current;
      if (!ann?.dirty || this.closed) return;
      // A write that got the lock first (its commit was in flight when the timer fired) is not idle: its replaced
      // keys are out of the writable graph, its rows still pending. Saved now, a first graph file could hold more
      // removed nodes than present ones (unopenable, see graphMapSafe: a compaction or rebuild follows); the
      // absorber schedules the save again once it is done.
      if (this.absorbing || ann.hasWork) return;
      ann.save(this.o.dir, 'if-big');
    });
    this.maybeCompact();
  }

  /**
   * Starts a compaction (see COMPACT_MIN_DEAD) when the index is idle and mostly dead keys. Not while a rebuild,
   * maintenance or an own commit is under way, nor with a foreign write flagged (its rebuild compacts anyway), nor
   * for a deterministic index (a rebuild at a time set by the clock would break "same rows, same graph").
   */
  private maybeCompact(): void {
    const ann = this.current;
    if (!ann || this.stopping || this.compacting || this.replay || !this.o.openVersion) return;
    if (this.maintaining > 0 || this.ownCommits > 0 || this.foreignUpTo !== undefined) return;
    if (this.o.params.deterministic) return;
    const live = ann.keys.size;
    const dead = ann.keys.capacity - live;
    // A graph saved with too many removed nodes cannot be opened again (see graphMapSafe): compacted whatever the
    // threshold, else the next open rebuilds from the table.
    const due = dead >= (this.o.compactMinDead ?? COMPACT_MIN_DEAD) && dead >= live;
    if (!due && (ann.mapSafe || dead === 0)) return;
    this.compacting = this.compact(ann)
      .catch((e: unknown) => this.o.onError(e))
      .finally(() => {
        this.compacting = undefined;
      });
  }

  /**
   * Rebuilds `old` aside from a snapshot of the table version it reflects, absorbs the new graphs completely in
   * background slices (the old index serves every search meanwhile, so nothing falls back to exact scans), replays
   * the own writes made since the snapshot in slices, and swaps under the write lock once the rest fits in one short
   * step (see REPLAY_SLICE_MS). Gives up (the old index stays) when the index was replaced meanwhile (a foreign
   * write's rebuild), on close, or when writes keep coming faster than the replay catches up.
   */
  private async compact(old: CollectionAnn): Promise<void> {
    const replay: Replayed[] = [];
    this.compactReplay = replay;
    // Read after the replay list is in place: a later own write has a newer version and is replayed.
    const version = old.tableVersion;
    let snapshot: Table | undefined;
    let fresh: CollectionAnn | undefined;
    try {
      snapshot = await this.o.openVersion!(version);
      fresh = CollectionAnn.empty(this.schema, this.o.params, version, this.o.dir);
      await scanIntoAnn(snapshot, this.schema, fresh, version);
      snapshot.close();
      snapshot = undefined;
      const building = fresh;
      const stale = () => this.stopping || this.current !== old;
      while (building.hasBackgroundWork && !stale()) {
        const t0 = performance.now();
        while (building.hasBackgroundWork && performance.now() - t0 < ABSORB_SLICE_MS)
          building.absorbStep(ABSORB_ROWS);
        const t1 = performance.now();
        // Writes arriving: the same small share of the loop as the live absorber, else take turns with it.
        const pause =
          t1 - this.lastWrite < WRITES_ACTIVE_MS
            ? ((t1 - t0) * (1 - ABSORB_SHARE_UNDER_WRITES)) / ABSORB_SHARE_UNDER_WRITES
            : 0;
        // Not unref'd: a caller awaiting the compaction (whenCompacted) with nothing else pending would see the
        // process exit with code 13 mid-await. close() stops it at the next step.
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
      if (stale()) return;
      const cursor = new ReplayCursor(replay, building, version);
      const began = performance.now();
      for (let attempt = 0; attempt < SWAP_ATTEMPTS; attempt++) {
        // Catch up outside the lock, a slice at a time; writes keep landing (and queueing) meanwhile.
        while (!cursor.done && !stale()) {
          if (performance.now() - began > REPLAY_GIVE_UP_MS) return;
          cursor.apply(REPLAY_SLICE_MS);
          await new Promise((resolve) => setImmediate(resolve));
        }
        if (stale()) return;
        const swapped = await this.lock(async () => {
          if (stale()) return true;
          // What committed while the lock was awaited, in one bounded step (no write lands inside it).
          if (!cursor.apply(SWAP_REPLAY_MS)) return false;
          // The old index's version may be past the last own write (maintenance versions, which change no rows).
          building.tableVersion = old.tableVersion;
          building.dirty = true;
          old.retire();
          this.current = building;
          fresh = undefined; // live now
          this.kick();
          return true;
        });
        if (swapped) return;
      }
    } finally {
      this.compactReplay = undefined;
      snapshot?.close();
      fresh?.retire(); // not swapped in: its row files may go at the next save
    }
  }

  private scheduleSave(): void {
    if (!this.current?.dirty || this.closed) return;
    clearTimeout(this.saveTimer);
    this.saveTimer = setTimeout(() => {
      if (this.absorbing || this.current?.hasWork) return; // the absorber reschedules when it finishes
      this.idleSave().catch((e: unknown) => this.o.onError(e));
    }, this.o.saveIdleMs);
    this.saveTimer.unref();
  }
}

/**
 * Replays a compaction's recorded own writes onto the index being built, in order, resuming where the last call
 * stopped; writes recorded after the snapshot's version only. Applied entries are dropped from the list.
 */
class ReplayCursor {
  /** The first entry not wholly applied, and how many of its rows (or ids) are. */
  private head = 0;
  private within = 0;

  constructor(
    private readonly list: Replayed[],
    private readonly into: CollectionAnn,
    private readonly snapshotVersion: number,
  ) {}

  get done(): boolean {
    return this.head >= this.list.length;
  }

  /** Applies entries for about `budgetMs`; true once every recorded entry is applied. */
  apply(budgetMs: number): boolean {
    const t0 = performance.now();
    while (this.head < this.list.length) {
      const w = this.list[this.head]!;
      const all = (w.rows ?? w.ids!).length;
      if (w.version > this.snapshotVersion) {
        const to = Math.min(all, this.within + REPLAY_STEP_ROWS);
        if (w.rows) this.into.upserted(w.rows.slice(this.within, to), w.version);
        else this.into.deleted(w.ids!.slice(this.within, to), w.version);
        this.within = to;
      } else this.within = all; // already in the snapshot
      if (this.within >= all) {
        this.head++;
        this.within = 0;
      }
      if (performance.now() - t0 >= budgetMs) break;
    }
    // Drop what is applied (the list is the one writes append to: trimmed in place, now and then).
    if (this.head >= 1024 || this.done) {
      this.list.splice(0, this.head);
      this.head = 0;
    }
    return this.done;
  }
}
