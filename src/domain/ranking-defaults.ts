import { z } from 'zod';

/** A ranker and its fusion knobs: what a preset holds, a playground side runs, a collection defaults to. */
export const RankerSpec = z
  .object({
    fusion: z.enum(['rrf', 'weighted', 'dbsf', 'noop', 'model']).optional(),
    weights: z.record(z.string().max(64), z.number().min(0).max(1000)).optional(),
    rrfK: z.number().int().min(1).max(10_000).optional(),
    candidates: z.number().int().min(1).max(1000).optional(),
  })
  .strict();
export type RankerSpec = z.infer<typeof RankerSpec>;

export const PresetName = z
  .string()
  .regex(/^[\w.-]{1,64}$/, 'preset names are 1-64 letters, digits, _ . -');

/**
 * A collection's default ranking: the named fusion preset its searches use when a request names no ranker. Read, it
 * is the preset's name and settings (`preset: null`: the engine's configured defaults). Written: a name alone
 * applies an existing preset; settings save them under the name (the collection's own name when none is given)
 * and apply it; `preset: null` with no settings clears it.
 */
export const CollectionRanking = RankerSpec.extend({
  preset: PresetName.nullable().optional().meta({
    description:
      'The fusion preset the collection defaults to (null: the configured defaults). With settings beside it, they are saved under this name',
  }),
})
  .strict()
  .meta({ id: 'CollectionRanking' });
export type CollectionRanking = z.infer<typeof CollectionRanking>;

/** The collection's default ranking as stored: the preset applied (or null) and its settings. */
export type StoredRanking = RankerSpec & { preset: string | null };

/** The ranking-defaults port: named presets in a store shared by collections, one applied per collection. */
export interface RankingDefaultsStore {
  get(collection: string): StoredRanking;
  /** Refuses what `replace` would refuse (unknown preset, a preset another collection uses with other settings). */
  check(collection: string, ranking: CollectionRanking): void;
  replace(collection: string, ranking: CollectionRanking): StoredRanking;
  drop(collection: string): void;
}

/** The settings part of a ranking (what a preset holds). */
export function specOf(r: CollectionRanking): RankerSpec {
  const { preset: _preset, ...spec } = r;
  return spec;
}

/**
 * A default ranking in words: `preset tuned (fusion "weighted", weights {...})`, or the configured defaults. Settings
 * without a name are saved under the collection's own.
 */
export function describeRanking(r: CollectionRanking): string {
  const { preset, ...spec } = r;
  const knobs = Object.entries(spec).map(([k, v]) => `${k} ${JSON.stringify(v)}`);
  const settings = knobs.length ? ` (${knobs.join(', ')})` : '';
  if (preset) return `preset ${preset}${settings}`;
  return settings ? `the collection's own preset${settings}` : 'configured defaults (no preset)';
}
