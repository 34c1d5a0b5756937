import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { SERVE_ARGV } from './serve-command.js';

export const ROOT = path.resolve(import.meta.dirname, '..');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  /** Resolves when the process has exited (after kill or stop). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

/**
 * Starts the real `chorus serve` (node bin/chorus.js serve, the Docker CMD) on a free loopback port over
 * `dataDir`, without models (clients send precomputed vectors), and waits for its "serving on" line.
 */
export async function startServeProcess(
  dataDir: string,
  env: Record<string, string> = {},
  timeoutMs = 60_000,
  /** Extra node options (e.g. --cpu-prof, which NODE_OPTIONS does not accept). */
  nodeArgs: string[] = [],
): Promise<ServerProcess> {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(base))
    if (
      (k.startsWith('CHORUS_') && k !== 'CHORUS_FROM_SOURCE') ||
      k === 'REDIS_URL' ||
      k === 'QDRANT_URL'
    )
      delete base[k];
  const child = spawn(process.execPath, [...nodeArgs, ...SERVE_ARGV, '--port', '0'], {
    cwd: ROOT,
    env: {
      ...base,
      CHORUS_DATA_DIR: dataDir,
      CHORUS_LOG_LEVEL: 'warn',
      CHORUS_MODELS__ENABLED: '',
      CHORUS_EXECUTION_PROVIDERS: 'cpu',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`chorus serve did not start in ${timeoutMs} ms:\n${out}`)),
      timeoutMs,
    );
    const check = () => {
      const m = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`chorus serve exited (${code ?? signal}) before serving:\n${out}`));
    });
  });
  return {
    child,
    url,
    output: () => out,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

export async function api(
  url: string,
  method: string,
  p: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(url + p, {
    method,
    headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text };
}
