import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  linkSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
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

/** Whether `pid` is a running process (a zombie, killed but not yet reaped, counts as dead). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // Linux: field 3 of /proc/<pid>/stat is the state; the name in field 2 may hold spaces, hence the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true; // no procfs: kill(0) said it exists
  }
}

function holderOf(lock: string): number | undefined {
  try {
    const pid = Number(readFileSync(lock, 'utf8'));
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Creates `lock` holding this process's pid, atomically (link fails if it exists); false if another holds it. */
function tryLock(lock: string): boolean {
  const tmp = `${lock}.${process.pid}.tmp`;
  writeFileSync(tmp, String(process.pid));
  try {
    linkSync(tmp, lock);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    unlinkSync(tmp);
  }
}

/**
 * Removes a lock whose holder `dead` has died. The lock is first renamed to a name only this process uses, so two
 * waiters cannot both remove it, and a lock another process took meanwhile is put back. Even when a race lets two
 * builders run, each builds into its own folder and the first complete one wins (see buildOnce).
 */
function takeOver(dir: string, lock: string, dead: number): void {
  const mine = `${lock}.stale-${process.pid}`;
  try {
    renameSync(lock, mine);
  } catch {
    return; // gone already: another waiter took it over
  }
  const pid = holderOf(mine);
  if (pid !== undefined && pid !== dead && processAlive(pid)) {
    try {
      linkSync(mine, lock);
    } catch {
      // a third process locked meanwhile: two builds may run, which costs time, not correctness
    }
  }
  rmSync(mine, { force: true });
  rmSync(`${dir}.part-${dead}`, { recursive: true, force: true }); // the dead builder's half-made output
}

export interface BuildOnceOptions {
  /** A lock held longer than this is taken over whatever its pid says (a reused pid); also the overall wait. */
  timeoutMs?: number;
  /** Called on each poll while another live process holds the lock (tests use it to sequence a holder). */
  onWait?: (holder: number) => void;
  pollMs?: number;
}

/**
 * Runs `build(out)` once for `dir` across processes: the first caller takes `<dir>.lock` (a file holding its pid),
 * builds into its own `<dir>.part-<pid>` and renames that to `dir` when complete; the others wait and return `dir`.
 * A builder that died mid-build (a test fork torn down, kill -9) is detected by its pid and its lock taken over at
 * once rather than after the timeout. `dir` only ever appears complete (a rename), so a crashed build leaves no
 * half-made `dir` for a later caller to trust.
 */
export async function buildOnce(
  dir: string,
  build: (out: string) => Promise<void>,
  opts: BuildOnceOptions = {},
): Promise<string> {
  const timeoutMs = opts.timeoutMs ?? 900_000;
  const done = path.join(dir, '.complete');
  const lock = `${dir}.lock`;
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(done)) {
    if (!tryLock(lock)) {
      const holder = holderOf(lock);
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (holder !== undefined && (!processAlive(holder) || age > timeoutMs)) {
        takeOver(dir, lock, holder);
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for the build in ${dir}`);
      if (holder !== undefined) opts.onWait?.(holder);
      await new Promise((r) => setTimeout(r, opts.pollMs ?? 500));
      continue;
    }
    const part = `${dir}.part-${process.pid}`;
    try {
      if (existsSync(done)) break;
      rmSync(part, { recursive: true, force: true });
      await build(part);
      writeFileSync(path.join(part, '.complete'), new Date().toISOString());
      try {
        renameSync(part, dir);
      } catch (e) {
        if (!existsSync(done)) throw e; // else a concurrent builder (after a takeover race) finished first
      }
    } finally {
      rmSync(part, { recursive: true, force: true });
      if (holderOf(lock) === process.pid) rmSync(lock, { force: true });
    }
  }
  return dir;
}

/**
 * `npm run build` (scripts/build.mjs) into a temp folder keyed by the sources' fingerprint, once per change of the
 * sources however many test files (processes) ask. Never touches ./dist, so a build here cannot change what other
 * tests spawn. Returns the folder holding `dist/`.
 */
export async function builtDist(timeoutMs = 900_000): Promise<string> {
  const dir = path.join(os.tmpdir(), `chorus-test-build-v2-${fingerprint()}`);
  return buildOnce(
    dir,
    async (out) => {
      await run(
        process.execPath,
        [path.join(ROOT, 'scripts/build.mjs'), '--out', path.join(out, 'dist')],
        { cwd: ROOT, timeout: timeoutMs },
      ).catch((e: { stdout?: string; stderr?: string }) => {
        // tsc prints its errors on stdout: without them a failed build reads as a bare "Command failed".
        throw new Error(`npm run build failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
      });
    },
    { timeoutMs },
  );
}
