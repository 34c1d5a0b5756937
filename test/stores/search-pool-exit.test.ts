import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * An idle search pool must never keep a process alive: a script that searched once and ends without close() exits
 * on its own. A worker's 'message' listener refs it again when it is added after unref(), so a worker that
 * was started with the others but got no search kept every such process running.
 */
const CHILD = fileURLToPath(new URL('./pool-exit-child.ts', import.meta.url));
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function run(graphFile: string): Promise<{ code: number | null; out: string; timedOut: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, graphFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (out += b.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, 30_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, timedOut });
    });
  });
}

describe('search pool lifetime', () => {
  it('lets a process that searched once (one of two workers never used) exit without close()', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-pool-exit-'));
    dirs.push(dir);
    const r = await run(path.join(dir, 'g.usearch'));
    expect(r.out).toContain('searched 3');
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(0);
  }, 60_000);
});
