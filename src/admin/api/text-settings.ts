import { Router } from 'express';
import { z } from 'zod';
import { CollectionName } from '../../domain/names.js';
import type { Engine } from '../../engine/engine.js';
import type { AdminDeps } from '../admin-deps.js';

/** A per-collection setting the tuning screen edits as the text its CLI command reads. */
export interface TextSetting<T extends object> {
  /** The path segment under /admin/api/collections/:collection/. */
  name: string;
  read(engine: Engine, collection: string): Promise<T>;
  /** Parses the text with the CLI's parser (so the box names a bad line as the CLI does) and stores it. */
  write(engine: Engine, collection: string, text: string): Promise<T>;
  format(value: T): string;
}

/** GET and PUT for one text-edited setting: the stored value with its text, and replacing it from text. */
export function createTextSettingRouter<T extends object>(
  deps: AdminDeps,
  setting: TextSetting<T>,
): Router {
  const router = Router();
  const path = `/admin/api/collections/:collection/${setting.name}`;
  const answer = (value: T) => ({ ...value, text: setting.format(value) });
  router.get(path, async (req, res) => {
    const collection = CollectionName.parse(req.params.collection);
    res.json(answer(await setting.read(deps.engine, collection)));
  });
  router.put(path, async (req, res) => {
    const collection = CollectionName.parse(req.params.collection);
    const { text } = z
      .object({ text: z.string().max(2_000_000) })
      .strict()
      .parse(req.body ?? {});
    res.json(answer(await setting.write(deps.engine, collection, text)));
  });
  return router;
}
