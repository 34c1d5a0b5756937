import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { buildOnce, processAlive } from '../support/dist-build.js';

/**
 * The build lock that CLI, pack and image tests share across vitest's forks (test/support/dist-build.ts): a builder
 * that dies mid-build must not make the others wait out the 15-minute stale-lock age, and a live builder must be
 * waited for, never built over.
 */
const MODULE = path.resolve(import.meta.dirname, '../support/dist-build.ts');
const tmp = mkdtempSync(path.join(tmpdir(), 'chorus-dist-lock-'));
const children: ChildProcess[] = [];

afterEach(() => {
  for (const c of children.splice(0))
    if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/**
 * Another process calling buildOnce(dir): its build writes who=child, prints "building", then waits for a line on
 * stdin ("finish") before it returns; until then it holds the lock mid-build.
 */
function builderChild(dir: string): { child: ChildProcess; building: Promise<void> } {
  const code = `
    const { buildOnce } = await import(${JSON.stringify(MODULE)});
    const { mkdirSync, writeFileSync } = await import('node:fs');
    await buildOnce(${JSON.stringify(dir)}, async (out) => {
      mkdirSync(out, { recursive: true });
      writeFileSync(out + '/who', 'child');
      process.stdout.write('building\\n');
      await new Promise((resolve) => process.stdin.once('data', resolve));
    });
    process.exit(0);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  children.push(child);
  const building = new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('building\n')) resolve();
    });
    child.once('exit', (c) => reject(new Error(`builder child exited ${c} before building`)));
  });
  return { child, building };
}

function ownBuild(calls: string[]) {
  return async (out: string) => {
    calls.push(out);
    mkdirSync(out, { recursive: true });
    writeFileSync(path.join(out, 'who'), 'parent');
  };
}

describe('the shared dist build lock', () => {
  it('takes over the lock of a builder killed mid-build and builds itself', async () => {
    const dir = path.join(tmp, 'killed');
    const { child, building } = builderChild(dir);
    await building;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    expect(processAlive(child.pid!)).toBe(false);

    const calls: string[] = [];
    // The stale-lock age is 10 minutes here: only the dead pid can free the lock within the test's time.
    const got = await buildOnce(dir, ownBuild(calls), { timeoutMs: 600_000, pollMs: 50 });
    expect(got).toBe(dir);
    expect(calls).toHaveLength(1);
    expect(readFileSync(path.join(dir, 'who'), 'utf8')).toBe('parent');
    // The dead builder's half-made output is gone; it never became `dir`.
    expect(existsSync(`${dir}.part-${child.pid}`)).toBe(false);
  }, 120_000);

  it('waits for a live builder and uses its build instead of building over it', async () => {
    const dir = path.join(tmp, 'live');
    const { child, building } = builderChild(dir);
    await building;
    const exited = once(child, 'exit');
    const calls: string[] = [];
    let waits = 0;
    const got = await buildOnce(dir, ownBuild(calls), {
      timeoutMs: 600_000,
      pollMs: 50,
      onWait: (holder) => {
        expect(holder).toBe(child.pid);
        // Let the child finish only after this caller has seen its lock held a few times.
        if (++waits === 3) child.stdin!.write('finish\n');
      },
    });
    expect(got).toBe(dir);
    expect(waits).toBeGreaterThanOrEqual(3);
    expect(calls).toEqual([]);
    expect(readFileSync(path.join(dir, 'who'), 'utf8')).toBe('child');
    await exited;
    expect(child.exitCode).toBe(0);
  }, 120_000);

  it('builds once for concurrent callers and once more only for a new folder', async () => {
    const calls: string[] = [];
    const dir = path.join(tmp, 'concurrent');
    const got = await Promise.all(
      [1, 2, 3].map(() => buildOnce(dir, ownBuild(calls), { pollMs: 20 })),
    );
    expect(got).toEqual([dir, dir, dir]);
    expect(calls).toHaveLength(1);
    await buildOnce(dir, ownBuild(calls));
    expect(calls).toHaveLength(1);
    await buildOnce(path.join(tmp, 'other'), ownBuild(calls));
    expect(calls).toHaveLength(2);
  });

  it('leaves nothing behind when a build fails, and the next caller builds', async () => {
    const dir = path.join(tmp, 'failed');
    await expect(
      buildOnce(dir, async (out) => {
        mkdirSync(out, { recursive: true });
        throw new Error('tsc said no');
      }),
    ).rejects.toThrow('tsc said no');
    const calls: string[] = [];
    await buildOnce(dir, ownBuild(calls));
    expect(calls).toHaveLength(1);
  });
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));
