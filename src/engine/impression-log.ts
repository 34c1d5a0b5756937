import { buildFeatureRowsFor, FEATURE_SPEC_VERSION } from '../../rerankers/features/index.js';
import type { QueryKind } from '../../rerankers/features/sources.js';
import type { Reranker, RerankContext } from '../../rerankers/reranker.js';
import type { Candidate, RankedHit } from '../domain/candidate.js';
import { SERVER_EVENT_ID_PREFIX, type FeedbackEvent } from '../domain/feedback.js';
import { QUERY_FEATURES_KEY } from '../domain/clickthrough.js';
import type { EngineDeps } from './engine-deps.js';

export interface ImpressionArgs {
  collection: string;
  userId?: string;
  queryId: string;
  reranker: Reranker;
  ctx: Pick<RerankContext, 'queryKind' | 'queryModalities' | 'baseline'>;
  /** The whole stage-1 list: per-list statistics (score ranges, coverage) are part of every row. */
  candidates: readonly Candidate[];
  /** What was shown, in order. */
  hits: readonly RankedHit[];
  /** Rank of the first shown hit (a later page): logged positions are ranks, so position bias is read by rank. */
  offset?: number;
  /** Displayed positions k whose hits were swapped with k+1 at random (the swap intervention). */
  swapped?: number[];
  /** The text searched, as typed: logged for search analytics (a first page is logged even when it is empty). */
  query?: string;
  /** The text searched BM25 and no document matched (logged with `query` for analytics). */
  noLexicalMatch?: boolean;
  /** Set when the shown order is not the ranker's (a sort by payload fields, a curation rule): logged in its place. */
  order?: string;
}

/**
 * The feature rows of the shown hits and the query row, whatever ranked them. The learned ranker hands back the
 * rows it scored (exactly what was served); every other ranker (fusions, presets, noop, shuffle) gets rows from
 * the same extractor, with list statistics over the whole candidate list, so any default can be trained from.
 */
export function servedFeatureRows(
  a: Pick<ImpressionArgs, 'candidates' | 'hits' | 'ctx'>,
): Record<string, number[]> {
  const features: Record<string, number[]> = {};
  const own =
    a.hits.every((h) => h.features !== undefined) &&
    new Set(a.hits.map((h) => h.features!.length)).size === 1;
  if (own && a.hits[0]?.queryFeatures) {
    for (const h of a.hits) features[h.id] = h.features!;
    features[QUERY_FEATURES_KEY] = a.hits[0].queryFeatures;
    return features;
  }
  // List statistics need every candidate; rows are built for the shown hits only.
  const want = new Set(a.hits.map((h) => h.id));
  const index = new Map<string, number>();
  a.candidates.forEach((c, i) => {
    if (want.has(c.id)) index.set(c.id, i);
  });
  const shown = a.hits.filter((h) => index.has(h.id));
  const fr = buildFeatureRowsFor(
    withoutProfileList(a.candidates),
    shown.map((h) => index.get(h.id)!),
    {
      queryKind: a.ctx.queryKind as QueryKind,
      queryModalities: a.ctx.queryModalities,
      baseline: a.ctx.baseline,
    },
  );
  shown.forEach((h, j) => (features[h.id] = numbers(fr.rows[j]!)));
  features[QUERY_FEATURES_KEY] = numbers(fr.queryFeatures);
  return features;
}

/**
 * A row's values as a plain array: filled by index, it holds unboxed doubles. Array.from(row) walked an iterator
 * (an object per value, ~40 KB of garbage per impression).
 */
function numbers(row: Float32Array): number[] {
  const out = new Array<number>(row.length);
  for (let i = 0; i < row.length; i++) out[i] = row[i]!;
  return out;
}

/**
 * Baseline fusions get the user's profile as one more ranked list (`profile`, see attachProfileSimilarity); the
 * learned ranker never does (it reads profile similarity as a feature). Rows must be what the model would have
 * seen, so that list is left out of them (list statistics and the RRF baseline feature would count it otherwise).
 */
function withoutProfileList(candidates: readonly Candidate[]): readonly Candidate[] {
  if (!candidates.some((c) => 'profile' in c.sources)) return candidates;
  return candidates.map((c) => {
    if (!('profile' in c.sources)) return c;
    const { profile: _profile, ...sources } = c.sources;
    return { ...c, sources };
  });
}

/** Logs one served impression with its feature rows (group-committed when the app configured a batcher). */
export async function logImpression(
  deps: Pick<EngineDeps, 'impressions' | 'ingest' | 'now' | 'onLogError'>,
  a: ImpressionArgs,
): Promise<void> {
  // An empty first page of a text search is logged too: "queries without results" is what a tuner looks for first.
  const empty = a.hits.length === 0;
  if (empty && (a.query === undefined || (a.offset ?? 0) > 0)) return;
  const event: FeedbackEvent = {
    type: 'impression',
    eventId: `${SERVER_EVENT_ID_PREFIX}${a.queryId}`,
    collection: a.collection,
    queryId: a.queryId,
    userId: a.userId,
    items: a.hits.map((h, i) => ({ id: h.id, position: (a.offset ?? 0) + i })),
    ...(a.swapped?.length ? { swapped: a.swapped } : {}),
    ...(a.query !== undefined ? { query: a.query } : {}),
    ...(a.noLexicalMatch ? { noLexicalMatch: true as const } : {}),
    // The model ranker serves per-collection versions (and interleavings): each hit names its own.
    // Clicks on a sorted list still read relevance (positions are logged), but credit no ranker's order.
    rankerVersion: a.order
      ? a.order
      : a.reranker.name === 'model'
        ? (a.hits[0]?.explanation.ranker ?? a.reranker.version)
        : a.reranker.version,
    ...(empty ? {} : { features: servedFeatureRows(a), featureSpecVersion: FEATURE_SPEC_VERSION }),
    timestamp: (deps.now ?? Date.now)(),
  };
  // Group-committed off the response path when a batcher is configured (the app does); else written inline.
  if (deps.impressions) return deps.impressions.add(event);
  try {
    await deps.ingest([event], 'server');
  } catch (e) {
    // Serving must not fail because logging did; the error is reported, the response still goes out.
    deps.onLogError?.(e);
  }
}
