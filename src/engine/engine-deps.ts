import type { Encoder } from '../../indexers/encoder.js';
import type { Reranker } from '../../rerankers/reranker.js';
import type { ChorusConfig } from '../config.js';
import type { FeedbackEvent } from '../domain/feedback.js';
import type { Modality } from '../domain/modality.js';
import type { EventBatcher } from './event-batcher.js';
import type { EventOrigin, FeedbackStatePort } from '../domain/feedback-port.js';
import type { LexicalIndex } from '../domain/lexical.js';
import type { Synonyms } from '../domain/synonyms.js';
import type { Curations } from '../domain/curations.js';
import type { LexicalWeights } from './items.js';
import type { VectorStore } from '../stores/vector-store.js';
import type { QueryLimits } from './cost-limits.js';
import type { QueryRoute } from './query-encoding.js';
import type { WriteJournal } from './write-journal.js';
import type { StageObserver } from './stage-timer.js';
import type { LexicalLanguage } from '../domain/lexical-languages.js';

/** Everything the engine works with; built by the composition root (src/app), never global. */
export interface EngineDeps {
  store: VectorStore;
  bm25: LexicalIndex;
  state: FeedbackStatePort;
  /** Encoders available now (a missing model simply has none). */
  encoders: () => readonly Encoder[];
  /** How to encode a query of each modality and which vectors to search (the encoder registry's routes). */
  queryRoutes?: (modality: Modality) => QueryRoute[];
  /** Rankers by name: the baseline fusions, plus 'model' when a learned model is promoted. */
  rerankers: Pick<Map<string, Reranker>, 'get' | 'keys'>;
  search: ChorusConfig['search'];
  /** Query cost caps (config.limits); defaults when absent. */
  limits?: QueryLimits;
  /** Appends events to the durable log and updates serving state (src/feedback/ingest.ts). */
  ingest: (events: FeedbackEvent[], origin?: EventOrigin) => Promise<unknown>;
  /** Group commit for impressions logged while serving (omit to write them inline). */
  impressions?: EventBatcher;
  observeStage?: StageObserver;
  onLogError?: (e: unknown) => void;
  now?: () => number;
  newId?: () => string;
  /** Durable record of writes between store commit and BM25 update (repaired on restart). */
  journal?: WriteJournal;
  /** Per-collection search defaults (the fusion preset applied in the admin UI); request fields win. */
  searchDefaults?: (collection: string) => SearchDefaults | undefined;
  /** Per-collection synonyms for text queries' BM25 list (absent: none). */
  synonyms?: Synonyms;
  /** Per-collection curations: the first rule matching a text query promotes and hides its items (absent: none). */
  curations?: Curations;
  /** The collection's BM25 field weights, read at each write (absent: every field weighs 1). */
  lexicalWeights?: LexicalWeights;
  /**
   * The language the collection's BM25 settings ask for (absent: whatever the index reads): a text search says when
   * the index still reads another one, until the lexical rebuild switches it.
   */
  lexicalLanguage?: (collection: string) => LexicalLanguage;
}

/** Fusion settings a collection can default to (a named preset stored in the kv repo). */
export interface SearchDefaults {
  fusion?: string;
  weights?: Record<string, number>;
  rrfK?: number;
  candidates?: number;
}
