import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { reclaimFreePages } from '../storage/free-pages.mjs';
import { BACKSTOP_PAGES, WalCheckpointer } from '../storage/wal-checkpointer.js';
import {
  trendValue,
  trendWeight,
  type EngagementOrder,
  type FeedbackStatePort,
  type ItemStats,
} from '../domain/feedback-port.js';
import { foldEvent, type ProfileAccumulator } from '../domain/profile-math.js';

export type { ItemStats };

/**
 * Serving state derived from feedback, kept durable in SQLite so nothing lives only in memory:
 * per-item counters (for smoothed CTR and popularity), per-user per-vector profiles, and the items each
 * user has seen (engaged with or skipped). `applied` makes applying an event idempotent on its id.
 */

/** The state's file in a data directory. */
export const FEEDBACK_STATE_FILE = 'feedback-state.sqlite';

/** Item counters kept in memory (every search reads a few hundred); past this many entries the cache restarts. */
const STATS_CACHE_MAX = 500_000;
/**
 * A collection with at most this many counter rows is read whole on first use: a search's candidates are mostly
 * items without feedback, and each unknown id cost a row lookup (a few hundred per cold query).
 */
const STATS_FULL_MAX = 200_000;
/** How long a collection's most engaged items are served before they are read again. */
export const MOST_ENGAGED_TTL_MS = 5_000;

/** One counter update, as bound to the upsert. */
interface Bump {
  collection: string;
  item: string;
  impressions: number;
  clicks: number;
  engagement: number;
}

/** One collection's cached counters. */
interface StatsCache {
  /** Rows read (null: known to have none). */
  known: Map<string, ItemStats | null>;
  /** Every row was read: an id not in `known` has none, unless it was bumped since (then it is read again). */
  complete: boolean;
  bumped: Set<string>;
}

export class FeedbackState implements FeedbackStatePort {
  private readonly db: Database.Database;
  private readonly q;
  /**
   * item_stats rows already read (null: no row), by collection and id. Exact: this connection's writes drop the
   * entries they touch, and another connection's commit (SQLite's data_version changes) drops them all. Keyed by
   * the id itself inside a map per collection: a concatenated key was a new string to hash on every lookup, ~3 us
   * each in a map this size, a few hundred per search. Small collections are read whole (STATS_FULL_MAX).
   */
  private readonly statsCache = new Map<string, StatsCache>();
  private statsCached = 0;
  /** Collections found over STATS_FULL_MAX rows: not tried whole again by this process. */
  private readonly statsTooBig = new Set<string>();
  /** Bumps made inside the running applyOnce, applied to the cache once it commits. */
  private bumps: Bump[] | undefined;
  /** Inside batch(): bumps of the applies that succeeded, applied to the cache once the batch commits. */
  private batchBumps: Bump[] | undefined;
  private statsVersion: unknown;
  private checkpoints: WalCheckpointer | undefined;

  /**
   * `statsFullMax`: read a collection's counters whole up to this many rows (tests lower it); `now`: the clock that
   * stamps applied event ids (epoch ms).
   */
  private readonly popular = new Map<
    string,
    { at: number; limit: number; rows: { id: string; engagement: number }[] }
  >();

