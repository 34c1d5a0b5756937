/**
 * The stage-2 rankers a request may name (`fusion`): the baseline fusions and `model` (the promoted learned
 * reranker, the collection preset until one is promoted). Kept free of zod so the CLI can offer them as choices
 * without loading it; the API's `FusionName` schema is built from the same list.
 */
export const FUSION_NAMES = ['rrf', 'weighted', 'dbsf', 'noop', 'shuffle', 'model'] as const;
export type FusionNameValue = (typeof FUSION_NAMES)[number];
