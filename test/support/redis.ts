import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A real redis-server on a free 127.0.0.1 port in a temp dir, for BullMQ suites. */
export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Whether redis-server is installed. When it is missing a suite skips with a loud warning, except under
 * CI=true, where a missing service is a failure (CI installs it in .ci/run).
 */
export function redisAvailable(suite: string): boolean {
  const ok = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
  if (ok) return true;
  if (process.env.CI === 'true')
    throw new Error(`${suite}: redis-server is not installed, and CI=true requires it`);
  console.warn(
    `\n!!! SKIPPING ${suite}: redis-server is not installed (apt-get install redis-server) !!!\n`,
  );
  return false;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** The pid of the redis-server answering on `port` (INFO server), or undefined while none answers. */
async function serverPid(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const s = new Socket();
    let buf = '';
    s.setTimeout(2000);
    s.once('error', () => resolve(undefined));
    s.once('timeout', () => {
      s.destroy();
      resolve(undefined);
    });
    s.connect(port, '127.0.0.1', () => s.write('INFO server\r\n'));
    s.on('data', (d) => {
      buf += d.toString();
      const m = /process_id:(\d+)/.exec(buf);
      if (m) {
        s.destroy();
        resolve(Number(m[1]));
      }
    });
  });
}

class ExitedAtStart extends Error {}

/**
 * Starts redis-server without persistence (the data dir is a throwaway temp folder) and waits until it answers.
 * The port is picked free, then handed to redis-server: another process (a parallel test file) can take it in
 * between, so a server that exits at start (its log then says "Address already in use") is retried on a new port.
 */
export async function startRedis(): Promise<RedisServer> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startRedisOnce();
    } catch (e) {
      if (attempt >= 3 || !(e instanceof ExitedAtStart)) throw e;
    }
  }
}

async function startRedisOnce(): Promise<RedisServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'chorus-redis-'));
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'yes',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (d) => (output += d.toString()));
  child.stderr?.on('data', (d) => (output += d.toString()));
  // Generous: redis starts in milliseconds, but a loaded CI box can stall a spawn for seconds.
  const deadline = Date.now() + 30_000;
  // Our own server, not another test file's that took the port first (it would answer too).
  while ((await serverPid(port)) !== child.pid) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      const message = `redis-server did not start on port ${port}:\n${output}`;
      throw child.exitCode !== null ? new ExitedAtStart(message) : new Error(message);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
