/** Search analytics: what people search for and where search fails them (read from the logged searches). */
export interface QueryStat {
  /** The query's words as curation rules compare them (case, width and punctuation aside). */
  query: string;
  searches: number;
  /** Searches that found nothing. */
  noResults: number;
  /** Searches whose text no BM25 document matched (only the vectors answered): candidates for synonyms. */
  noTextMatch: number;
  /** Of the searches with results, those with at least one click. */
  clicked: number;
  /** clicked / (searches - noResults); 0 when every search found nothing. */
  ctr: number;
  /** Mean 1-based position of its searches' clicks; null without clicks. */
  clickPosition: number | null;
  /** Of the searches with results, those followed by a purchase naming their query id. */
  converted: number;
  /** converted / (searches - noResults). */
  conversionRate: number;
}

export interface QueryReport {
  days: number;
  /** Text searches logged in the window (of the newest MAX_EVENTS events). */
  searches: number;
  /** Share of them that found nothing. */
  noResultRate: number;
  /** Most searched first. */
  top: QueryStat[];
  /** Queries that found nothing at least once, most often first. */
  noResults: QueryStat[];
  /** Queries no BM25 document matched at least once (vectors answered alone), most often first. */
  noTextMatch: QueryStat[];
  /** Queries with at least `minSearches` searches with results, lowest click-through first. */
  lowCtr: QueryStat[];
}

/** The analytics port: a collection's query report over the last `days` (top `size` per list). */
export type SearchAnalytics = (
  collection: string,
  o: { days?: number; size?: number; minSearches?: number },
) => QueryReport;
