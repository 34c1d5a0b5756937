// `import { openChorus } from 'chorus'`: Chorus embedded in a Node program (the HTTP client is 'chorus/client').
export { openChorus, type EmbeddedChorus, type OpenChorusOptions } from './library/open-chorus.js';
export { ChorusError, type ErrorCode } from './errors.js';
export type { ChorusConfig, ConfigInput } from './config.js';
export type {
  CollectionSchema,
  CollectionSchemaInput,
  VectorSpec,
  PayloadFieldType,
} from './domain/collection.js';
export type { Item, Payload, JsonValue } from './domain/item.js';
export type { FeedbackEvent, FeedbackEventInput, FeedbackType } from './domain/feedback.js';
export type { Filter, Condition } from './domain/filter.js';
export type { GeoPoint } from './domain/geo.js';
export type { FacetFilters } from './domain/facet-filters.js';
export type { LexicalLanguage } from './domain/lexical-languages.js';
export type { SortKey } from './domain/sort-keys.js';
export type { CollectionRanking, StoredRanking } from './domain/ranking-defaults.js';
export type { Explanation, RankedHit } from './domain/candidate.js';
export type { ItemWrite } from './engine/items.js';
export type { SearchRequest } from './engine/search.js';
export type { RecommendRequest } from './engine/recommend.js';
export type { QueryInput } from './engine/query-encoding.js';
export type { RankedResponse } from './engine/two-stage.js';
export type { IngestResult } from './feedback/ingest.js';
export type { TrainRequest } from './model-registry/registry.js';
