import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LanceDbStore } from '../../src/stores/lancedb-store.js';
import { childEnv, runIndexChild } from '../indexing/support/resume-scenario.js';
import {
  NON_UTF8_TEXT,
  pngBomb,
  smallPng,
  truncatedJpeg,
  wav8,
  wavBadHeader,
  wavClaimsTwoHours,
} from './hostile-inputs.js';
import { snapshotCollection, type StoreSnapshot } from './store-snapshot.js';

const COLL = 'cli-robust';
// Each `chorus index` spawn starts the built CLI and the tiny models: slow on a loaded CI machine, so limits are generous.
const SPAWN_MS = 300_000;

async function snapshot(dataDir: string): Promise<StoreSnapshot> {
  const store = await LanceDbStore.open({ dataDir });
  try {
    return await snapshotCollection(store, COLL);
  } finally {
    await store.close();
  }
}

/**
 * The same hostile corpus through `chorus index` (a real child process, tiny fixture models): bad usage exits 2,
 * bad items exit 1 with one error-report line each (code + reason), and the store is byte-for-byte what it was.
 */
describe('bad input through the CLI (chorus index)', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'chorus-cli-robust-'));
  const dataDir = path.join(work, 'data');
  const root = path.join(work, 'input');
  const env = childEnv(dataDir, { CHORUS_LIMITS__MAX_AUDIO_SECONDS: '600' });
  let before: StoreSnapshot;

  beforeAll(async () => {
    mkdirSync(path.join(root, 'media'), { recursive: true });
    writeFileSync(path.join(work, 'secret.txt'), 'outside the input root');
    writeFileSync(path.join(root, 'media/good.png'), await smallPng(5));
    writeFileSync(
      path.join(root, 'good.jsonl'),
      JSON.stringify({
        id: 'good',
        text: 'a green lamp',
        image: 'media/good.png',
        title: 'O\'Brien "lamp"',
      }) + '\n',
    );
    const first = await runIndexChild([path.join(root, 'good.jsonl'), '--collection', COLL], env);
    expect(first.code, first.stderr).toBe(0);
    before = await snapshot(dataDir);
    expect(before.count).toBe(1);
  }, SPAWN_MS);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it(
    'exits 2 with a message on bad usage, touching nothing',
    async () => {
      const badName = await runIndexChild(
        [path.join(root, 'good.jsonl'), '--collection', "x'; DROP TABLE items; --"],
        env,
      );
      expect(badName.code).toBe(2);
      expect(badName.stderr).toMatch(/invalid collection name/);
      const missing = await runIndexChild(
        [path.join(root, 'nope.jsonl'), '--collection', COLL],
        env,
      );
      expect(missing.code).toBe(2);
      expect(missing.stderr.length).toBeGreaterThan(10);
      expect(await snapshot(dataDir)).toEqual(before);
    },
    2 * SPAWN_MS,
  );

  it(
    'exits 1 with an error report naming every bad item; the store is unchanged',
    async () => {
      const m = path.join(root, 'media');
      writeFileSync(path.join(m, 'cut.jpg'), await truncatedJpeg());
      writeFileSync(path.join(m, 'bomb.png'), pngBomb());
      writeFileSync(path.join(m, 'empty.png'), new Uint8Array(0));
      writeFileSync(path.join(m, 'really-a-wav.jpg'), wav8(1, 8000));
      writeFileSync(path.join(m, 'bad-header.wav'), wavBadHeader());
      writeFileSync(path.join(m, 'liar.wav'), wavClaimsTwoHours());
      writeFileSync(path.join(m, 'two-hours.wav'), wav8(2 * 3600, 1000));
      writeFileSync(path.join(m, 'latin1.txt'), NON_UTF8_TEXT);
      const rows = [
        { id: 'good', text: 'a green lamp', image: 'media/good.png', title: 'O\'Brien "lamp"' }, // unchanged: skipped
        { id: 'truncated-jpeg', image: 'media/cut.jpg' },
        { id: 'png-bomb', image: 'media/bomb.png' },
        { id: 'zero-bytes', image: 'media/empty.png' },
        { id: 'wrong-extension', image: 'media/really-a-wav.jpg' },
        { id: 'wav-bad-header', audio: 'media/bad-header.wav' },
        { id: 'wav-claims-2h', audio: 'media/liar.wav' },
        { id: 'wav-2-hours', audio: 'media/two-hours.wav' },
        { id: 'escape', image: '../secret.txt' },
        { id: 'escape-deep', audio: 'media/../../secret.txt' },
        { id: 'absolute', image: path.join(work, 'secret.txt') },
        { id: 'missing-file', image: 'media/not-there.png' },
      ];
      const lines = rows.map((r) => JSON.stringify(r));
      lines.push('{"id": "broken-json", "text": ');
      lines.push(JSON.stringify({ id: 'good', text: 'the same id again, different text' }));
      writeFileSync(path.join(root, 'hostile.jsonl'), lines.join('\n') + '\n');

      const r = await runIndexChild(
        [path.join(root, 'hostile.jsonl'), '--collection', COLL, '--json'],
        env,
      );
      expect(r.code, r.stderr).toBe(1);
      const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as {
        failed: number;
        skipped: number;
        indexed: number;
        errorReport?: string;
      };
      expect(summary.errorReport).toBeTruthy();
      const report = readFileSync(summary.errorReport!, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { id: string; code: string; reason: string });
      const byId = new Map(report.map((e) => [e.id, e]));
      for (const id of [
        'truncated-jpeg',
        'png-bomb',
        'zero-bytes',
        'wrong-extension',
        'wav-bad-header',
        'wav-claims-2h',
        'wav-2-hours',
        'escape',
        'escape-deep',
        'absolute',
        'missing-file',
      ]) {
        const e = byId.get(id);
        expect(e, `no error-report line for ${id}: ${JSON.stringify(report)}`).toBeDefined();
        expect(e!.code).toMatch(/^[A-Z_]+$/);
        expect(e!.reason.length).toBeGreaterThan(5);
      }
      expect(byId.get('png-bomb')!.reason).toMatch(/pixels/);
      expect(byId.get('wav-2-hours')!.reason).toMatch(/maxAudioSeconds|over the limit/);
      expect(byId.get('escape')!.reason).toMatch(/escapes the input root/);
      expect(report.some((e) => e.code === 'BAD_ROW')).toBe(true);
      expect(byId.get('good')?.code).toBe('DUPLICATE_ID'); // the later row is refused; the first is unchanged
      expect(summary.indexed).toBe(0);
      expect(summary.skipped + summary.indexed).toBeLessThanOrEqual(1);
      expect(readFileSync(summary.errorReport!, 'utf8')).not.toContain('outside the input root'); // no file contents leak
      expect(await snapshot(dataDir)).toEqual(before);
    },
    2 * SPAWN_MS,
  );

  it(
    'non-UTF-8: a manifest with invalid bytes exits 2; a latin1 .txt in a directory is a per-item error',
    async () => {
      const manifest = Buffer.concat([
        Buffer.from('{"id":"raw-latin1","text":"caf'),
        Buffer.from([0xe9, 0xff]),
        Buffer.from('"}\n'),
      ]);
      writeFileSync(path.join(root, 'latin1.jsonl'), manifest);
      const bad = await runIndexChild([path.join(root, 'latin1.jsonl'), '--collection', COLL], env);
      expect(bad.code, bad.stderr).toBe(2);
      expect(bad.stderr).toMatch(/UTF-8/);
      const dir = path.join(work, 'dir-input');
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'note.txt'), NON_UTF8_TEXT);
      const r = await runIndexChild([dir, '--collection', COLL, '--json'], env);
      expect(r.code, r.stderr).toBe(1);
      const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { errorReport: string };
      expect(readFileSync(summary.errorReport, 'utf8')).toMatch(/not valid UTF-8/);
      expect(await snapshot(dataDir)).toEqual(before);
    },
    2 * SPAWN_MS,
  );
});
