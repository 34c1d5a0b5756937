import { Index, type Table } from '@lancedb/lancedb';
import type { CollectionSchema } from '../../domain/collection.js';
import { vectorColumn } from './columns.js';

/**
 * When and how a collection gets an ANN index. Below the threshold an exact scan is fast and perfectly accurate;
 * above it each vector column gets an IVF_HNSW_SQ index. LanceDB still scans rows written after the index was built,
 * so new rows are searchable at once; `optimize()` folds them into the index when enough have piled up.
 */
export const DEFAULT_ANN_THRESHOLD = 50_000;

/**
 * HNSW graph and search settings. bench/store.ts at 100k x 384 uniform random unit vectors (the worst case: no
 * cluster structure) with m=20, efConstruction=300, refineFactor=2 measured recall@10 0.573 at ef=100, 0.903 at
 * ef=1200 and 0.977 at ef=2400 (bench/results/store.json). Real embeddings are clustered and reach high recall at far
 * smaller ef, so the default search width stays max(100, 10k) (ef=1000 for the engine's top-100 candidate lists);
 * callers who need the worst-case guarantee pass `ann: { efMin: 2400 }` to LanceDbStore.open.
 */
export interface AnnParams {
  rowsPerPartition: number;
  m: number;
  efConstruction: number;
  efMin: number;
  efPerK: number;
  refineFactor: number;
}

export const ANN_PARAMS: AnnParams = {
  /** One HNSW graph per this many rows (IVF partitions); more partitions lower peak build memory. */
  rowsPerPartition: 1_000_000,
  m: 20,
  efConstruction: 300,
  /** Search: ef = max(efMin, k * efPerK); SQ distances are approximate, so refine re-scores on full vectors. */
  efMin: 100,
  efPerK: 10,
  refineFactor: 2,
};

/** Refresh the index once unindexed rows exceed this share of the indexed ones (or the absolute floor). */
const REFRESH_SHARE = 0.1;
const REFRESH_FLOOR = 10_000;
/** Compact once this many small data fragments have piled up. */
const SMALL_FRAGMENTS_LIMIT = 64;
/**
 * Rows at which `id` gets a BTREE index. get() (personalised priors, BM25 hydration, recommend, the indexer's hash
 * check) filters by id; without it each call scans the table: 14.8 ms -> 7.1 ms for 100 ids at 100k rows, idle.
 */
export const ID_INDEX_THRESHOLD = 10_000;
const ID_INDEX = 'id_idx';

export interface IndexPlan {
  /** Vector columns that need a fresh index now. */
  create: { column: string; rows: number; distance: 'cosine' | 'dot' | 'l2' }[];
  /** Whether optimize() should compact small fragments and fold unindexed rows into existing indexes. */
  optimize: boolean;
  /** Whether the `id` column needs its BTREE index now. */
  idIndex?: boolean;
}

function indexName(column: string): string {
  return `${column}_idx`;
}

/** Decides what maintenance a table needs, from its row counts and index statistics. */
export async function planIndexMaintenance(
  table: Table,
  schema: CollectionSchema,
  threshold: number,
): Promise<IndexPlan> {
  const plan: IndexPlan = { create: [], optimize: false };
  // Many small upserts leave many small fragments, which slow every scan: compact them (optimize does both).
  const { fragmentStats } = await table.stats();
  if (fragmentStats.numSmallFragments >= SMALL_FRAGMENTS_LIMIT) plan.optimize = true;
  const existing = new Set((await table.listIndices()).map((i) => i.name));
  if (!existing.has(ID_INDEX) && (await table.countRows()) >= ID_INDEX_THRESHOLD) plan.idIndex = true;
  for (const [name, spec] of Object.entries(schema.vectors)) {
    const column = vectorColumn(name);
    if (existing.has(indexName(column))) {
      const stats = await table.indexStats(indexName(column));
      if (
        stats &&
        stats.numUnindexedRows > Math.max(REFRESH_FLOOR, REFRESH_SHARE * stats.numIndexedRows)
      )
        plan.optimize = true;
      continue;
    }
    const rows = await table.countRows(`\`${column}\` IS NOT NULL`);
    if (rows >= threshold) plan.create.push({ column, rows, distance: spec.distance });
  }
  return plan;
}

export async function applyIndexPlan(
  table: Table,
  plan: IndexPlan,
  params: AnnParams = ANN_PARAMS,
): Promise<void> {
  for (const { column, rows, distance } of plan.create) {
    await table.createIndex(column, {
      config: Index.hnswSq({
        distanceType: distance,
        numPartitions: Math.max(1, Math.ceil(rows / params.rowsPerPartition)),
        m: params.m,
        efConstruction: params.efConstruction,
      }),
      replace: true,
    });
  }
  if (plan.idIndex) await table.createIndex('id', { config: Index.btree(), name: ID_INDEX, replace: true });
  if (plan.optimize) await table.optimize();
}

export function hasWork(plan: IndexPlan): boolean {
  return plan.create.length > 0 || plan.optimize || !!plan.idIndex;
}
