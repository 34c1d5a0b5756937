import { execFile, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtDist, ROOT } from '../support/dist-build.js';
import { lastStage, parseDockerfile, type Dockerfile } from './dockerfile-parse.js';

const run = promisify(execFile);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'chorus-image-run-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** `ENV A=1 B=2` (one or more pairs, values optionally quoted) of the runtime stage. */
function imageEnv(df: Dockerfile): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of lastStage(df, 'ENV')) {
    for (const m of i.args.matchAll(/(\w+)=("[^"]*"|\S+)/g))
      env[m[1]!] = m[2]!.replace(/^"|"$/g, '');
  }
  return env;
}

/**
 * Lays out the image's WORKDIR the way its runtime stage does, from only what it COPYs: context paths from the
 * repository, `--from=build` from a real `npm run build`, `--from=deps` node_modules from this checkout's install.
 */
async function imageWorkdir(df: Dockerfile, app: string): Promise<void> {
  const built = await builtDist();
  const workdir = lastStage(df, 'WORKDIR').at(-1)?.args;
  expect(workdir).toBe('/app');
  mkdirSync(app, { recursive: true });
  for (const copy of lastStage(df, 'COPY')) {
    const parts = copy.args.split(/\s+/);
    const from = parts.find((p) => p.startsWith('--from='))?.slice('--from='.length);
    const paths = parts.filter((p) => !p.startsWith('--'));
    const dest = paths.at(-1)!;
    for (const src of paths.slice(0, -1)) {
      const target = path.resolve(
        app,
        dest.endsWith('/') ? path.join(dest, path.basename(src)) : dest,
      );
      if (from === 'deps') {
        expect(src).toBe('/app/node_modules');
        symlinkSync(path.join(ROOT, 'node_modules'), target);
      } else if (from === 'build') {
        expect(src).toBe('/app/dist');
        cpSync(path.join(built, 'dist'), target, { recursive: true });
      } else if (from === 'node') {
        expect(src).toBe('/usr/local/bin/node'); // the official Node 20 binary: here, the node running this test
      } else if (from === undefined) {
        cpSync(path.join(ROOT, src), target, { recursive: true });
      } else throw new Error(`unexpected COPY --from=${from}`);
    }
  }
}

describe.each(['docker/Dockerfile', 'docker/Dockerfile.gpu'])(
  '%s runs from its own files',
  (file) => {
    const df = parseDockerfile(readFileSync(path.join(ROOT, file), 'utf8'));
    const app = path.join(tmp, path.basename(file), 'app');
    const data = path.join(tmp, path.basename(file), 'data');
    const cmd = JSON.parse(lastStage(df, 'CMD')[0]!.args) as string[];
    // The image's environment, with its container paths mapped to temp folders and a free port.
    const env = (): NodeJS.ProcessEnv => {
      const base: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME };
      const e: NodeJS.ProcessEnv = {
        ...base,
        ...imageEnv(df),
        CHORUS_DATA_DIR: data,
        CHORUS_MODEL_DIR: path.join(data, 'models'),
        CHORUS_PORT: '0',
        CHORUS_LOG_LEVEL: 'warn',
      };
      if (e.CHORUS_EXECUTION_PROVIDERS?.includes('cuda')) e.CHORUS_EXECUTION_PROVIDERS = 'cpu'; // no GPU here
      return e;
    };

    beforeAll(async () => {
      await imageWorkdir(df, app);
      mkdirSync(data, { recursive: true });
    }, 900_000);

    it('ships compiled code only (no TypeScript sources) and its CMD prints help', async () => {
      expect(existsSync(path.join(app, 'src'))).toBe(false);
      expect(existsSync(path.join(app, 'dist/src/cli/main.js'))).toBe(true);
      expect(cmd[0]).toBe('node');
      const top = await run(process.execPath, [cmd[1]!, '--help'], {
        cwd: app,
        env: env(),
        timeout: 300_000,
      });
      expect(top.stdout).toMatch(/Usage: chorus/);
      const serveHelp = await run(process.execPath, [...cmd.slice(1), '--help'], {
        cwd: app,
        env: env(),
        timeout: 300_000,
      });
      expect(serveHelp.stdout).toMatch(/Usage: chorus serve/);
    }, 620_000);

    it('its CMD serves /healthz, the admin UI assets and passes its HEALTHCHECK', async () => {
      const child = spawn(process.execPath, cmd.slice(1), {
        cwd: app,
        env: env(),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        const url = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`no "serving on" line in 300 s:\n${out}`)),
            300_000,
          );
          child.stdout.on('data', () => {
            const m = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
            if (m) {
              clearTimeout(timer);
              resolve(m[1]!);
            }
          });
          void exited.then(() =>
            reject(new Error(`the image's CMD exited before serving:\n${out}`)),
          );
        });
        const health = await fetch(`${url}/healthz`);
        expect(health.status).toBe(200);
        const ui = await fetch(`${url}/admin/static/app.js`);
        expect(ui.status).toBe(200);
        // The HEALTHCHECK command itself, with the port the server took.
        const hc = lastStage(df, 'HEALTHCHECK')[0]!.args;
        const hcArgs = JSON.parse(hc.slice(hc.indexOf('CMD') + 3).trim()) as string[];
        expect(hcArgs[0]).toBe('node');
        const port = new URL(url).port;
        await run(process.execPath, hcArgs.slice(1), {
          cwd: app,
          env: { ...env(), CHORUS_PORT: port },
          timeout: 120_000,
        });
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
    }, 620_000);
  },
);
