// Parsing and printing for `chorus collection`; loaded when the command runs (it needs the zod schemas).
import type {
  CollectionSchema,
  CollectionSchemaInput,
  PayloadFieldType,
} from '../../domain/collection.js';
import { PayloadFieldType as PayloadFieldTypeSchema } from '../../domain/collection.js';
import { Distance } from '../../domain/modality.js';
import { ChorusError } from '../../errors.js';

/** `name:dim[:distance[:modelId]]`, e.g. `text:384:cosine:Xenova/all-MiniLM-L6-v2`. */
export function parseVectorFlag(flag: string): [string, CollectionSchemaInput['vectors'][string]] {
  const [name, dimText, distance, ...model] = flag.split(':');
  const dim = Number(dimText);
  if (!name || !Number.isInteger(dim) || dim < 1) {
    throw new ChorusError(
      'BAD_REQUEST',
      `--vector ${JSON.stringify(flag)}: expected name:dim[:cosine|dot|l2[:modelId]]`,
    );
  }
  if (distance !== undefined && !Distance.safeParse(distance).success) {
    throw new ChorusError(
      'BAD_REQUEST',
      `--vector ${JSON.stringify(flag)}: distance must be cosine, dot or l2`,
    );
  }
  const base = name.split('_')[0]!;
  const modality = base === 'image' || base === 'audio' || base === 'cf' ? base : 'text';
  return [
    name,
    {
      modality,
      dim,
      ...(distance ? { distance: distance as Distance } : {}),
      ...(model.length ? { modelId: model.join(':') } : {}),
    },
  ];
}

/** `field:type` with type keyword|integer|float|bool|text|datetime. */
export function parseIndexFlag(flag: string): [string, PayloadFieldType] {
  const [field, type] = flag.split(':');
  const parsed = PayloadFieldTypeSchema.safeParse(type);
  if (!field || !parsed.success) {
    throw new ChorusError(
      'BAD_REQUEST',
      `--index ${JSON.stringify(flag)}: expected field:${PayloadFieldTypeSchema.options.join('|')}`,
    );
  }
  return [field, parsed.data];
}

export function describeCollection(c: CollectionSchema): string {
  const vectors = Object.entries(c.vectors)
    .map(([n, v]) => `${n}:${v.dim}:${v.distance}${v.modelId ? `:${v.modelId}` : ''}`)
    .join(' ');
  const indexes = Object.entries(c.payloadIndexes)
    .map(([f, t]) => `${f}:${t}`)
    .join(' ');
  return `${c.name}\tvectors ${vectors}${indexes ? `\tindexes ${indexes}` : ''}`;
}
