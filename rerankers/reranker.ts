import type { Candidate, RankedHit } from '../src/domain/candidate.js';
import type { BaselineFusion, FeatureRows } from './features/index.js';

/** Query-level context a reranker may use (query kind, which modalities the query had, the user). */
export interface RerankContext {
  queryKind: 'text' | 'image' | 'audio' | 'vector' | 'item' | 'user';
  queryModalities: string[];
  userId?: string;
  /** The collection searched: the learned reranker serves one model per collection. */
  collection?: string;
  /** Per-source weights for weighted fusion, from config or the admin UI. */
  weights?: Record<string, number>;
  rrfK?: number;
  /**
   * The collection's baseline fusion (its preset: rrf, weighted or dbsf with weights), which the learned model
   * starts from and logged feature rows are computed against; RRF k=60 when absent.
   */
  baseline?: BaselineFusion;
  /**
   * How many hits will be shown: rankers may explain (and attach feature rows to) only the first `limit`; the rest
   * come back ordered with bare explanations.
   */
  limit?: number;
  /** Feature rows the engine already built for these candidates (same order); the model reuses them instead of rebuilding. */
  features?: FeatureRows;
}

/** The Reranker port: baseline fusions (RRF, weighted, DBSF, noop, shuffle) and the learned ONNX model all implement it. */
export interface Reranker {
  readonly name: string;
  /** Version recorded with impressions (e.g. 'rrf' or 'fusion-v3'). */
  readonly version: string;
  rerank(candidates: Candidate[], ctx: RerankContext): Promise<RankedHit[]>;
}
