import { Router } from 'express';
import { z } from 'zod';
import { ChorusError } from '../../errors.js';
import type { AdminDeps } from '../admin-deps.js';
import {
  applyPreset,
  appliedPresetName,
  FusionPreset,
  listPresets,
  PRESETS_NS,
  PresetName,
  savePreset,
} from '../../storage/fusion-presets.js';
import { CollectionName } from '../../domain/names.js';

/** Named fusion presets (kv) and applying one to a collection, which the engine then uses by default. */
export function createPresetsRouter(deps: AdminDeps): Router {
  const router = Router();
  const kv = deps.db.kv;
  router.get('/admin/api/presets', (req, res) => {
    const { collection } = z.object({ collection: CollectionName.optional() }).parse(req.query);
    res.json({
      presets: listPresets(kv),
      applied: collection ? (appliedPresetName(kv, collection) ?? null) : null,
    });
  });
  router.put('/admin/api/presets/:name', (req, res) => {
    const name = PresetName.parse(req.params.name);
    savePreset(kv, name, FusionPreset.parse(req.body ?? {}));
    res.json({ name, saved: true });
  });
  router.delete('/admin/api/presets/:name', (req, res) => {
    const name = PresetName.parse(req.params.name);
    res.json({ name, deleted: kv.delete(PRESETS_NS, name) });
  });
  router.put('/admin/api/collections/:collection/preset', async (req, res) => {
    const collection = CollectionName.parse(req.params.collection);
    const { name } = z
      .object({ name: PresetName.nullable() })
      .strict()
      .parse(req.body ?? {});
    await deps.engine.getCollection(collection);
    if (name !== null && kv.get(PRESETS_NS, name) === undefined)
      throw new ChorusError('NOT_FOUND', `no preset named ${name}`);
    applyPreset(kv, collection, name);
    res.json({ collection, preset: name });
  });
  return router;
}
