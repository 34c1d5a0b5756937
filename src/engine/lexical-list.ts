import type { Filter } from '../domain/filter.js';
import type { PayloadFieldType } from '../domain/collection.js';
import type { Payload } from '../domain/item.js';
import type { LexicalExpansion, LexicalIndex } from '../domain/lexical.js';
import type { VectorStore } from '../stores/vector-store.js';
import { payloadTest } from './filter-match.js';

export interface LexicalListDeps {
  store: Pick<VectorStore, 'get' | 'matchingIds'>;
  bm25: Pick<LexicalIndex, 'searchAsync'>;
}

export interface LexicalListHit {
  id: string;
  score: number;
  payload: Payload;
}

/** Rounds of deepening (each reads only unchecked ids); past MAX_DEPTH checked, a list may return fewer than k. */
const MAX_ROUNDS = 6;
/** Never plan a round deeper than this (a filter matching ~nothing should not read the whole index). */
const MAX_DEPTH = 20_000;
/** Ids a filter may resolve to and still be pushed into the index (each is a lookup there). */
const MAX_PUSHED_IDS = 5_000;

/**
 * The BM25 list with its payloads. The lexical index holds no payloads, so a filter is checked on the store's
 * payloads, and the index is told which ids were already checked (pushed down as `exclude`), so each round reads
 * the next-best unchecked documents: results stay exactly the filtered top-k in score order, and the depth of
 * the next round follows the pass rate seen so far instead of a fixed multiple. An id the store no longer has
 * (a crash between the two writes) is skipped.
 */
export async function lexicalList(
  deps: LexicalListDeps,
  collection: string,
  text: string,
  k: number,
  opts: {
    filter?: Filter;
    /** The collection's payload indexes: how the rounds read each field the filter names (see payloadTest). */
    payloadIndexes: Readonly<Record<string, PayloadFieldType>>;
    exclude?: ReadonlySet<string>;
    signal?: AbortSignal;
    /** Synonyms to score beside the text's terms. */
    expand?: LexicalExpansion;
    /** The text's last word may be the start of a word (search as you type). */
    prefix?: boolean;
    /** Checked on each hit's payload like the filter (a query's phrases and exclusions). */
    accept?: (payload: Payload) => boolean;
  },
): Promise<LexicalListHit[]> {
  const { filter } = opts;
  const passes = filter && payloadTest(filter, opts.payloadIndexes);
  // A selective filter the store can resolve in memory goes into the index as the ids allowed: one exact read.
  const only = filter
    ? await deps.store.matchingIds?.(collection, filter, MAX_PUSHED_IDS)
    : undefined;
  const out: LexicalListHit[] = [];
  // Ids the caller excludes (the item itself, seen items) are never scored either.
  const checked = new Set<string>(opts.exclude);
  const excluded = checked.size;
  let depth = filter || opts.accept ? k * 2 : k;
  for (let round = 0; round < MAX_ROUNDS && out.length < k; round++) {
    opts.signal?.throwIfAborted(); // each round is a scan and a store read: none after the caller gave up
    const hits = await deps.bm25.searchAsync(collection, text, depth, {
      ...(only ? { only } : {}),
      ...(checked.size > 0 ? { exclude: checked } : {}),
      ...(opts.expand ? { expand: opts.expand } : {}),
      ...(opts.prefix ? { prefix: true } : {}),
    });
    if (hits.length === 0) break;
    const items = await deps.store.get(
      collection,
      hits.map((h) => h.id),
      { signal: opts.signal },
    );
    const payloads = new Map<string, Payload>();
    for (const i of items) payloads.set(i.id, i.payload);
    for (const h of hits) {
      checked.add(h.id);
      const payload = payloads.get(h.id);
      if (!payload || (passes && !passes(payload)) || (opts.accept && !opts.accept(payload)))
        continue;
      if (out.length < k) out.push({ id: h.id, score: h.score, payload });
    }
    if (hits.length < depth) break; // the index has no more matches
    const passRate = Math.max(out.length / (checked.size - excluded), 1 / 64);
    // Sized from the pass rate, at least doubling (a rate measured on the best-scoring documents may not hold
    // further down), and the last round reads as deep as allowed.
    const planned = Math.max(depth * 2, Math.ceil(((k - out.length) / passRate) * 1.25) + 8);
    depth = round === MAX_ROUNDS - 2 ? MAX_DEPTH : Math.min(MAX_DEPTH, planned);
  }
  return out;
}
