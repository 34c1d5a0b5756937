import { execFile } from 'node:child_process';
import { existsSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Chorus } from '../../src/app/build.js';
import { builtDist, ROOT } from './dist-build.js';

const run = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

let shipped: Promise<string> | undefined;

/**
 * The compiled CLI as the package ships it: `npm run build` of the current sources into a temp folder (built once
 * per change of the sources, shared with the docker and pack tests), with the repository's node_modules beside it.
 * A spawn of it starts in a fraction of the time tsx needs to transpile the sources on every start.
 */
function shippedMain(): Promise<string> {
  shipped ??= builtDist().then((dir) => {
    const modules = path.join(dir, 'node_modules');
    if (!existsSync(modules)) {
      try {
        symlinkSync(path.join(ROOT, 'node_modules'), modules, 'dir');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e; // another test file made it first
      }
    }
    return path.join(dir, 'dist/src/cli/main.js');
  });
  return shipped;
}

/** The node arguments that start the real `chorus`: the built dist, or (`source`) the TypeScript sources via tsx. */
export async function chorusEntry(source = false): Promise<string[]> {
  return source ? ['--import', 'tsx', path.join(ROOT, 'src/cli/main.ts')] : [await shippedMain()];
}

/**
 * Runs the real `chorus` without blocking the event loop, so a server in the test process keeps answering. It runs
 * the built dist by default (`source: true` for the TypeScript sources through tsx). The spawn budget is generous on
 * purpose: on a busy 2-core machine a start can take many seconds, and tests check behaviour, not speed
 * (bench/cli-startup.ts does).
 */
export async function runChorus(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string; source?: boolean } = {},
): Promise<CliResult> {
  const entry = await chorusEntry(opts.source);
  try {
    const r = await run(process.execPath, [...entry, ...args], {
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

/** The data dir opened as a library user opens it (no encoders): to seed or read what a CLI test's commands see. */
export async function openDataDir(dataDir: string): Promise<Chorus> {
  // Imported here: most CLI tests only spawn the CLI and need none of the app.
  const { buildChorus } = await import('../../src/app/build.js');
  const { parseConfig } = await import('../../src/config.js');
  return buildChorus(parseConfig({ dataDir, logLevel: 'silent' }), {
    encoders: 'none',
    indexMaintenance: 'inline',
  });
}

/** A collection `shop` (one 4-dim text vector) with these titled items, written through the library. */
export async function seedShop(
  dataDir: string,
  items: { id: string; title: string }[],
): Promise<void> {
  const chorus = await openDataDir(dataDir);
  try {
    await chorus.engine.createCollection({
      name: 'shop',
      vectors: { text: { modality: 'text', dim: 4 } },
    });
    await chorus.engine.upsertItems(
      'shop',
      items.map(({ id, title }, i) => ({
        id,
        payload: { title },
        vectors: { text: [1, i, 0, 0] },
      })),
    );
  } finally {
    await chorus.close();
  }
}
