import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const ROOT = path.resolve(import.meta.dirname, '../..');
const INPUTS = [
  'src',
  'indexers',
  'rerankers',
  'fixtures/corpus',
  'scripts',
  'tsconfig.json',
  'tsconfig.build.json',
  'package.json',
];

function fingerprint(): string {
  const h = createHash('sha256');
  const visit = (p: string) => {
    const st = statSync(p);
    if (st.isDirectory()) for (const name of readdirSync(p).sort()) visit(path.join(p, name));
    else h.update(`${path.relative(ROOT, p)}:${st.size}:${st.mtimeMs}\n`);
  };
  for (const i of INPUTS) visit(path.join(ROOT, i));
  return h.digest('hex').slice(0, 16);
}

/**
 * `npm run build` (scripts/build.mjs) into a temp folder keyed by the sources' fingerprint, once per change of the
 * sources however many test files ask (a lock folder serialises concurrent callers). Never touches ./dist, so a
 * build here cannot change what other tests spawn. Returns the folder holding `dist/`.
 */
export async function builtDist(timeoutMs = 900_000): Promise<string> {
  const dir = path.join(os.tmpdir(), `chorus-test-build-${fingerprint()}`);
  const done = path.join(dir, '.complete');
  const lock = `${dir}.lock`;
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(done)) {
    try {
      mkdirSync(lock);
    } catch {
      // Another test file is building: wait for it (a lock older than the timeout is a crashed builder's).
      const held = statSync(lock, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > timeoutMs)
        rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build in ${dir}`);
      await new Promise((r) => setTimeout(r, 1000));
      continue;
    }
    try {
      if (existsSync(done)) break;
      rmSync(dir, { recursive: true, force: true });
      await run(
        process.execPath,
        [path.join(ROOT, 'scripts/build.mjs'), '--out', path.join(dir, 'dist')],
        { cwd: ROOT, timeout: timeoutMs },
      ).catch((e: { stdout?: string; stderr?: string }) => {
        // tsc prints its errors on stdout: without them a failed build reads as a bare "Command failed".
        throw new Error(`npm run build failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
      });
      writeFileSync(done, new Date().toISOString());
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
  return dir;
}
