import { z } from 'zod';
import {
  PresetName,
  RankerSpec,
  specOf,
  type CollectionRanking,
  type RankingDefaultsStore,
  type StoredRanking,
} from '../domain/ranking-defaults.js';
import { ChorusError } from '../errors.js';
import type { KvRepo } from './kv-repo.js';

export { PresetName } from '../domain/ranking-defaults.js';

/** kv namespaces: named fusion presets, and which preset each collection uses by default. */
export const PRESETS_NS = 'fusion-presets';
export const COLLECTION_PRESET_NS = 'collection-preset';

export const FusionPreset = RankerSpec;
export type FusionPreset = z.infer<typeof FusionPreset>;

export function listPresets(
  kv: KvRepo,
): { name: string; preset: FusionPreset; updatedAt: number }[] {
  return kv
    .list<FusionPreset>(PRESETS_NS)
    .map((r) => ({ name: r.key, preset: r.value, updatedAt: r.updatedAt }));
}

export function savePreset(kv: KvRepo, name: string, preset: FusionPreset): void {
  kv.set(PRESETS_NS, PresetName.parse(name), FusionPreset.parse(preset));
}

/** Applies a preset to a collection (null clears it: the engine's config defaults apply again). */
export function applyPreset(kv: KvRepo, collection: string, name: string | null): void {
  if (name === null) kv.delete(COLLECTION_PRESET_NS, collection);
  else kv.set(COLLECTION_PRESET_NS, collection, PresetName.parse(name));
}

export function appliedPresetName(kv: KvRepo, collection: string): string | undefined {
  return kv.get<string>(COLLECTION_PRESET_NS, collection);
}

/** A stored preset's settings; undefined when there is none (or it no longer parses). */
function presetOf(kv: KvRepo, name: string): FusionPreset | undefined {
  const parsed = FusionPreset.safeParse(kv.get(PRESETS_NS, name));
  return parsed.success ? parsed.data : undefined;
}

/**
 * The engine's `searchDefaults` hook: the preset applied to the collection, if any. A preset deleted after being
 * applied, or one that no longer parses, is ignored rather than breaking search.
 */
export function collectionSearchDefaults(kv: KvRepo, collection: string): FusionPreset | undefined {
  const name = appliedPresetName(kv, collection);
  return name ? presetOf(kv, name) : undefined;
}

/** Key order and absent knobs aside, whether two presets rank alike. */
const samePreset = (a: FusionPreset, b: FusionPreset) =>
  JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
function canonical(p: FusionPreset): unknown {
  const weights = p.weights
    ? Object.fromEntries(Object.entries(p.weights).sort(([x], [y]) => (x < y ? -1 : 1)))
    : undefined;
  return [p.fusion, weights, p.rrfK, p.candidates];
}

/** Each collection's default ranking through the presets the admin UI keeps (see CollectionRanking). */
export class KvRankingDefaults implements RankingDefaultsStore {
  constructor(private readonly kv: KvRepo) {}

  get(collection: string): StoredRanking {
    const name = appliedPresetName(this.kv, collection);
    const preset = name ? presetOf(this.kv, name) : undefined;
    return name && preset ? { preset: name, ...preset } : { preset: null };
  }

  check(collection: string, ranking: CollectionRanking): void {
    const spec = specOf(ranking);
    const name = this.nameFor(collection, ranking);
    if (name === null) return;
    const stored = presetOf(this.kv, name);
    if (Object.keys(spec).length === 0) {
      if (!stored) throw new ChorusError('NOT_FOUND', `no preset named ${name}`, { preset: name });
      return;
    }
    if (!stored || samePreset(stored, spec)) return;
    // Changing a preset would silently change the ranking of every other collection that defaults to it.
    const others = this.kv
      .list<string>(COLLECTION_PRESET_NS)
      .filter((r) => r.value === name && r.key !== collection)
      .map((r) => r.key);
    if (others.length > 0)
      throw new ChorusError(
        'CONFLICT',
        `preset ${name} is also the default of ${others.join(', ')} with other settings: give this one another name`,
        { preset: name, collections: others },
      );
  }

  replace(collection: string, ranking: CollectionRanking): StoredRanking {
    this.check(collection, ranking);
    const name = this.nameFor(collection, ranking);
    const spec = specOf(ranking);
    if (name !== null && Object.keys(spec).length > 0) savePreset(this.kv, name, spec);
    applyPreset(this.kv, collection, name);
    return this.get(collection);
  }

  drop(collection: string): void {
    applyPreset(this.kv, collection, null);
  }

  /** The preset a write names: its own, else (with settings) the collection's name; null clears. */
  private nameFor(collection: string, ranking: CollectionRanking): string | null {
    if (ranking.preset !== undefined && ranking.preset !== null) return ranking.preset;
    if (Object.keys(specOf(ranking)).length === 0) return null;
    if (ranking.preset === null)
      throw new ChorusError(
        'VALIDATION',
        'preset null clears the default ranking: leave the settings out, or name the preset',
      );
    return collection;
  }
}
