import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LanceDbStore } from '../../src/stores/lancedb-store.js';
import { childEnv } from './support/resume-scenario.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const MAIN = path.join(ROOT, 'src/cli/main.ts');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function chorus(args: string[], env: NodeJS.ProcessEnv) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d.toString()));
    child.stderr.on('data', (d) => (stderr += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

const vec = (dim: number, seed: number) =>
  Array.from({ length: dim }, (_, i) => Math.round(Math.sin(seed * 1.3 + i * 0.7) * 1e5) / 1e5);

/**
 * `chorus index catalogue.jsonl` whose rows carry precomputed `vectors` (issue 17): no models needed, vectors
 * stored exactly as given, checked per collection schema, bad rows reported by line with a non-zero exit, and
 * nothing already stored is lost or changed by bad input.
 */
describe('chorus index: JSONL manifest with precomputed vectors', () => {
  it('stores good rows exactly, reports bad rows by line number, exits 1, and leaves stored items alone', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chorus-manifest-vectors-'));
    dirs.push(dir);
    const env = childEnv(path.join(dir, 'data'), { CHORUS_MODELS__ENABLED: '' });
    const made = await chorus(
      ['collection', 'create', 'cat', '--vector', 'text:8', '--vector', 'image:6:dot'],
      env,
    );
    expect(made.code, made.stderr).toBe(0);

    // First run: 300 good rows (several batches), one of them with only one of the two vectors.
    const good = Array.from({ length: 300 }, (_, i) => ({
      id: `p${i}`,
      text: `walnut lamp number ${i}`,
      price: i,
      vectors: i === 7 ? { text: vec(8, i) } : { text: vec(8, i), image: vec(6, i + 1000) },
    }));
    const first = path.join(dir, 'first.jsonl');
    writeFileSync(first, good.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const r1 = await chorus(
      ['index', first, '--collection', 'cat', '--batch-size', '64', '--json'],
      env,
    );
    expect(r1.code, r1.stderr).toBe(0);
    expect(JSON.parse(r1.stdout.trim().split('\n').pop()!)).toMatchObject({
      indexed: 300,
      failed: 0,
    });

    // Second run: bad rows between good ones, including rewrites of stored ids with bad vectors.
    const lines = [
      JSON.stringify({ id: 'n1', text: 'new one', vectors: { text: vec(8, 501) } }), // 1 ok
      JSON.stringify({ id: 'p1', text: 'rewrite', vectors: { text: vec(5, 1) } }), // 2 wrong dim
      JSON.stringify({ id: 'p2', vectors: { audio: vec(8, 2) } }), // 3 unknown vector
      JSON.stringify({ id: 'p3', vectors: { text: [1, 'x', 3, 4, 5, 6, 7, 8] } }), // 4 not numbers
      '{"id": "p4", "vectors": {"text": [1, 2', // 5 invalid JSON
      JSON.stringify({ id: 'p5', vectors: [1, 2, 3] }), // 6 not an object
      JSON.stringify({ id: 'n2', vectors: { image: vec(6, 502) } }), // 7 ok, vectors only
      JSON.stringify({ id: 'p6', vectors: { text: [] } }), // 8 empty
    ];
    const second = path.join(dir, 'second.jsonl');
    writeFileSync(second, lines.join('\n') + '\n');
    const r2 = await chorus(['index', second, '--collection', 'cat', '--json'], env);
    expect(r2.code, r2.stderr).toBe(1);
    const summary = JSON.parse(r2.stdout.trim().split('\n').pop()!);
    expect(summary).toMatchObject({ indexed: 2, failed: 6 });
    const report = readFileSync(summary.errorReport, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; path: string; code: string; reason: string });
    const byLine = Object.fromEntries(report.map((f) => [f.path, f]));
    expect(Object.keys(byLine).sort()).toEqual(
      [2, 3, 4, 5, 6, 8].map((n) => `second.jsonl:${n}`).sort(),
    );
    expect(byLine['second.jsonl:2']).toMatchObject({ id: 'p1', code: 'BAD_VECTOR' });
    expect(byLine['second.jsonl:2']!.reason).toMatch(/5 dimensions.*expects 8/);
    expect(byLine['second.jsonl:3']!.reason).toMatch(/no vector named "audio"/);
    expect(byLine['second.jsonl:4']!.reason).toMatch(/index 1/);
    expect(byLine['second.jsonl:5']).toMatchObject({ code: 'BAD_ROW' });
    expect(byLine['second.jsonl:6']).toMatchObject({ id: 'p5', code: 'BAD_VECTOR' });
    expect(byLine['second.jsonl:8']).toMatchObject({ id: 'p6', code: 'BAD_VECTOR' });

    const store = await LanceDbStore.open({ dataDir: path.join(dir, 'data') });
    try {
      expect(await store.count('cat')).toBe(302);
      const got = new Map(
        (
          await store.get('cat', ['p1', 'p2', 'p3', 'p7', 'p250', 'n1', 'n2'], {
            withVectors: true,
          })
        ).map((i) => [i.id, i]),
      );
      // Stored exactly as given (float32 of the JSON numbers); bad rewrites left the stored items unchanged.
      for (const i of [1, 2, 3, 250]) {
        expect(Array.from(got.get(`p${i}`)!.vectors.text!)).toEqual(
          Array.from(Float32Array.from(vec(8, i))),
        );
        expect(Array.from(got.get(`p${i}`)!.vectors.image!)).toEqual(
          Array.from(Float32Array.from(vec(6, i + 1000))),
        );
        expect(got.get(`p${i}`)!.payload).toMatchObject({
          text: `walnut lamp number ${i}`,
          price: i,
        });
      }
      expect(Object.keys(got.get('p7')!.vectors)).toEqual(['text']);
      expect(Object.keys(got.get('n2')!.vectors)).toEqual(['image']);
      const [hit] = await store.search('cat', 'text', Float32Array.from(vec(8, 501)), 1);
      expect(hit?.id).toBe('n1');
    } finally {
      await store.close();
    }

    // A rerun skips what is stored unchanged and still reports the bad lines.
    const r3 = await chorus(['index', second, '--collection', 'cat', '--json'], env);
    expect(r3.code).toBe(1);
    expect(JSON.parse(r3.stdout.trim().split('\n').pop()!)).toMatchObject({
      indexed: 0,
      skipped: 2,
      failed: 6,
    });
  }, 180_000);

  it('a missing collection with no model to derive it from is bad usage with a clear message', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chorus-manifest-vectors-'));
    dirs.push(dir);
    const file = path.join(dir, 'm.jsonl');
    writeFileSync(file, JSON.stringify({ id: 'a', vectors: { text: [1, 2] } }) + '\n');
    const r = await chorus(
      ['index', file, '--collection', 'nope'],
      childEnv(path.join(dir, 'data'), { CHORUS_MODELS__ENABLED: '' }),
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/chorus collection create nope/);
  }, 300_000); // one tsx start (12.7 s at load 13): as generous as the other spawning tests
});
