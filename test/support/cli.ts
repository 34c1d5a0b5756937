import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `chorus` (bin/chorus.js; sources under vitest, which sets CHORUS_FROM_SOURCE) without blocking the
 * event loop, so a server in the test process keeps answering. The spawn budget is generous on purpose: on a busy
 * 2-core machine a start can take many seconds, and tests check behaviour, not speed (bench/cli-startup.ts does).
 */
export async function runChorus(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<CliResult> {
  try {
    const r = await run(process.execPath, [path.join(ROOT, 'bin/chorus.js'), ...args], {
      env: opts.env ?? process.env,
      cwd: opts.cwd,
      timeout: opts.timeoutMs ?? 300_000,
      maxBuffer: 16 << 20,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const err = e as { code?: number; stdout?: string; stderr?: string; killed?: boolean };
    if (err.killed)
      throw new Error(`chorus ${args.join(' ')} was killed at its time limit`, { cause: e });
    return {
      code: typeof err.code === 'number' ? err.code : -1,
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? '',
    };
  }
}