  constructor(
    private readonly file: string,
    private readonly opts: { statsFullMax?: number; now?: () => number } = {},
  ) {
    if (file !== ':memory:') mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    // New files give pages freed by pruning back (reclaimFreePages); older ones after `chorus compact`.
    this.db.pragma('auto_vacuum = INCREMENTAL');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.migrate();
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS applied_events (
        event_id TEXT PRIMARY KEY, at INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS applied_events_by_at ON applied_events (at);
      CREATE TABLE IF NOT EXISTS item_stats (
        collection TEXT NOT NULL, item_id TEXT NOT NULL,
        impressions INTEGER NOT NULL DEFAULT 0, clicks INTEGER NOT NULL DEFAULT 0, engagement REAL NOT NULL DEFAULT 0,
        trend REAL NOT NULL DEFAULT 0,
        PRIMARY KEY (collection, item_id)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS profiles (
        collection TEXT NOT NULL, user_id TEXT NOT NULL, vector_name TEXT NOT NULL,
        sum BLOB NOT NULL, weight REAL NOT NULL, updated_at INTEGER NOT NULL,
        PRIMARY KEY (collection, user_id, vector_name)) WITHOUT ROWID;
      CREATE TABLE IF NOT EXISTS seen (
        collection TEXT NOT NULL, user_id TEXT NOT NULL, item_id TEXT NOT NULL, at INTEGER NOT NULL, weight REAL NOT NULL,
        PRIMARY KEY (collection, user_id, item_id)) WITHOUT ROWID;
    `);
    this.q = {
      markApplied: this.db.prepare(
        'INSERT OR IGNORE INTO applied_events (event_id, at) VALUES (?, ?)',
      ),
      pruneApplied: this.db.prepare(`DELETE FROM applied_events WHERE event_id IN (
        SELECT event_id FROM applied_events WHERE at < ? ORDER BY at LIMIT ?)`),
      bumpStats: this.db
        .prepare(`INSERT INTO item_stats (collection, item_id, impressions, clicks, engagement, trend)
        VALUES (@collection, @item, @impressions, @clicks, @engagement, @trend)
        ON CONFLICT (collection, item_id) DO UPDATE SET impressions = impressions + @impressions,
          clicks = clicks + @clicks, engagement = engagement + @engagement, trend = trend + @trend`),
      dataVersion: this.db.prepare('PRAGMA data_version').pluck(),
      // One query per list, not per candidate: ids travel as a JSON array.
      allStats: this.db.prepare(`SELECT item_id, impressions, clicks, engagement FROM item_stats
        WHERE collection = ? LIMIT ?`),
      stats: this.db.prepare(`SELECT item_id, impressions, clicks, engagement FROM item_stats
        WHERE collection = ? AND item_id IN (SELECT value FROM json_each(?))`),
      profile: this.db.prepare(
        'SELECT vector_name, sum, weight, updated_at FROM profiles WHERE collection = ? AND user_id = ?',
      ),
      putProfile: this.db
        .prepare(`INSERT OR REPLACE INTO profiles (collection, user_id, vector_name, sum, weight, updated_at)
        VALUES (?, ?, ?, ?, ?, ?)`),
      markSeen: this.db
        .prepare(`INSERT INTO seen (collection, user_id, item_id, at, weight) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT DO UPDATE SET at = max(at, excluded.at), weight = weight + excluded.weight`),
      seen: this.db.prepare('SELECT item_id FROM seen WHERE collection = ? AND user_id = ?'),
      mostEngaged: this.db.prepare(`SELECT item_id AS id, engagement FROM item_stats
        WHERE collection = ? AND engagement > 0 ORDER BY engagement DESC, item_id LIMIT ?`),
      trending: this.db.prepare(`SELECT item_id AS id, trend FROM item_stats
        WHERE collection = ? AND trend > 0 ORDER BY trend DESC, item_id LIMIT ?`),
      deleteProfiles: this.db.prepare('DELETE FROM profiles WHERE user_id = ?'),
      deleteSeen: this.db.prepare('DELETE FROM seen WHERE user_id = ?'),
      engagedUsers: this.db.prepare(
        'SELECT user_id, item_id, weight FROM seen WHERE collection = ?',
      ),
      dropCollection: [
        this.db.prepare('DELETE FROM item_stats WHERE collection = ?'),
        this.db.prepare('DELETE FROM profiles WHERE collection = ?'),
        this.db.prepare('DELETE FROM seen WHERE collection = ?'),
      ],
    };
  }

  /**
   * Files from before applied ids carried a time: theirs count as applied now (kept one retention window from the
   * upgrade). user_events (event id -> user, never read; deleteUser dropped a user's rows) is gone.
   */
  private migrate(): void {
    const columns = this.db.pragma('table_info(applied_events)') as { name: string }[];
    if (columns.length > 0 && !columns.some((c) => c.name === 'at')) {
      const now = Math.trunc(this.now());
      this.db.exec(`ALTER TABLE applied_events ADD COLUMN at INTEGER NOT NULL DEFAULT ${now}`);
    }
    this.db.exec('DROP TABLE IF EXISTS user_events');
    const stats = this.db.pragma('table_info(item_stats)') as { name: string }[];
    if (stats.length > 0 && !stats.some((c) => c.name === 'trend'))
      this.db.transaction(() => {
        this.db.exec('ALTER TABLE item_stats ADD COLUMN trend REAL NOT NULL DEFAULT 0');
        // Engagement counted before trends existed has no time: it counts as of the upgrade, and fades from there.
        this.db
          .prepare('UPDATE item_stats SET trend = engagement * ?')
          .run(trendWeight(1, this.now()));
      })();
  }

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /**
   * Runs `apply` only the first time this event id is seen; returns whether it ran. Atomic. The id is kept until
   * pruneAppliedBefore passes its time: retries are recognised within the event log's retention window.
   */
  applyOnce(eventId: string, apply: () => void): boolean {
    return this.applyAtomically(() => {
      if (this.q.markApplied.run(eventId, this.now()).changes === 0) return false;
      apply();
      return true;
    });
  }

  /**
   * Forgets the event ids applied before `cutoff` (epoch ms), oldest first in batches of `batch`, yielding to the
   * event loop between them (this connection is the serving one); resolves with how many. Without it the table grew
   * by a row per client event forever. An event re-sent after its id is forgotten applies again, as its log entry
   * is pruned by then too.
   */
  async pruneAppliedBefore(
    cutoff: number,
    opts: { batch?: number; stopped?: () => boolean } = {},
  ): Promise<number> {
    const batch = opts.batch ?? 1000;
    let deleted = 0;
    for (;;) {
      if (!this.db.open || opts.stopped?.()) return deleted;
      const n = this.q.pruneApplied.run(cutoff, batch).changes;
      deleted += n;
      if (n < batch) return deleted;
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * Gives the pages pruning freed back to the file system, a step at a time on this connection; resolves with bytes.
   * This is the serving connection, on the event loop: steps of 16 pages (~1.3 ms each) with a turn between them.
   */
  reclaimFreePages(opts: { stopped?: () => boolean } = {}): Promise<number> {
    if (!this.db.open) return Promise.resolve(0);
    return reclaimFreePages(this.db, {
      pages: 16,
      stopped: () => !this.db.open || !!opts.stopped?.(),
    });
  }

  /**
   * Runs `apply` atomically without recording an event id: for the engine's own events (served impressions), each
   * with a fresh random id and applied exactly once by the process that made it. Recording their ids added a row per
   * search to applied_events (~50 bytes, never pruned: 34 MB after 685k searches) and a B-tree insert to each.
   */
  applyUnrecorded(apply: () => void): void {
    this.applyAtomically(() => {
      apply();
      return true;
    });
  }

  private applyAtomically(run: () => boolean): boolean {
    const bumps: Bump[] = [];
    this.bumps = bumps;
    try {
      const applied = this.db.transaction(run)();
      // Committed (or released into a batch, which applies them at its commit): cached counters take the same
      // deltas SQLite added (a rollback throws past this).
      if (this.batchBumps) this.batchBumps.push(...bumps);
      else for (const b of bumps) this.bumpCached(b);
      return applied;
    } finally {
      this.bumps = undefined;
    }
  }

  /**
   * Runs `fn` (a series of applyOnce) as one transaction: each applyOnce becomes a savepoint (a failing one rolls
   * back alone, as on its own) and the series commits once. A commit per logged impression cost ~20 syscalls on
   * the event loop (WAL page writes, shm locks); a batch of them shares one. What a crash can lose is unchanged:
   * the series runs synchronously, so a kill lands before or after it, never inside, as with one commit per
   * apply. Counter bumps reach the cache after the commit. Inside another transaction, `fn` just runs.
   */
  batch<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    const committed: Bump[] = [];
    this.batchBumps = committed;
    try {
      const out = this.db.transaction(fn)();
      for (const b of committed) this.bumpCached(b);
      return out;
    } finally {
      this.batchBumps = undefined;
    }
  }

  /**
   * Adds to an item's counters. `at`: when the engagement happened (its trend weight; a time past now, which a
   * client may send, counts as now).
   */
  bumpStats(
    collection: string,
    item: string,
    delta: Partial<ItemStats>,
    at: number = this.now(),
  ): void {
    const bump: Bump = {
      collection,
      item,
      impressions: delta.impressions ?? 0,
      clicks: delta.clicks ?? 0,
      engagement: delta.engagement ?? 0,
    };
    const inApply = this.bumps !== undefined;
    const inOther = !inApply && this.db.inTransaction;
    if (inOther) {
      // Someone else's transaction may still roll back: drop the entry and read it again.
      const cache = this.statsCache.get(collection);
      if (cache) {
        cache.known.delete(item);
        if (cache.complete) cache.bumped.add(item);
      }
    }
    this.q.bumpStats.run({
      ...bump,
      trend: bump.engagement > 0 ? trendWeight(bump.engagement, Math.min(at, this.now())) : 0,
    });
    if (inApply) this.bumps!.push(bump);
    else if (!inOther) this.bumpCached(bump); // committed on its own
  }

  /** A committed bump applied to the cached counters (a cached "no row" becomes the row the upsert inserted). */
  private bumpCached(b: Bump): void {
    const cache = this.statsCache.get(b.collection);
    if (!cache) return;
    let cur = cache.known.get(b.item);
    if (cur === undefined) {
      if (!cache.complete || cache.bumped.has(b.item)) return; // not known here: read when asked
      cur = null;
      this.statsCached++;
    }
    // A new object: maps handed out earlier keep the values they were read with.
    cache.known.set(b.item, {
      impressions: (cur?.impressions ?? 0) + b.impressions,
      clicks: (cur?.clicks ?? 0) + b.clicks,
      engagement: (cur?.engagement ?? 0) + b.engagement,
    });
  }

  /** Counters of the given items (absent: no feedback yet). Read from memory where known, else one query. */
  itemStats(collection: string, ids: readonly string[]): Map<string, ItemStats> {
    const out = new Map<string, ItemStats>();
    const found = this.itemStatsOf(collection, ids);
    for (let i = 0; i < ids.length; i++) if (found[i]) out.set(ids[i]!, found[i]!);
    return out;
  }

  /**
   * Counters of the given items, position by position (undefined: no feedback yet). Every search asks this for a
   * few hundred candidates: an array aligned with `ids` spares building a Map of them (it was ~5% of the event
   * loop's samples at 20k items, 150 req/s).
   */
  itemStatsOf(collection: string, ids: readonly string[]): (ItemStats | undefined)[] {
    const out = new Array<ItemStats | undefined>(ids.length).fill(undefined);
    if (ids.length === 0) return out;
    const version = this.q.dataVersion.get();
    if (version !== this.statsVersion || this.statsCached > STATS_CACHE_MAX) {
      this.statsCache.clear();
      this.statsCached = 0;
      this.statsVersion = version;
    }
    let cache = this.statsCache.get(collection);
    if (!cache) this.statsCache.set(collection, (cache = this.readStats(collection)));
    const { known, complete, bumped } = cache;
    let missing: number[] | undefined;
    for (let i = 0; i < ids.length; i++) {
      const cached = known.get(ids[i]!);
      if (cached) out[i] = cached;
      else if (cached === undefined && !(complete && !bumped.has(ids[i]!)))
        (missing ??= []).push(i);
    }
    if (!missing) return out;
    const missingIds = missing.map((i) => ids[i]!);
    const rows = new Map<string, ItemStats>();
    for (const row of this.q.stats.all(collection, JSON.stringify(missingIds)) as (ItemStats & {
      item_id: string;
    })[]) {
      rows.set(row.item_id, {
        impressions: row.impressions,
        clicks: row.clicks,
        engagement: row.engagement,
      });
    }
    for (const i of missing) {
      const id = ids[i]!;
      const stats = rows.get(id);
      out[i] = stats;
      if (!known.has(id)) this.statsCached++;
      known.set(id, stats ?? null);
      bumped.delete(id);
    }
    return out;
  }

  /** A collection's counters whole when it has few enough rows, else an empty cache filled id by id. */
  private readStats(collection: string): StatsCache {
    const cache: StatsCache = { known: new Map(), complete: false, bumped: new Set() };
    const max = this.opts.statsFullMax ?? STATS_FULL_MAX;
    if (this.statsTooBig.has(collection)) return cache;
    const rows = this.q.allStats.all(collection, max + 1) as (ItemStats & {
      item_id: string;
    })[];
    if (rows.length > max) {
      this.statsTooBig.add(collection);
      return cache;
    }
    for (const row of rows) {
      cache.known.set(row.item_id, {
        impressions: row.impressions,
        clicks: row.clicks,
        engagement: row.engagement,
      });
    }
    this.statsCached += rows.length;
    cache.complete = true;
    return cache;
  }

  profiles(collection: string, userId: string): Map<string, ProfileAccumulator> {
    const out = new Map<string, ProfileAccumulator>();
    const rows = this.q.profile.all(collection, userId) as {
      vector_name: string;
      sum: Buffer;
      weight: number;
      updated_at: number;
    }[];
    for (const r of rows) {
      const sum = new Float32Array(
        r.sum.buffer.slice(r.sum.byteOffset, r.sum.byteOffset + r.sum.byteLength),
      );
      out.set(r.vector_name, { sum, weight: r.weight, updatedAt: r.updated_at });
    }
    return out;
  }

  /** Folds one engaged (weight > 0) or skipped (weight < 0) item into the user's profile for each vector. */
  foldIntoProfile(
    collection: string,
    userId: string,
    vectors: Record<string, Float32Array>,
    weight: number,
    at: number,
    halfLifeMs?: number,
  ): void {
    const current = this.profiles(collection, userId);
    for (const [name, v] of Object.entries(vectors)) {
      const next = foldEvent(current.get(name), v, weight, at, halfLifeMs);
      this.q.putProfile.run(
        collection,
        userId,
        name,
        Buffer.from(next.sum.buffer),
        next.weight,
        next.updatedAt,
      );
    }
  }

  /** Replaces one profile vector outright (e.g. with a learned collaborative-filtering user factor). */
  setProfile(
    collection: string,
    userId: string,
    vectorName: string,
    vector: Float32Array,
    at: number,
  ): void {
    this.q.putProfile.run(
      collection,
      userId,
      vectorName,
      Buffer.from(Float32Array.from(vector).buffer),
      1,
      at,
    );
  }

  /** Records that the user saw the item; `weight` accumulates their net engagement with it (skips negative). */
  markSeen(collection: string, userId: string, itemId: string, at: number, weight: number): void {
    this.q.markSeen.run(collection, userId, itemId, at, weight);
  }

  seen(collection: string, userId: string): Set<string> {
    return new Set(
      (this.q.seen.all(collection, userId) as { item_id: string }[]).map((r) => r.item_id),
    );
  }

  /** User -> items they engaged with or skipped, for the collaborative-filtering refresh. */
  /**
   * Read again at most every MOST_ENGAGED_TTL_MS per collection (a scan of its counters: ~9 ms at 100k items):
   * every served impression changes the counters, so a version check would re-read it on each call under load.
   */
  mostEngaged(
    collection: string,
    limit: number,
    order: EngagementOrder = 'all-time',
  ): { id: string; engagement: number }[] {
    const now = this.now();
    const key = `${order}\u0000${collection}`;
    const kept = this.popular.get(key);
    if (kept && kept.limit >= limit && now - kept.at < MOST_ENGAGED_TTL_MS)
      return kept.rows.slice(0, limit);
    const rows =
      order === 'trending'
        ? (this.q.trending.all(collection, limit) as { id: string; trend: number }[]).map((r) => ({
            id: r.id,
            engagement: trendValue(r.trend, now),
          }))
        : (this.q.mostEngaged.all(collection, limit) as { id: string; engagement: number }[]);
    this.popular.set(key, { at: now, limit, rows });
    return rows;
  }

  interactions(collection: string): { userId: string; itemId: string; weight: number }[] {
    const rows = this.q.engagedUsers.all(collection) as {
      user_id: string;
      item_id: string;
      weight: number;
    }[];
    return rows.map((r) => ({ userId: r.user_id, itemId: r.item_id, weight: r.weight }));
  }

  /** Forgets a user's profile and seen items (their events are deleted from the event log by the caller). */
  deleteUser(userId: string): { profiles: number; seen: number } {
    return this.db.transaction(() => {
      const profiles = this.q.deleteProfiles.run(userId).changes;
      const seen = this.q.deleteSeen.run(userId).changes;
      return { profiles, seen };
    })();
  }

  dropCollection(collection: string): void {
    for (const order of ['all-time', 'trending'] as const)
      this.popular.delete(`${order}\u0000${collection}`);
    this.statsCache.clear();
    this.statsTooBig.delete(collection);
    this.statsCached = 0;
    this.db.transaction(() => {
      for (const s of this.q.dropCollection) s.run(collection);
    })();
  }

  /**
   * WAL checkpoints on a helper thread (see WalCheckpointer): every search's impression commits here on the event
   * loop, and SQLite's auto-checkpoint made one commit in a few hundred copy ~4 MB and fsync twice. Until the
   * thread is up, and again if it stops, this connection checkpoints as before.
   */
  checkpointOffThread(
    o: { intervalMs?: number; onError?: (e: Error) => void } = {},
  ): WalCheckpointer | undefined {
    if (this.file === ':memory:' || this.checkpoints) return this.checkpoints;
    const cp = new WalCheckpointer(this.file, o);
    this.checkpoints = cp;
    void cp.ready.then((up) => {
      if (up && cp.running && this.db.open)
        this.db.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
    });
    // A thread that stopped (closed or failed) hands checkpoints back to this connection.
    void cp.stopped.then(() => {
      if (this.db.open) this.db.pragma('wal_autocheckpoint = 1000');
    });
    return cp;
  }

  /** Stops the checkpoint thread (before close: this connection, closing last, checkpoints and removes the WAL). */
  async stopCheckpoints(): Promise<void> {
    const cp = this.checkpoints;
    this.checkpoints = undefined;
    await cp?.close();
  }

  close(): void {
    this.db.close();
  }
}
