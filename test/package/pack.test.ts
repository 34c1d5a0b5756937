import { execFile, spawn } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtDist, ROOT } from '../support/dist-build.js';

const run = promisify(execFile);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'chorus-pack-'));
const proj = path.join(tmp, 'proj');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A clean environment for the installed package: no CHORUS_* from the test run, offline models, CPU. */
const env = (): NodeJS.ProcessEnv => {
  const e: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('CHORUS_') && !k.startsWith('VITEST') && k !== 'NODE_OPTIONS') e[k] = v;
  return {
    ...e,
    CHORUS_ALLOW_REMOTE_MODELS: 'false',
    CHORUS_EXECUTION_PROVIDERS: 'cpu',
    CHORUS_LOG_LEVEL: 'warn',
  };
};

/** The README's fenced block after `<!-- example: NAME -->`. */
function readmeExample(name: string): string {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const m = new RegExp(`<!-- example: ${name} -->\\s*\`\`\`js\\n([\\s\\S]*?)\`\`\``).exec(readme);
  if (!m) throw new Error(`README.md has no example "${name}"`);
  return m[1]!;
}

beforeAll(async () => {
  // `npm pack` of exactly what the package ships (package.json "files"), with dist/ from a real `npm run build`.
  const built = await builtDist();
  const stage = path.join(tmp, 'stage');
  mkdirSync(stage);
  for (const f of ['package.json', 'README.md', 'CHANGELOG.md', 'bin'])
    cpSync(path.join(ROOT, f), path.join(stage, f), { recursive: true });
  cpSync(path.join(built, 'dist'), path.join(stage, 'dist'), { recursive: true });
  const packed = await run(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp],
    { cwd: stage, timeout: 600_000 },
  );
  const { filename } = (JSON.parse(packed.stdout) as { filename: string }[])[0]!;
  // Install into an empty folder: the tarball unpacked as node_modules/chorus, its dependencies linked from this
  // checkout's install (the registry is not reachable offline; npm install --offline lacks cached metadata).
  mkdirSync(path.join(proj, 'node_modules/.bin'), { recursive: true });
  writeFileSync(
    path.join(proj, 'package.json'),
    JSON.stringify({ name: 'try-chorus', private: true, type: 'module' }),
  );
  await run('tar', ['-xzf', path.join(tmp, filename), '-C', tmp], { timeout: 300_000 });
  renameSync(path.join(tmp, 'package'), path.join(proj, 'node_modules/chorus'));
  for (const dep of readdirSync(path.join(ROOT, 'node_modules'))) {
    if (dep === '.bin' || dep === 'chorus' || dep.startsWith('.')) continue;
    symlinkSync(path.join(ROOT, 'node_modules', dep), path.join(proj, 'node_modules', dep));
  }
  const bin = path.join(proj, 'node_modules/chorus/bin/chorus.js');
  chmodSync(bin, 0o755);
  symlinkSync('../chorus/bin/chorus.js', path.join(proj, 'node_modules/.bin/chorus'));
}, 1_200_000);

describe('npm pack output installed into an empty folder', () => {
  it('ships compiled code, types and assets, no TypeScript sources or tests', () => {
    const pkg = path.join(proj, 'node_modules/chorus');
    for (const f of [
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/client/index.js',
      'dist/src/client/index.d.ts',
      'dist/src/admin/static/index.html',
      'dist/indexers/models/openwakeword/embedding_model.onnx',
      'dist/src/model-registry/fit-worker.mjs',
      'dist/fixtures/corpus',
    ]) {
      expect(existsSync(path.join(pkg, f)), f).toBe(true);
    }
    for (const f of ['src', 'test', 'bench', 'tsconfig.json'])
      expect(existsSync(path.join(pkg, f)), f).toBe(false);
  });

  it('the README examples run against the installed package (library in process, client against quickstart)', async () => {
    writeFileSync(
      path.join(proj, 'library.mjs'),
      readmeExample('library').replace("'./my-data'", JSON.stringify(path.join(tmp, 'lib-data'))),
    );
    const lib = await run(process.execPath, ['library.mjs'], {
      cwd: proj,
      env: env(),
      timeout: 600_000,
    });
    expect(lib.stdout).toContain("[ 'a', 'b' ]");
  }, 620_000);

  it('`npx chorus quickstart` indexes the bundled corpus and serves it; the README client example queries it', async () => {
    const child = spawn('npx', ['--no-install', 'chorus', 'quickstart', '--port', '0'], {
      cwd: proj,
      env: env(),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`quickstart did not serve within 15 min:\n${out}`)),
          900_000,
        );
        child.stdout.on('data', () => {
          const m = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        void exited.then(() => reject(new Error(`quickstart exited before serving:\n${out}`)));
      });
      expect(out).toMatch(/indexed 78, unchanged 0, failed 0 of 78 items/);
      expect(existsSync(path.join(proj, 'chorus-data'))).toBe(true); // ./chorus-data of the folder it ran in
      writeFileSync(
        path.join(proj, 'client.mjs'),
        readmeExample('client').replace("'http://127.0.0.1:8080'", JSON.stringify(url)),
      );
      const client = await run(process.execPath, ['client.mjs'], {
        cwd: proj,
        env: env(),
        timeout: 300_000,
      });
      expect(client.stdout).toMatch(/^\S+ \d\.\d{3} /m); // id, score, shares of the first hit
      expect(client.stdout).toContain('404 COLLECTION_NOT_FOUND');
    } finally {
      if (child.pid) process.kill(-child.pid, 'SIGTERM');
      await exited;
    }
  }, 1_000_000);
});
