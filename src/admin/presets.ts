import { z } from 'zod';
import type { SearchDefaults } from '../engine/engine-deps.js';
import type { KvRepo } from '../storage/index.js';
import { RankerSpec } from './api/ranker-spec.js';

/** kv namespaces: named fusion presets, and which preset each collection uses by default. */
export const PRESETS_NS = 'fusion-presets';
export const COLLECTION_PRESET_NS = 'collection-preset';

export const PresetName = z
  .string()
  .regex(/^[\w.-]{1,64}$/, 'preset names are 1-64 letters, digits, _ . -');
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

/**
 * The engine's `searchDefaults` hook: the preset applied to the collection, if any. A preset deleted after being
 * applied, or one that no longer parses, is ignored rather than breaking search.
 */
export function collectionSearchDefaults(
  kv: KvRepo,
  collection: string,
): SearchDefaults | undefined {
  const name = appliedPresetName(kv, collection);
  if (!name) return undefined;
  const parsed = FusionPreset.safeParse(kv.get(PRESETS_NS, name));
  return parsed.success ? parsed.data : undefined;
}
