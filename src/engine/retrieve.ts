import type { Candidate } from '../domain/candidate.js';
import type { PayloadFieldType } from '../domain/collection.js';
import type { Filter } from '../domain/filter.js';
import type { Payload } from '../domain/item.js';
import type { LexicalExpansion, LexicalIndex } from '../domain/lexical.js';
import type { VectorStore } from '../stores/vector-store.js';
import { lexicalList } from './lexical-list.js';
import type { StageTimer } from './stage-timer.js';

export interface RetrieveDeps {
  store: VectorStore;
  bm25: LexicalIndex;
}

export interface RetrieveArgs {
  collection: string;
  /** One ANN list per entry. */
  vectors: Map<string, Float32Array>;
  /** Text for the BM25 list (omit to skip it). */
  text?: string;
  /** Synonyms the BM25 list scores beside the text's terms. */
  expand?: LexicalExpansion;
  /** The text's last word may be the start of a word (search as you type). */
  prefix?: boolean;
  /** A test every candidate's payload must pass, whichever list found it (a query's phrases and exclusions). */
  accept?: (payload: Payload) => boolean;
  filter?: Filter;
  /** The collection's payload indexes: how the filter reads each field where a list checks payloads itself. */
  payloadIndexes: Readonly<Record<string, PayloadFieldType>>;
  /** Top-K per list. */
  k: number;
  /** Ids that may not appear (the item itself for more-like-this, seen items). */
  exclude?: ReadonlySet<string>;
  /** Lists the caller already ranked (the popular items of a cold start), filter applied: joined as they are. */
  lists?: ReadonlyMap<string, readonly { id: string; score: number; payload: Payload }[]>;
  signal?: AbortSignal;
}

/** The deepest vector search the stores take (checkK). */
const MAX_LIST_DEPTH = 10_000;

/** How much deeper to read a list when the caller excludes or filters outside the list's own search. */
const overfetch = (k: number, excluded: number) => Math.min(k + excluded, k * 4 + 16);

/**
 * Stage 1: one ANN search per vector name with the filter pushed down to the store, plus a BM25 list whose
 * candidates are filtered on their payloads; the union keeps every list's score and rank (provenance).
 */
export async function retrieve(
  deps: RetrieveDeps,
  args: RetrieveArgs,
  timer: StageTimer,
): Promise<Candidate[]> {
  const exclude = args.exclude ?? new Set<string>();
  const byId = new Map<string, Candidate>();
  // Candidates first seen without a payload: a later list's payload fills them (no key count per hit).
  const bare = new Set<Candidate>();
  const add = (
    source: string,
    hits: readonly { id: string; score: number; payload?: Payload }[],
  ) => {
    let rank = 0;
    for (const h of hits) {
      if (exclude.size > 0 && exclude.has(h.id)) continue;
      if (rank >= args.k) break;
      let c = byId.get(h.id);
      if (!c) {
        byId.set(h.id, (c = { id: h.id, payload: h.payload ?? {}, sources: {} }));
        if (!h.payload) bare.add(c);
      } else if (h.payload && bare.delete(c)) c.payload = h.payload;
      c.sources[source] = { source, score: h.score, rank };
      rank++;
    }
  };

  // A text requirement drops vector hits after the search: read twice as deep to keep the lists near k (never past
  // the deepest search a store takes).
  const fetchK = Math.min(MAX_LIST_DEPTH, overfetch(args.k, exclude.size) * (args.accept ? 2 : 1));
  const annLists = [...args.vectors].map(([name, vector]) =>
    timer.time(`ann:${name}`, () =>
      deps.store.search(args.collection, name, vector, fetchK, {
        filter: args.filter,
        signal: args.signal,
        onPlan: (plan) => (timer.plans[name] = plan),
      }),
    ),
  );
  const lexical = args.text?.trim()
    ? timer.time('bm25', () =>
        lexicalList(deps, args.collection, args.text!, args.k, {
          filter: args.filter,
          payloadIndexes: args.payloadIndexes,
          exclude,
          signal: args.signal,
          expand: args.expand,
          prefix: args.prefix,
          accept: args.accept,
        }),
      )
    : Promise.resolve([]);
  const [lexHits, ...found] = await Promise.all([lexical, ...annLists]);
  const annHits = args.accept ? await accepted(deps, args, found, args.accept) : found;
  [...args.vectors.keys()].forEach((name, i) => add(name, annHits[i]!));
  add('bm25', lexHits);
  for (const [name, hits] of args.lists ?? []) add(name, hits);
  return [...byId.values()];
}

type Hit = { id: string; score: number; payload?: Payload };

/** The vector lists' hits that pass `accept`, in order; hits that came without a payload are read in one batch. */
async function accepted(
  deps: RetrieveDeps,
  args: RetrieveArgs,
  lists: Hit[][],
  accept: (payload: Payload) => boolean,
): Promise<Hit[][]> {
  const missing = [...new Set(lists.flat().flatMap((h) => (h.payload ? [] : [h.id])))];
  const read = new Map<string, Payload>();
  if (missing.length > 0)
    for (const item of await deps.store.get(args.collection, missing, { signal: args.signal }))
      read.set(item.id, item.payload);
  return lists.map((hits) =>
    hits.flatMap((h) => {
      const payload = h.payload ?? read.get(h.id);
      return payload !== undefined && accept(payload) ? [{ ...h, payload }] : [];
    }),
  );
}
