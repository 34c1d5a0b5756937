import type { ItemId, Payload } from './item.js';

/** Where a candidate came from in stage 1: one entry per list (vector name or 'bm25') that returned it. */
export interface Provenance {
  /** Vector name ('text', 'image', 'image_text', ...) or 'bm25'. */
  source: string;
  /** Raw similarity from that list. */
  score: number;
  /** 0-based rank in that list. */
  rank: number;
}

/** A stage-1 candidate: the union of every list's hits for one item. */
export interface Candidate {
  id: ItemId;
  payload: Payload;
  /** Keyed by source (vector name or 'bm25'). */
  sources: Record<string, Provenance>;
  /** Vector names the item has at all (for missing-modality flags). */
  hasVectors?: string[];
  /** Item priors and personalisation, filled by the engine before stage 2. */
  priors?: CandidatePriors;
}

export interface CandidatePriors {
  /** Smoothed click-through rate (Beta prior), 0..1. */
  ctr?: number;
  /** log1p of engagement count. */
  popularity?: number;
  /** Cosine similarity to the user's profile vector, per vector name. */
  profileSim?: Record<string, number>;
}

/** The share of the final score each source contributed, for explanations. */
export interface Explanation {
  scores: Record<string, number>;
  /** Share of the final score per used source (sums to 1 over `used`; never rows for untouched sources). */
  shares: Record<string, number>;
  ranker: string;
  /** Sources this query actually used (vector names, 'bm25', 'profile'). */
  used?: string[];
  /** Learned model only: the gate's weight per used source (sums to 1). */
  gate?: Record<string, number>;
  /** Learned model only: share (0..1) of the final score that came from the bounded residual. */
  residualShare?: number;
  /** Learned model only: the baseline fusion it corrects ('rrf', 'weighted', ...). */
  baseline?: string;
  /** Rank-only fusions (rrf): each source's added, non-negative contribution. */
  contributions?: Record<string, number>;
}

export interface RankedHit {
  id: ItemId;
  score: number;
  payload: Payload;
  explanation: Explanation;
  /** The feature row the ranker saw (logged with impressions for training without skew). */
  features?: number[];
  /** The query-level feature row (gate input) of the list this hit was ranked in; logged once per impression. */
  queryFeatures?: number[];
}
