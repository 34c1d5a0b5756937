import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChorusDb } from '../../src/storage/index.js';
import { FEEDBACK_STATE_FILE, FeedbackState } from '../../src/feedback/feedback-state.js';
import { LanceDbStore } from '../../src/stores/lancedb-store.js';
import { runChorus, type CliResult } from '../support/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-fb-import-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The real CLI (the built dist, see test/support/cli.ts) against this file's data dir. */
async function chorus(...args: string[]): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CHORUS_DATA_DIR: path.join(dir, 'data'),
    CHORUS_STORE: 'lancedb',
  };
  delete env.QDRANT_URL;
  return runChorus(args, { env });
}

beforeAll(async () => {
  const store = await LanceDbStore.open({ dataDir: path.join(dir, 'data') });
  await store.createCollection({ name: 'shop', vectors: { text: { modality: 'text', dim: 4 } } });
  await store.upsert(
    'shop',
    [0, 1, 2, 3].map((i) => ({
      id: `p${i}`,
      vectors: { text: [0, 1, 2, 3].map((k) => (k === i ? 1 : 0.1)) },
    })),
  );
  await store.close();
});

describe('chorus feedback import', () => {
  it('imports JSON Lines in batches, reports bad lines with their reason, exits 1; a rerun counts duplicates', async () => {
    const file = path.join(dir, 'events.jsonl');
    const ok = [
      {
        type: 'impression',
        eventId: 'i1',
        collection: 'shop',
        queryId: 'q1',
        userId: 'u1',
        items: [
          { id: 'p0', position: 0 },
          { id: 'p1', position: 1 },
        ],
      },
      {
        type: 'click',
        eventId: 'c1',
        collection: 'shop',
        queryId: 'q1',
        userId: 'u1',
        itemId: 'p1',
        position: 1,
      },
      { type: 'purchase', eventId: 'b1', collection: 'shop', userId: 'u1', itemId: 'p1' },
    ];
    const lines = [
      ...ok.map((e) => JSON.stringify(e)),
      '{not json',
      JSON.stringify({ type: 'click', eventId: 'x1', collection: 'nope', itemId: 'p1' }),
      JSON.stringify({ type: 'teleport', eventId: 'x2', collection: 'shop' }),
      JSON.stringify({
        type: 'click',
        eventId: 'x3',
        collection: 'shop',
        itemId: 'p2',
        timestamp: 5,
      }),
      JSON.stringify({ type: 'click', eventId: 'imp_q1', collection: 'shop', itemId: 'p1' }),
    ];
    writeFileSync(file, lines.join('\n') + '\n');
    const first = await chorus('feedback', 'import', file, '--batch', '2', '--json');
    expect(first.code, first.stderr).toBe(1);
    expect(JSON.parse(first.stdout)).toMatchObject({
      lines: 8,
      accepted: 3,
      duplicates: 0,
      rejected: 5,
      errorReport: `${file}.errors.jsonl`,
    });
    expect(first.stderr).toMatch(/2 imported/); // progress per batch
    const report = readFileSync(`${file}.errors.jsonl`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { line: number; eventId?: string; reason: string });
    expect(report.map((r) => r.line)).toEqual([4, 5, 6, 7, 8]);
    expect(report[0]!.reason).toMatch(/not JSON/);
    expect(report[1]).toMatchObject({ eventId: 'x1', reason: expect.stringMatching(/nope/) });
    expect(report[3]!.reason).toMatch(/timestamp/);
    expect(report[4]).toMatchObject({
      eventId: 'imp_q1',
      reason: expect.stringMatching(/reserved/),
    });

    const again = await chorus('feedback', 'import', file, '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ accepted: 0, duplicates: 3, rejected: 5 });
    const db = openChorusDb(path.join(dir, 'data'));
    try {
      expect(db.events.count({ collection: 'shop' })).toBe(3);
    } finally {
      db.close();
    }
  }, 900_000);

  it('imports CSV (impression items as id|id) and exits 0 when every line is good; bad usage exits 2', async () => {
    const file = path.join(dir, 'events.csv');
    writeFileSync(
      file,
      'type,eventId,collection,userId,queryId,itemId,dwellMs,items\nimpression,i9,shop,u2,q9,,,p2|p3\ndwell,d9,shop,u2,q9,p3,1200,\nlike,l9,shop,u2,,p3,,\n',
    );
    const r = await chorus('feedback', 'import', file);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/imported 3 events \(0 already there\), rejected 0 of 3 lines/);
    expect((await chorus('feedback', 'import', path.join(dir, 'missing.jsonl'))).code).toBe(2);
    expect((await chorus('feedback', 'import', file, '--format', 'xml')).code).toBe(2);
    const db = openChorusDb(path.join(dir, 'data'));
    try {
      expect(db.events.count({ collection: 'shop' })).toBe(6);
    } finally {
      db.close();
    }
  }, 900_000);
});

describe('chorus feedback prune', () => {
  it('deletes the events received before the retention window, keeps the rest; a retention of 0 needs a flag', async () => {
    // Its own data dir: the log is in arrival order, the oldest first (as a server appends it).
    const data = path.join(dir, 'prune-data');
    const prune = (...args: string[]) =>
      runChorus(['feedback', 'prune', ...args], {
        env: { ...process.env, CHORUS_DATA_DIR: data, CHORUS_STORE: 'lancedb' },
      });
    const db = openChorusDb(data);
    const day = 86_400_000;
    const old = (n: number) => ({
      type: 'like' as const,
      eventId: `old${n}`,
      collection: 'shop',
      userId: 'u3',
      itemId: 'p0',
    });
    try {
      db.events.append([old(1), old(2)], { now: Date.now() - 100 * day });
      db.events.append([old(3)], { now: Date.now() - 40 * day });
      db.events.append([old(4)], { now: Date.now() - 1 * day });
    } finally {
      db.close();
    }
    // The serving state's idempotency records, applied at the same times.
    const stateFile = path.join(data, FEEDBACK_STATE_FILE);
    for (const [ids, ago] of [
      [['old1', 'old2'], 100],
      [['old3'], 40],
      [['old4'], 1],
    ] as const) {
      const state = new FeedbackState(stateFile, { now: () => Date.now() - ago * day });
      for (const id of ids) expect(state.applyOnce(id, () => {})).toBe(true);
      state.close();
    }
    // Default retention (90 days): only the 100-day-old pair goes.
    const r = await prune('--json');
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ deleted: 2, appliedIdsForgotten: 2, days: 90 });
    const r2 = await prune('--older-than-days', '30');
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.stdout).toMatch(
      /deleted 1 events received before .* \(kept 30 days\); forgot 1 applied event ids/,
    );
    const check = openChorusDb(data);
    try {
      expect(check.events.query({}).map((e) => e.event.eventId)).toEqual(['old4']);
    } finally {
      check.close();
    }
    const state = new FeedbackState(stateFile);
    try {
      // old4 is still recognised as applied; the forgotten ones would apply again.
      expect(['old4', 'old3', 'old1'].map((id) => state.applyOnce(id, () => {}))).toEqual([
        false,
        true,
        true,
      ]);
    } finally {
      state.close();
    }
    expect((await prune('--older-than-days', '0')).code).toBe(2);
    const keepAll = await runChorus(['feedback', 'prune'], {
      env: {
        ...process.env,
        CHORUS_DATA_DIR: data,
        CHORUS_STORE: 'lancedb',
        CHORUS_FEEDBACK__RETENTION_DAYS: '0',
      },
    });
    expect(keepAll.code).toBe(2);
    expect(keepAll.stderr).toMatch(/retentionDays is 0/);
  }, 900_000);
});
