/** Stage-1 sources the reranker knows: the named vectors plus the lexical list. Order is part of the feature spec. */
export const RANK_SOURCES = [
  'text',
  'image',
  'image_text',
  'audio',
  'audio_text',
  'cf',
  'bm25',
] as const;
export type RankSource = (typeof RANK_SOURCES)[number];

/** Query kinds (one-hot in the query-level features the gate sees). */
export const QUERY_KINDS = ['text', 'image', 'audio', 'vector', 'item', 'user'] as const;
export type QueryKind = (typeof QUERY_KINDS)[number];

/** Modalities a query can carry (flags in the query-level features). */
export const QUERY_MODALITIES = ['text', 'image', 'audio'] as const;
