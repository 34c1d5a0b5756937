import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { builtDist, ROOT } from '../support/dist-build.js';

const run = promisify(execFile);
vi.setConfig({ testTimeout: 600_000, hookTimeout: 900_000 });

/**
 * The built CLI's start-up shell is one bundled file (scripts/bundle-cli.mjs): `chorus --help` from dist resolves
 * no package and loads only main.js and the few modules outside src/cli/ it imports statically; every command's
 * heavy modules are still separate files, found by their rewritten relative paths when a command runs.
 */
describe('the built CLI shell', () => {
  let dir: string;
  let main: string;
  const tmp = mkdtempSync(path.join(tmpdir(), 'chorus-cli-shell-'));
  beforeAll(async () => {
    dir = await builtDist();
    main = path.join(dir, 'dist/src/cli/main.js');
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  const chorus = async (args: string[], env: NodeJS.ProcessEnv = {}, cwd = tmp) => {
    try {
      const r = await run(process.execPath, [...args], {
        cwd,
        env: { ...process.env, CHORUS_DATA_DIR: path.join(tmp, 'data'), ...env },
        timeout: 300_000,
      });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (e) {
      const err = e as { code?: number; stdout?: string; stderr?: string };
      return { code: err.code ?? -1, stdout: err.stdout ?? '', stderr: err.stderr ?? '' };
    }
  };

  it('--help loads main.js, errors.js and the ULTR defaults, and no package (commander is inlined)', async () => {
    const log = path.join(tmp, 'imports.log');
    const r = await chorus(
      ['--import', path.join(ROOT, 'test/cli/support/record-imports.mjs'), main, '--help'],
      { RECORD_IMPORTS_LOG: log },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Usage: chorus[\s\S]*\bjobs\b/);
    const files = [
      ...new Set(
        readFileSync(log, 'utf8')
          .split('\n')
          .filter((u) => u.startsWith('file:') && !u.includes('record-imports')),
      ),
    ].map((u) => path.relative(path.join(dir, 'dist'), new URL(u).pathname));
    expect(files.sort()).toEqual([
      'rerankers/letor/click-simulation.js',
      'rerankers/letor/ultr-defaults.js',
      'src/cli/main.js',
      'src/domain/fusion-names.js', // the `--fusion` choices: one constant list, no imports
      'src/domain/sort-keys.js', // the `--sort` key parser (imports errors.js only)
      'src/errors.js',
    ]);
  });

  it('commands still load their modules from dist: the client for `jobs` (exit 3, no server), the stores for `collection list`', async () => {
    const gone = await chorus([main, 'jobs', 'list', '--url', 'http://127.0.0.1:1']);
    expect(gone.code).toBe(3);
    expect(gone.stderr).toContain('no Chorus server answered at http://127.0.0.1:1');
    // A package install: dist beside node_modules, as npm lays it out.
    cpSync(path.join(dir, 'dist'), path.join(tmp, 'dist'), { recursive: true });
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(tmp, 'node_modules'), 'dir');
    const list = await chorus(
      [path.join(tmp, 'dist/src/cli/main.js'), 'collection', 'list'],
      {},
      tmp,
    );
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toContain('no collections');
    const bad = await chorus(
      [path.join(tmp, 'dist/src/cli/main.js'), 'search', 'x', '--collection', 'nope'],
      {
        CHORUS_ALLOW_REMOTE_MODELS: 'false',
        CHORUS_EXECUTION_PROVIDERS: 'cpu',
      },
    );
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('collection nope does not exist');
  });
});
