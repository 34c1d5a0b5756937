import type { RerankContext, Reranker } from '../../rerankers/reranker.js';
import type { Candidate, RankedHit } from '../domain/candidate.js';
import type { PayloadFieldType } from '../domain/collection.js';
import type { Filter } from '../domain/filter.js';
import type { LexicalExpansion, TextAnalysis } from '../domain/lexical.js';
import type { Payload } from '../domain/item.js';
import { publicPayload } from '../domain/names.js';
import { newQueryId } from './query-id.js';
import type { EngineDeps } from './engine-deps.js';
import { checkCandidateWork } from './cost-limits.js';
import { correctionNote, spellCorrections, type Correction } from './corrections.js';
import { curate, type AppliedCuration } from './curation.js';
import type { CurationMatch } from '../domain/curations.js';
import type { TextRequirement } from './text-requirement.js';
import { highlights, type Highlight } from './highlights.js';
import { snippetsOf } from './snippets.js';
import { countFacets, type Facets } from './facets.js';
import { disjunctiveCandidates } from './disjunctive-facets.js';
import { logImpression } from './impression-log.js';
import { mmr } from './mmr.js';
import { attachItemPriors, attachProfileSimilarity, userProfiles } from './priors.js';
import { retrieve, type RetrieveArgs } from './retrieve.js';
import { sortDistance, sortedTag, sortHits, type SortKey } from './sort.js';
import { collapseHits } from './collapse.js';
import { StageTimer } from './stage-timer.js';
import { swapIntervention } from './swap-intervention.js';

/** One hit as served: every source's raw score and its share of the final score. */
export interface ServedHit {
  id: string;
  score: number;
  payload: Payload;
  /** The ranker's explanation (used sources, shares, and for the model its gate and residual share) plus stage-1 ranks. */
  explanation: Omit<RankedHit['explanation'], 'ranker'> & { ranks: Record<string, number> };
  /**
   * Asked with `highlight`: per text field, where it holds the query's terms ([start, end) in UTF-16 units; for a
   * list of strings [element, start, end]).
   */
  highlights?: Record<string, Highlight[]>;
  /** Asked with `snippet`: per matched string field, the window [start, end) to show (UTF-16 units). */
  snippets?: Record<string, [number, number]>;
  /** Placed first by the collection's curation rule for this query, not by the ranking. */
  promoted?: true;
  /** With `collapse`: lower-ranked hits of this hit's group left out. */
  collapsed?: number;
  /** Sorted by distance (a `near` sort key): metres from its point to this hit's. */
  distance?: number;
}

export interface RankedResponse {
  /** Log feedback against this id. */
  queryId: string;
  collection: string;
  ranker: { name: string; version: string };
  hits: ServedHit[];
  /** Stage-1 lists that ran (vector names, 'bm25', 'profile'). */
  sources: string[];
  /** What the query could not reach and why (missing models, no profile yet). */
  notes: string[];
  /** Milliseconds per stage. */
  timings: Record<string, number>;
  /** How the store ran each vector list ('graph', 'exact', 'graph>exact'), where it plans searches. */
  plans?: Record<string, string>;
  /** Value counts of the requested payload fields over the candidates (`facets` in the request). */
  facets?: Facets;
  /** Query words the BM25 list read as other words (typo tolerance): "did you mean". */
  corrections?: Correction[];
  /** The collection's curation rule this query matched: what it promoted (its hidden items were left out). */
  curation?: AppliedCuration;
}

export interface TwoStageArgs {
  collection: string;
  vectors: Map<string, Float32Array>;
  /** Lists ranked before stage 1 (a cold start's popular items), filter applied. */
  lists?: RetrieveArgs['lists'];
  text?: string;
  filter?: Filter;
  /** The collection's payload indexes: how the filter reads each field where payloads are checked in memory. */
  payloadIndexes: Readonly<Record<string, PayloadFieldType>>;
  userId?: string;
  exclude?: Set<string>;
  fusion?: string;
  weights?: Record<string, number>;
  rrfK?: number;
  /** Default true; false skips the impression log (admin playground). */
  logImpression?: boolean;
  /** The text as the user typed it, logged with the impression for search analytics. */
  queryText?: string;
  limit: number;
  /** Ranked hits to skip before the `limit` shown (a later page of the same query); default 0. */
  offset?: number;
  /**
   * Mark where the shown hits' text fields hold the query's terms (the BM25 analyzer's matching); with `snippet`,
   * also the best window of at most that many characters per matched string field.
   */
  highlight?: { query: string; fields: readonly string[]; snippet?: number };
  /** Synonyms the BM25 list scores beside the text's terms (marked in highlights too). */
  expand?: LexicalExpansion;
  /** The text's last word may be the start of a word: BM25 also matches the terms it begins (marked too). */
  prefix?: boolean;
  /** Every candidate's payload must pass it, whichever list found it (the query's phrases and exclusions). */
  accept?: TextRequirement;
  /** The collection's BM25 text fields (with `text`): where corrected words are spelt out from. */
  textFields?: readonly string[];
  /**
   * Payload fields whose values to count over the candidates (see countFacets); a field in `own` over the
   * candidates retrieved under its filter instead (its facet selection left out: see disjunctiveCandidates).
   */
  facets?: {
    fields: readonly string[];
    size?: number;
    own?: ReadonlyMap<string, Filter | undefined>;
  };
  /** Order the ranked candidates by payload fields (ties by rank); no swap intervention, logged as sorted. */
  sort?: readonly SortKey[];
  /** Keep the best hit per value of this payload field (see collapseHits). */
  collapse?: string;
  /**
   * The collection's rule for this query: its promoted items go first (on every order, sorted or diversified), its
   * hidden ones must already be in `exclude`. No swap intervention; logged as curated.
   */
  curation?: CurationMatch;
  candidatesPerList?: number;
  diversity?: number;
  ctx: Pick<RerankContext, 'queryKind' | 'queryModalities' | 'baseline'>;
  notes: string[];
  timer?: StageTimer;
  /** Checked between stages: once aborted nothing else runs (no further store reads, no impression logged). */
  signal?: AbortSignal;
}

