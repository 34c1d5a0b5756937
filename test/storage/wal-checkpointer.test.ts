import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { FeedbackState } from '../../src/feedback/feedback-state.js';

// The feedback state commits every served impression on the event loop. Its WAL checkpoints (copying the WAL into
// the database file, two fsyncs) now run on a helper thread; the event-loop connection checkpoints only as a
// backstop, or again once the thread has stopped.

const dirs: string[] = [];
const open: FeedbackState[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) {
    await s.stopCheckpoints();
    s.close();
  }
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function newState(): { file: string; state: FeedbackState } {
  const dir = mkdtempSync(path.join(tmpdir(), 'chorus-wal-cp-'));
  dirs.push(dir);
  const file = path.join(dir, 'state.sqlite');
  const state = new FeedbackState(file);
  open.push(state);
  return { file, state };
}

const size = (f: string) => statSync(f, { throwIfNoEntry: false })?.size ?? 0;

const PAD = 'x'.repeat(180);
const idOf = (round: number, b: number, i: number) => `r${round}-b${b}-i${i}-${PAD}`;

/** ~2,000 WAL pages (over SQLite's 1,000-page auto-checkpoint) in 60 commits of 500 new counter rows each. */
function writeMany(state: FeedbackState, round: number): void {
  for (let b = 0; b < 60; b++) {
    state.batch(() => {
      for (let i = 0; i < 500; i++) state.bumpStats('c', idOf(round, b, i), { impressions: 1 });
    });
  }
}

/** Waits (bounded) until `ok` holds; the thread works on its own schedule. */
async function until(ok: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('feedback state: WAL checkpoints on a helper thread', () => {
  it('with the thread up, the writing connection leaves the WAL to it past the 1,000-page auto-checkpoint', async () => {
    const { file, state } = newState();
    // A thread that never gets to its first look: only the writing connection could checkpoint here.
    const cp = state.checkpointOffThread({ intervalMs: 3_600_000 })!;
    expect(await cp.ready).toBe(true);
    await until(() => cp.running, 'the thread');
    const before = size(file);
    writeMany(state, 0);
    expect(size(`${file}-wal`)).toBeGreaterThan(1_200 * 4096);
    // Nothing was copied into the database file: no checkpoint ran on this (the event loop's) connection.
    expect(size(file)).toBe(before);
    expect(state.itemStats('c', [idOf(0, 59, 499)]).get(idOf(0, 59, 499))).toEqual({
      impressions: 1,
      clicks: 0,
      engagement: 0,
    });
  });

  it('the thread copies what was committed into the database file, and a reader on a fresh connection sees it all', async () => {
    const { file, state } = newState();
    const cp = state.checkpointOffThread({ intervalMs: 10 })!;
    expect(await cp.ready).toBe(true);
    const before = size(file);
    writeMany(state, 1);
    // The file grows during the copy; the thread reports once it is done.
    await until(
      () => cp.stats.runs > 0 && size(file) > before + 1_000 * 4096,
      'the checkpoint to reach the database file',
    );
    expect(cp.stats.errors).toBe(0);
    const reader = new Database(file, { readonly: true });
    try {
      expect(reader.prepare('SELECT count(*) AS n FROM item_stats').get()).toEqual({ n: 30_000 });
    } finally {
      reader.close();
    }
  });

  it('once the thread stops, the writing connection checkpoints again, and closing last removes the WAL', async () => {
    const { file, state } = newState();
    const cp = state.checkpointOffThread({ intervalMs: 3_600_000 })!;
    expect(await cp.ready).toBe(true);
    await state.stopCheckpoints();
    expect(cp.running).toBe(false);
    const before = size(file);
    writeMany(state, 2);
    // SQLite's own auto-checkpoint (1,000 pages) ran during the writes.
    expect(size(file)).toBeGreaterThan(before + 500 * 4096);
    open.splice(open.indexOf(state), 1);
    state.close();
    expect(existsSync(`${file}-wal`)).toBe(false);
    const again = new FeedbackState(file);
    try {
      expect(again.itemStats('c', [idOf(2, 0, 0)]).get(idOf(2, 0, 0))).toEqual({
        impressions: 1,
        clicks: 0,
        engagement: 0,
      });
    } finally {
      again.close();
    }
  });

  // Regression (the built CLI exited 13 after every command): close() awaited the exit of an unref'd thread, and a
  // process with nothing else pending ended first ("unsettled top-level await").
  it('a process whose last await is stopping the thread exits 0 once it has stopped', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chorus-wal-cp-exit-'));
    dirs.push(dir);
    const script = path.join(dir, 'close-last.mts');
    const source = pathToFileURL(
      path.resolve(import.meta.dirname, '../../src/feedback/feedback-state.ts'),
    );
    writeFileSync(
      script,
      `import { FeedbackState } from ${JSON.stringify(source.href)};\n` +
        `const state = new FeedbackState(${JSON.stringify(path.join(dir, 'state.sqlite'))});\n` +
        `state.checkpointOffThread();\n` +
        `await state.stopCheckpoints();\n` +
        `state.close();\n` +
        `console.log('closed');\n`,
    );
    const r = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
      const child = execFile(
        process.execPath,
        ['--import', 'tsx', script],
        { timeout: 120_000 },
        (_e, stdout) => resolve({ code: child.exitCode, stdout }),
      );
    });
    expect(r).toEqual({ code: 0, stdout: 'closed\n' });
  }, 180_000);

  it('an in-memory state has no thread to start', () => {
    const state = new FeedbackState(':memory:');
    try {
      expect(state.checkpointOffThread()).toBeUndefined();
    } finally {
      state.close();
    }
  });
});
