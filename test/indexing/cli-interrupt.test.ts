import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IndexSummary } from '../../src/indexing/index-run.js';
import { writeTestCorpus } from './support/corpus.js';
import { childEnv, readStored, runIndexChild } from './support/resume-scenario.js';

const work = mkdtempSync(path.join(tmpdir(), 'chorus-cli-index-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
// Every case spawns `chorus index` (built CLI + tiny models), slow on a loaded CI machine: generous limits.
const SPAWN_MS = 300_000;
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!) as IndexSummary;

describe('chorus index command line', () => {
  it(
    'exits 2 on bad usage, before loading any model',
    async () => {
      const env = childEnv(path.join(work, 'usage-data'));
      writeFileSync(path.join(work, 'notes.txt'), 'x');
      const cases: [string[], RegExp][] = [
        [[path.join(work, 'missing-dir'), '--collection', 'c'], /input not found/],
        [
          [path.join(work, 'notes.txt'), '--collection', 'c'],
          /directory, a \.jsonl manifest or a \.csv/,
        ],
        [[work, '--collection', 'bad name!'], /invalid collection name/],
      ];
      for (const [args, message] of cases) {
        const r = await runIndexChild(args, env);
        expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
        expect(r.stderr).toMatch(message);
      }
    },
    3 * SPAWN_MS,
  );

  it(
    'Ctrl-C stops after the batches in flight, records them, exits 130; a rerun finishes without redoing them',
    async () => {
      const corpus = await writeTestCorpus(path.join(work, 'input'), {
        texts: 120,
        images: 4,
        audios: 2,
        outside: path.join(work, 'outside'),
      });
      const dataDir = path.join(work, 'data');
      const env = childEnv(dataDir);
      const args = [
        corpus.dir,
        '--collection',
        'ctrlc',
        '--batch-size',
        '4',
        '--concurrency',
        '2',
        '--progress-interval',
        '50',
        '--json',
      ];
      const first = await runIndexChild(args, env, 0.3, 'SIGINT');
      expect(first.killedAt, first.stderr).toBeGreaterThan(0);
      expect(first.code, first.stderr).toBe(130);
      expect(first.stderr).toContain('stopping after the batches in flight');
      const s1 = lastJson(first.stdout);
      expect(s1.interrupted).toBe(true);
      const before = await readStored(dataDir, 'ctrlc');
      // Graceful: every item in the store is accounted for in the checkpoint, and nothing accounted is missing.
      expect(before.count).toBe(s1.indexed);
      expect(s1.indexed + s1.failed).toBeLessThan(s1.total);

      const second = await runIndexChild(args, env);
      const s2 = lastJson(second.stdout);
      expect(second.code).toBe(1); // the corpus has bad files
      expect(s2).toMatchObject({
        resumed: true,
        interrupted: false,
        total: s1.total,
        failed: corpus.bad.size,
      });
      expect(s2.resumedItems).toBe(s1.indexed + s1.skipped + s1.failed);
      expect(s2.encoded).toBeLessThanOrEqual(
        corpus.goodIds.length - before.count + corpus.bad.size,
      );
      const after = await readStored(dataDir, 'ctrlc');
      expect(after.count).toBe(corpus.goodIds.length);
      for (const [id, t] of before.indexedAt) expect(after.indexedAt.get(id)).toBe(t);
    },
    2 * SPAWN_MS,
  );
});
