import type { CollectionSchema } from './collection.js';
import type { Payload } from './item.js';

/** Payload fields indexed for BM25 when the collection declares no `text` payload index. */
export const DEFAULT_TEXT_FIELDS = [
  'title',
  'text',
  'description',
  'caption',
  'transcript',
  'tags',
] as const;

export function textFieldsOf(schema: Pick<CollectionSchema, 'payloadIndexes'>): string[] {
  const declared = Object.entries(schema.payloadIndexes ?? {})
    .filter(([, type]) => type === 'text')
    .map(([field]) => field);
  return declared.length > 0 ? declared : [...DEFAULT_TEXT_FIELDS];
}

/**
 * The text BM25 sees for an item: its text fields joined (arrays of strings, e.g. tags, included); a field of weight
 * w is there w times (BM25F's field weighting by repetition: w times the term frequency and the length).
 */
export function documentText(
  payload: Payload,
  fields: readonly string[],
  weights?: Readonly<Record<string, number>>,
): string {
  const parts: string[] = [];
  for (const f of fields) {
    const v = payload[f];
    const times = weights?.[f] ?? 1;
    for (let t = 0; t < times; t++) {
      if (typeof v === 'string') parts.push(v);
      else if (Array.isArray(v)) for (const x of v) if (typeof x === 'string') parts.push(x);
    }
  }
  return parts.join('\n');
}