export function pickReranker(
  deps: EngineDeps,
  fusion: string | undefined,
  notes: string[],
): Reranker {
  const name = fusion ?? deps.search.defaultFusion;
  const r = deps.rerankers.get(name);
  if (r) return r;
  // The default 'model' ranker exists only where the learned reranker is wired (serve, quickstart, search CLI);
  // elsewhere RRF is the expected baseline, not something to warn about.
  if (fusion === undefined && name === 'model') return deps.rerankers.get('rrf')!;
  notes.push(`ranker "${name}" is not available (no promoted model?): used rrf`);
  return deps.rerankers.get('rrf')!;
}

/** Stage 1 (retrieve, priors, personalisation), stage 2 (rerank), optional MMR, then log the impression. */
export async function runTwoStage(deps: EngineDeps, a: TwoStageArgs): Promise<RankedResponse> {
  const timer = a.timer ?? new StageTimer(deps.observeStage);
  const queryId = (deps.newId ?? newQueryId)();
  const reranker = pickReranker(deps, a.fusion, a.notes);
  const k = a.candidatesPerList ?? deps.search.candidatesPerModality;
  checkCandidateWork(
    deps.limits,
    k,
    a.vectors.size + (a.text ? 1 : 0) + (a.lists?.size ?? 0),
    1 + (a.facets?.own?.size ?? 0),
  );
  const signal = a.signal;
  signal?.throwIfAborted();
  const lists = {
    collection: a.collection,
    vectors: a.vectors,
    text: a.text,
    expand: a.expand,
    prefix: a.prefix,
    accept: a.accept,
    k,
    exclude: a.exclude,
    lists: a.lists,
    payloadIndexes: a.payloadIndexes,
    signal,
  };
  // Started beside the hits' lists (the search threads take both); awaited only once those are in.
  const ownFacets = a.facets?.own?.size
    ? timer.time('facets', () => disjunctiveCandidates(deps, lists, a.facets!.own!))
    : undefined;
  ownFacets?.catch(() => undefined);
  const candidates = await timer.time('retrieve', () =>
    retrieve(deps, { ...lists, filter: a.filter }, timer),
  );
  const facetCandidates = await ownFacets;
  signal?.throwIfAborted();
  await timer.time('priors', async () => {
    attachItemPriors(deps.state, a.collection, candidates);
    if (a.userId) {
      const profiles = userProfiles(deps.state, a.collection, a.userId);
      const isBaseline = reranker.name !== 'model' && !reranker.version.startsWith('fusion');
      await attachProfileSimilarity(deps.store, a.collection, candidates, profiles, isBaseline);
    }
  });
  const offset = a.offset ?? 0;
  const sorted = Boolean(a.sort?.length);
  // The page is ranks [offset, end) of the same ranking a first page would have: ranked, explained and diversified
  // to `end`, then cut.
  const end = offset + a.limit;
  const ctx: RerankContext = {
    ...a.ctx,
    userId: a.userId,
    collection: a.collection,
    weights: a.weights,
    rrfK: a.rrfK ?? deps.search.rrfK,
    // Rankers explain (and copy rows for) the hits that can be shown: the limit, MMR's pool, or (sorted) any.
    limit: sorted || a.collapse ? undefined : a.diversity && a.diversity > 0 ? end * 3 : end,
  };
  signal?.throwIfAborted();
  let hits = await timer.time('rerank', () => reranker.rerank(candidates, ctx));
  if (sorted) hits = sortHits(hits, a.sort!);
  let collapsed: Map<string, number> | undefined;
  if (a.collapse) ({ hits, collapsed } = collapseHits(hits, a.collapse));
  if (a.diversity && a.diversity > 0) {
    const pool = hits.slice(0, end * 3);
    hits = await timer.time('diversify', async () => {
      const items = await deps.store.get(
        a.collection,
        pool.map((h) => h.id),
        { withVectors: true, signal },
      );
      return mmr(pool, new Map(items.map((i) => [i.id, i.vectors])), a.diversity!, end);
    });
  }
  let curation: AppliedCuration | undefined;
  if (a.curation) {
    const curated = await timer.time('curate', () =>
      curate(
        deps.store,
        hits,
        {
          collection: a.collection,
          match: a.curation!,
          filter: a.filter,
          payloadIndexes: a.payloadIndexes,
          accept: a.accept,
          exclude: a.exclude,
          rankerVersion: reranker.version,
          signal,
        },
        a.notes,
      ),
    );
    hits = curated.hits;
    curation = curated.applied;
  }
  // A share of traffic (search.swapShare) sees one adjacent pair swapped: the log then measures position bias.
  // First pages only: the estimate reads the top positions, and a later page stays the continuation of its first.
  // Never in a sorted list: its order is the client's, and a swap would show as a wrong sort; nor in a curated one.
  const swap = swapIntervention(
    hits.slice(offset, end),
    a.logImpression === false || offset > 0 || sorted || curation ? 0 : deps.search.swapShare,
  );
  const shown = swap.hits;
  // Stage-1 ranks of the shown hits and every list's name, without an array per candidate.
  const shownIds = new Set(shown.map((h) => h.id));
  const promoted = new Set(curation?.promoted);
  const ranks = new Map<string, Candidate['sources']>();
  const sources = new Set<string>();
  for (const c of candidates) {
    if (shownIds.has(c.id)) ranks.set(c.id, c.sources);
    for (const source in c.sources) sources.add(source);
  }
  // What the BM25 list read words as: misspellings are reported as "did you mean", completions are not.
  const read = a.text ? deps.bm25.corrections(a.collection, a.text, a.prefix) : [];
  // Highlights mark what the list searched: the query's terms, the corrections', completions' and synonyms'.
  const alsoMarked = [...read.map((c) => c.term), ...(a.expand?.terms ?? [])];
  // The collection's analysis (its language): read once, where text is marked or spelt out.
  let analysis: TextAnalysis | undefined;
  const analysisOf = () => (analysis ??= deps.bm25.analysis(a.collection));
  const corrections = spellCorrections(
    { matchSpans: (...args) => analysisOf().matchSpans(...args) },
    read.filter((c) => !c.completion),
    shown,
    a.textFields ?? [],
  );
  if (corrections.length > 0) a.notes.push(correctionNote(corrections));
  const distanceOf = sortDistance(a.sort);
  const response: RankedResponse = {
    queryId,
    collection: a.collection,
    ranker: { name: reranker.name, version: reranker.version },
    hits: shown.map((h) => {
      const hit = served(h, ranks.get(h.id) ?? {});
      if (promoted.has(h.id)) hit.promoted = true;
      const dropped = collapsed?.get(h.id);
      if (dropped) hit.collapsed = dropped;
      const metres = distanceOf?.(h.payload);
      if (metres !== undefined) hit.distance = metres;
      if (a.highlight) {
        hit.highlights = highlights(analysisOf(), hit.payload, a.highlight, alsoMarked);
        if (a.highlight.snippet) hit.snippets = snippetsOf(hit, a.highlight.snippet);
      }
      return hit;
    }),
    sources: [...sources].sort(),
    notes: a.notes,
    timings: timer.timings,
    ...(Object.keys(timer.plans).length ? { plans: timer.plans } : {}),
    ...(a.facets?.fields.length
      ? { facets: countFacets(candidates, a.facets.fields, a.facets.size, facetCandidates) }
      : {}),
    ...(corrections.length > 0 ? { corrections } : {}),
    ...(curation ? { curation } : {}),
  };
  // A request answered 504 logs no impression: nobody was shown this list.
  signal?.throwIfAborted();
  if (a.logImpression !== false) {
    await timer.time('log', () =>
      logImpression(deps, {
        collection: a.collection,
        userId: a.userId,
        queryId,
        reranker,
        ctx: a.ctx,
        candidates,
        hits: shown,
        offset,
        swapped: swap.swapped,
        ...(a.queryText !== undefined ? { query: a.queryText } : {}),
        ...(a.text && !sources.has('bm25') ? { noLexicalMatch: true } : {}),
        // A rule's order is the merchandiser's: its clicks still read relevance, but credit no ranker.
        ...(curation
          ? { order: `curated:${curation.rule}` }
          : sorted
            ? { order: sortedTag(a.sort!) }
            : {}),
      }),
    );
  }
  response.timings = timer.timings;
  return response;
}

function served(h: RankedHit, sources: Record<string, { rank: number }>): ServedHit {
  const ranks: Record<string, number> = {};
  for (const [s, p] of Object.entries(sources)) ranks[s] = p.rank;
  const { ranker: _ranker, ...explanation } = h.explanation;
  return {
    id: h.id,
    score: h.score,
    payload: publicPayload(h.payload),
    explanation: { ...explanation, ranks },
  };
}
