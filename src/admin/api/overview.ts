import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import { itemBatches } from '../../stores/item-batches.js';
import type { VectorStore } from '../../stores/vector-store.js';
import type { AdminDeps } from '../admin-deps.js';
import { appliedPresetName } from '../../storage/fusion-presets.js';

/** Per-vector counts come from a scroll; past this many items the counts are marked as sampled. */
const COUNT_SCAN_LIMIT = 20_000;

interface VectorCounts {
  counts: Record<string, number>;
  scanned: number;
}

async function countVectors(store: VectorStore, collection: string): Promise<VectorCounts> {
  const counts: Record<string, number> = {};
  let scanned = 0;
  for await (const batch of itemBatches(store, collection, { withVectors: true })) {
    for (const item of batch) {
      scanned++;
      for (const name of Object.keys(item.vectors)) counts[name] = (counts[name] ?? 0) + 1;
    }
    if (scanned >= COUNT_SCAN_LIMIT) break;
  }
  return { counts, scanned };
}

export interface ReportedError {
  file: string;
  at: number;
  id?: string;
  path?: string | null;
  code?: string;
  reason?: string;
}

/** The newest lines of `chorus index` error reports (JSONL: id, path, code, reason). */
export function recentErrors(reportDir: string, max = 25): ReportedError[] {
  let files: { name: string; at: number }[];
  try {
    files = readdirSync(reportDir)
      .filter((f) => f.endsWith('.jsonl'))
      .map((name) => ({ name, at: statSync(path.join(reportDir, name)).mtimeMs }))
      .sort((a, b) => b.at - a.at);
  } catch {
    return []; // no report directory yet: nothing has failed
  }
  const out: ReportedError[] = [];
  for (const f of files) {
    for (const line of readFileSync(path.join(reportDir, f.name), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      try {
        out.push({ file: f.name, at: f.at, ...(JSON.parse(line) as object) });
      } catch {
        out.push({ file: f.name, at: f.at, reason: line.slice(0, 300) });
      }
      if (out.length >= max) return out;
    }
  }
  return out;
}

/** GET /admin/api/overview: collections (counts per vector, last indexed, preset, promoted model), errors, queues. */
export function createOverviewRouter(deps: AdminDeps): Router {
  const router = Router();
  // Names, plus what the screens need to pick sensible defaults (no "promoted model" side when none is promoted).
  router.get('/admin/api/collections', async (_req, res) => {
    const schemas = await deps.engine.listCollections();
    res.json({
      collections: schemas.map((s) => s.name),
      details: Object.fromEntries(
        schemas.map((s) => [
          s.name,
          {
            promotedModel: deps.db.models.promoted(s.name)?.version ?? null,
            preset: appliedPresetName(deps.db.kv, s.name) ?? null,
          },
        ]),
      ),
    });
  });
  router.get('/admin/api/overview', async (_req, res) => {
    const schemas = await deps.engine.listCollections();
    const collections = await Promise.all(
      schemas.map(async (s) => {
        const [total, vectors] = await Promise.all([
          deps.engine.store.count(s.name),
          countVectors(deps.engine.store, s.name),
        ]);
        return {
          name: s.name,
          total,
          vectors: Object.fromEntries(
            Object.entries(s.vectors).map(([name, spec]) => [
              name,
              { modality: spec.modality, dim: spec.dim, count: vectors.counts[name] ?? 0 },
            ]),
          ),
          sampled: vectors.scanned < total,
          lastIndexedAt: deps.db.provenance.lastIndexedAt(s.name),
          preset: appliedPresetName(deps.db.kv, s.name) ?? null,
          promotedModel: deps.db.models.promoted(s.name)?.version ?? null,
          events: deps.db.events.count({ collection: s.name }),
          judgedQueries: deps.db.judgments.queries(s.name).length,
        };
      }),
    );
    res.json({
      collections,
      errors: recentErrors(deps.reportDir ?? path.join(deps.config.dataDir, 'reports')),
      queues: {
        backend: deps.queue?.kind ?? (deps.config.redisUrl ? 'bullmq' : 'in-process'),
        url: deps.config.redisUrl ? '/admin/queues' : null,
        counts: deps.queue ? await deps.queue.counts() : null,
      },
    });
  });
  return router;
}
