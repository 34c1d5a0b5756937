import { appendFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { IndexSummary } from '../../src/indexing/index-run.js';
import { expectResumedCleanly } from './support/expect-resumed.js';
import {
  childEnv,
  killAndResume,
  readStored,
  runIndexChild,
  type ScenarioOutcome,
} from './support/resume-scenario.js';

describe('chorus index on the in-process queue: kill -9 mid-run, then resume', () => {
  let outcome: ScenarioOutcome | undefined;
  afterAll(() => outcome?.cleanup());

  it('finishes with every good item stored once, bad files reported, nothing stored re-embedded', async () => {
    outcome = await killAndResume();
    expectResumedCleanly(outcome, 'in-process');
  }, 180_000);

  it('a rerun skips unchanged items by content hash and re-embeds only a changed one', async () => {
    const o = outcome!;
    const env = childEnv(o.dataDir);
    const args = [o.corpus.dir, '--collection', 'resume', '--json'];
    const parse = (stdout: string) => JSON.parse(stdout.trim().split('\n').pop()!) as IndexSummary;

    const again = await runIndexChild(args, env);
    const s1 = parse(again.stdout);
    expect(s1.resumed).toBe(false); // the previous run completed: a fresh run over the same input
    expect(s1.indexed).toBe(0);
    expect(s1.skipped).toBe(o.corpus.goodIds.length);
    expect(s1.failed).toBe(o.corpus.bad.size);

    const changed = o.corpus.goodIds.find((id) => id.startsWith('t0'))!;
    appendFileSync(path.join(o.corpus.dir, `${changed}.txt`), ' and a new sentence');
    const before = await readStored(o.dataDir, 'resume');
    const third = await runIndexChild(args, env);
    const s2 = parse(third.stdout);
    expect(s2.indexed).toBe(1);
    expect(s2.skipped).toBe(o.corpus.goodIds.length - 1);
    const after = await readStored(o.dataDir, 'resume');
    expect(after.count).toBe(o.corpus.goodIds.length);
    for (const [id, t] of before.indexedAt) {
      if (id === changed) expect(after.indexedAt.get(id)).toBeGreaterThan(t);
      else expect(after.indexedAt.get(id)).toBe(t);
    }
  }, 180_000);
});
