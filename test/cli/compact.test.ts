import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { FEEDBACK_STATE_FILE, FeedbackState } from '../../src/feedback/feedback-state.js';
import { Bm25Index, LEXICAL_FILE } from '../../src/lexical/bm25-index.js';
import { openChorusDb, openChorusDbFile } from '../../src/storage/index.js';
import { runChorus } from '../support/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-compact-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Compacted {
  file: string;
  bytesBefore: number;
  bytesAfter: number;
  converted: boolean;
}

describe('chorus compact', () => {
  it('gives back what files from before keep free (pruned events, a dropped collection); refuses while a server has them open', async () => {
    const data = path.join(dir, 'data');
    const run = (...args: string[]) =>
      runChorus(args, { env: { ...process.env, CHORUS_DATA_DIR: data, CHORUS_STORE: 'lancedb' } });
    const none = await run('compact');
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no chorus\.db in .*nothing to compact/);
    // A chorus.db from before incremental auto-vacuum (the setting takes effect on new files only).
    const file = path.join(data, 'chorus.db');
    mkdirSync(data, { recursive: true });
    const legacy = new Database(file);
    legacy.pragma('journal_mode = WAL');
    legacy.exec('CREATE TABLE before_upgrade (x)');
    legacy.close();
    const db = openChorusDbFile(file);
    const day = 86_400_000;
    for (let i = 0; i < 6_000; i += 500)
      db.events.append(
        Array.from({ length: 500 }, (_, k) => ({
          type: 'like' as const,
          eventId: `old${i + k}-${'w'.repeat(80)}`,
          collection: 'shop',
          userId: 'u',
          itemId: 'p0',
        })),
        { now: Date.now() - 100 * day },
      );
    db.close();
    // A dropped collection's BM25 postings leave free pages in lexical.sqlite.
    const lexical = new Bm25Index(path.join(data, LEXICAL_FILE));
    await lexical.upsert(
      'gone',
      Array.from({ length: 3_000 }, (_, i) => ({
        id: `d${i}`,
        text: `word${i} term${i % 97} common text`,
      })),
    );
    await lexical.upsert('kept', [{ id: 'k1', text: 'still here' }]);
    await lexical.dropCollection('gone');
    await lexical.close();
    new FeedbackState(path.join(data, FEEDBACK_STATE_FILE)).close();

    const pruned = await run('feedback', 'prune', '--json');
    expect(pruned.code, pruned.stderr).toBe(0);
    const summary = JSON.parse(pruned.stdout) as Record<string, number>;
    expect(summary).toMatchObject({ deleted: 6_000, bytesReclaimed: 0 });
    expect(summary.bytesFreeInFile).toBeGreaterThan(1_000_000);
    // A running server holds the file open: compact refuses and changes nothing.
    const server = openChorusDb(data);
    try {
      const busy = await run('compact');
      expect(busy.code).toBe(1);
      expect(busy.stderr).toMatch(/open in another process \(a running server\?\): stop it/);
      expect(server.raw.pragma('auto_vacuum', { simple: true })).toBe(0);
    } finally {
      server.close();
    }
    const lexicalBefore = statSync(path.join(data, LEXICAL_FILE)).size;
    const done = await run('compact', '--json');
    expect(done.code, done.stderr).toBe(0);
    const files = (JSON.parse(done.stdout) as { files: Compacted[] }).files;
    expect(files.map((f) => path.basename(f.file))).toEqual([
      'chorus.db',
      FEEDBACK_STATE_FILE,
      LEXICAL_FILE,
    ]);
    const [main, , lex] = files;
    expect(main).toMatchObject({ file, converted: true });
    expect(main!.bytesBefore - main!.bytesAfter).toBeGreaterThanOrEqual(
      summary.bytesFreeInFile! * 0.9,
    );
    expect(lex!.bytesBefore).toBeLessThanOrEqual(lexicalBefore);
    expect(lex!.bytesAfter).toBeLessThan(lex!.bytesBefore / 2);
    const after = openChorusDb(data);
    try {
      expect(after.raw.pragma('auto_vacuum', { simple: true })).toBe(2);
      expect(after.raw.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      after.close();
    }
    const reopened = new Bm25Index(path.join(data, LEXICAL_FILE));
    try {
      expect((await reopened.searchAsync('kept', 'still', 5)).map((h) => h.id)).toEqual(['k1']);
      expect(reopened.count('gone')).toBe(0);
    } finally {
      await reopened.close();
    }
    // The human summary names each file with its sizes.
    const again = await run('compact');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/chorus\.db: [\d.]+ MB -> [\d.]+ MB\n/);
  }, 900_000);
});
