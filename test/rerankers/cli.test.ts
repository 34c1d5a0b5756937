import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildChorus } from '../../src/app/build.js';
import { parseConfig } from '../../src/config.js';
import { LiveReranker } from '../../rerankers/live-reranker.js';
import { ModelRegistry } from '../../src/model-registry/registry.js';
import { generateMultimodalWorld } from '../../rerankers/simulation/multimodal-world.js';
import { simulateTraffic } from '../../rerankers/simulation/simulate-traffic.js';
import { openChorusDb } from '../../src/storage/index.js';
import { runChorus, type CliResult } from '../support/cli.js';

let dir: string;

/** Runs the real CLI (the built dist) against the temp data dir, without loading any encoder model. */
// Each spawn's budget (runChorus allows 300 s): a start on a loaded CI machine can take many seconds.
const SPAWN_MS = 300_000;

function chorus(...args: string[]): Promise<CliResult> {
  return runChorus(['--data-dir', dir, ...args], {
    env: { ...process.env, CHORUS_MODELS__ENABLED: '', CHORUS_LOG_LEVEL: 'silent' },
  });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'chorus-cli-models-'));
  const built = await buildChorus(parseConfig({ dataDir: dir, logLevel: 'silent' }), {
    encoders: 'none',
    indexMaintenance: 'inline',
  });
  await built.engine.createCollection({
    name: 'docs',
    vectors: { text: { modality: 'text', dim: 4 } },
    payloadIndexes: { title: 'text' },
  });
  const words = ['red shoes', 'blue shirt', 'green hat', 'red hat', 'blue shoes', 'green shirt'];
  await built.engine.upsertItems(
    'docs',
    words.map((w, i) => ({ id: `d${i}`, payload: { title: w }, vectors: { text: [i, 1, 0, 0] } })),
  );
  await built.close();
  // Logged traffic (features as served) for the `shop` collection.
  const db = openChorusDb(dir);
  const live = new LiveReranker(new ModelRegistry({ db, dataDir: dir }), { pollMs: 0 });
  db.events.append(
    await simulateTraffic(generateMultimodalWorld({ queries: 60, seed: 2 }), live, {
      collection: 'shop',
      sessions: 800,
      seed: 2,
    }),
  );
  db.close();
  writeFileSync(
    path.join(dir, 'qrels.tsv'),
    'query\titem\tgrade\nred\td0\t2\nred\td3\t1\nshirt\td1\t1\nshirt\td5\t2\n',
  );
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('chorus train / models / eval', () => {
  it(
    'trains, lists, promotes and rolls back from the command line',
    async () => {
      const trained = await chorus('train', '--collection', 'shop', '--epochs', '5', '--json');
      expect(trained.code).toBe(0);
      const rec = JSON.parse(trained.stdout);
      expect(rec.version).toBe('v1');
      expect(rec.metrics.validationLists).toBeGreaterThan(0);
      // The guard decides on held-out queries; when it refuses, the exit code is 1 and --force overrides.
      const guarded = await chorus('models', 'promote', 'v1', '--collection', 'shop');
      if (guarded.code !== 0) {
        expect(guarded.code).toBe(1);
        expect(guarded.stderr).toMatch(/not better than the serving rrf/);
        const forced = await chorus('models', 'promote', 'v1', '--collection', 'shop', '--force');
        expect(forced.stdout).toMatch(/promoted v1 .*forced past the guard/);
      } else expect(guarded.stdout).toMatch(/promoted v1/);
      const db = openChorusDb(dir);
      expect(db.models.list('shop').map((m) => [m.version, m.status])).toEqual([
        ['v1', 'promoted'],
      ]);
      db.close();
      expect((await chorus('models', 'rollback', '--collection', 'shop')).stdout).toMatch(
        /v1 -> baseline/,
      );
      const bad = await chorus('train', '--collection', 'empty');
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/not enough logged feedback/);
    },
    6 * SPAWN_MS,
  );

  it(
    'evaluates rankers on judgments',
    async () => {
      const r = await chorus(
        'eval',
        '--collection',
        'docs',
        '--qrels',
        path.join(dir, 'qrels.tsv'),
        '--fusion',
        'rrf,noop',
        '--json',
      );
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.results.rrf.queries).toBe(2);
      expect(out.results.rrf.ndcg).toBeGreaterThan(0.5);
      expect(out.results.rrf.coverage).toBeGreaterThan(0);
      expect(out.results.rrf.coverage).toBeLessThanOrEqual(1);
    },
    SPAWN_MS + 60_000,
  );
});
