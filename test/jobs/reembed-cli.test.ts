import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LanceDbStore } from '../../src/stores/lancedb-store.js';
import { chorusEntry } from '../support/cli.js';
import { childEnv } from '../indexing/support/resume-scenario.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** The built CLI as a child process (stdout and stderr kept apart; the exit code as it is). */
async function chorus(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const entry = await chorusEntry();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...entry, ...args], {
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

/** `chorus reembed` as a user runs it: index the corpus, then rebuild it into a new collection from its source files. */
describe('chorus reembed', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'chorus-reembed-'));
    env = childEnv(dir);
    const indexed = await chorus(
      ['index', path.join(ROOT, 'fixtures/corpus'), '--collection', 'src', '--json'],
      env,
    );
    expect(indexed.code, indexed.stderr).toBe(0);
  }, 600_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('re-encodes every item into the target from its recorded files; bad usage exits 2', async () => {
    const r = await chorus(['reembed', '--collection', 'src', '--target', 'dst', '--json'], env);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(out).toMatchObject({ collection: 'src', target: 'dst', failed: [] });

    const store = await LanceDbStore.open({ dataDir: dir });
    try {
      expect(out.indexed).toBe(await store.count('src'));
      expect(await store.count('dst')).toBe(out.indexed);
      const [before] = await store.get('src', ['product-1163'], { withVectors: true });
      const [after] = await store.get('dst', ['product-1163'], { withVectors: true });
      // Same models here, so the same vectors, rebuilt from the same files.
      expect(Object.keys(after!.vectors).sort()).toEqual(Object.keys(before!.vectors).sort());
      expect(Array.from(after!.vectors.image!)).toEqual(Array.from(before!.vectors.image!));
    } finally {
      await store.close();
    }

    expect((await chorus(['reembed', '--collection', 'nope', '--target', 'x'], env)).code).toBe(2);
    expect((await chorus(['reembed', '--collection', 'src', '--target', 'src'], env)).code).toBe(2);
  }, 600_000);
});
