import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sniffMedia } from '../../indexers/decoders/media-type.js';
import { openChorus } from '../../src/library/open-chorus.js';
import { chorusEntry, runChorus, type CliResult } from '../support/cli.js';

/**
 * What a new user meets in the first hour (README Quickstart and CLI), each case found by following the README on a
 * fresh clone: the real `chorus` in child processes against this file's data dir, models absent (an empty model
 * folder, no hub), so every run sees the offline fallbacks.
 */
const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-first-hour-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const dataDir = path.join(dir, 'data');
const modelDir = path.join(dir, 'models');

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {
    ...process.env,
    CHORUS_DATA_DIR: dataDir,
    CHORUS_STORE: 'lancedb',
    CHORUS_MODEL_DIR: modelDir,
    CHORUS_ALLOW_REMOTE_MODELS: 'false',
  };
  delete e.QDRANT_URL;
  delete e.REDIS_URL;
  delete e.CHORUS_API_KEYS;
  delete e.CHORUS_ADMIN_KEY;
  return e;
}

const chorus = (...args: string[]): Promise<CliResult> => runChorus(args, { env: env() });

beforeAll(async () => {
  mkdirSync(modelDir, { recursive: true });
  const c = await openChorus({ dataDir, encoders: 'none' });
  try {
    await c.collections.create({ name: 'shop', vectors: { text: { modality: 'text', dim: 3 } } });
    // A title read from a .txt file ends with a line break; a client may store escape sequences.
    await c.upsert('shop', [
      {
        id: 'lamp',
        payload: { title: 'walnut lamp\n\tsecond line \u001b[2J end\n' },
        vectors: { text: [1, 0, 0] },
      },
      { id: 'desk', payload: { title: 'oak desk lamp stand' }, vectors: { text: [0, 1, 0] } },
    ]);
  } finally {
    await c.close();
  }
}, 120_000);

describe('chorus CLI: what a new user runs first', () => {
  it('a collection name LanceDB does not allow is a usage error (exit 2), not a Rust panic', async () => {
    for (const args of [
      ['search', 'red', '--collection', 'bad/name'],
      ['recommend', '--collection', 'a b', '--item', 'x'],
    ]) {
      const r = await chorus(...args);
      expect(r.stderr).not.toMatch(/panicked|backtrace/);
      expect(r.stderr).toMatch(/invalid collection name/);
      expect(r.code, r.stderr).toBe(2);
    }
  }, 120_000);

  it('a data dir that cannot be used says why in one line (exit 1), not with a stack trace', async () => {
    const file = path.join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const r = await runChorus(['search', 'red', '--collection', 'shop'], {
      env: { ...env(), CHORUS_DATA_DIR: file },
    });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/chorus: ENOTDIR: not a directory, mkdir '.*not-a-dir/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  }, 120_000);

  it('an unknown --fusion is refused with the choices (exit 2), as the API refuses it', async () => {
    const r = await chorus('search', 'walnut', '--collection', 'shop', '--fusion', 'bogus');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/bogus/);
    expect(r.stderr).toMatch(/rrf, weighted, dbsf, noop, shuffle, model/);
    expect(r.stdout).not.toMatch(/lamp/);
  }, 120_000);

  it('a hit whose title holds line breaks and control characters prints on one line', async () => {
    const r = await chorus('search', 'walnut', '--collection', 'shop', '--fusion', 'rrf');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const hit = lines.findIndex((l) => /^ {2}1\. lamp /.test(l));
    expect(hit, r.stdout).toBeGreaterThanOrEqual(0);
    expect(lines[hit]).toMatch(/walnut lamp second line \[2J end {2}\[bm25 100%\]$/);
    expect(r.stdout).not.toContain('\u001b');
    expect(lines[hit + 1]).toMatch(/^ {2}timings: /);
  }, 120_000);

  it('--offset prints the next page, numbered by rank; --facet prints counts on one line; a negative offset is a usage error', async () => {
    const hitLines = (out: string) => out.split('\n').filter((l) => /^ +\d+\. /.test(l));
    const lampSearch = (...more: string[]) =>
      chorus('search', 'lamp', '--collection', 'shop', '--fusion', 'rrf', ...more);
    const both = await lampSearch();
    expect(both.code, both.stderr).toBe(0);
    const ranked = hitLines(both.stdout);
    expect(ranked).toHaveLength(2);
    const page = await lampSearch('--limit', '1', '--offset', '1');
    expect(page.code, page.stderr).toBe(0);
    expect(hitLines(page.stdout)).toEqual([ranked[1]]);
    expect(ranked[1]).toMatch(/^ {2}2\. /);
    const faceted = await lampSearch('--facet', 'title');
    expect(faceted.code, faceted.stderr).toBe(0);
    // Two candidates, one count each; a title's control characters never reach the terminal.
    expect(faceted.stdout).toMatch(
      /^ {2}title: oak desk lamp stand 1, walnut lamp second line \[2J end 1$/m,
    );
    expect(faceted.stdout).not.toContain('\u001b');
    const bad = await chorus('search', 'lamp', '--collection', 'shop', '--offset', '-1');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--offset must be an integer >= 0, got -1/);
  }, 120_000);

  it('--sort orders the hits by a payload field either way; an unknown order is a usage error', async () => {
    const titles = async (...sort: string[]) => {
      const r = await chorus('search', 'lamp', '--collection', 'shop', '--fusion', 'rrf', ...sort);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout
        .split('\n')
        .filter((l) => /^ +\d+\. /.test(l))
        .map((l) => l.replace(/^ +\d+\. /, ''));
    };
    const asc = await titles('--sort', 'title');
    expect(asc).toHaveLength(2);
    expect(asc[0]).toMatch(/^desk .* oak desk lamp stand /);
    expect(await titles('--sort', 'title:desc')).toEqual([asc[1], asc[0]]);
    const bad = await chorus('search', 'lamp', '--collection', 'shop', '--sort', 'title:down');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(
      /--sort expects FIELD, FIELD:asc\|desc or FIELD@LAT,LON \(nearest first\), got title:down/,
    );
  }, 120_000);

  it('--prefix reads the last word as unfinished (search as you type)', async () => {
    const typed = await chorus(
      'search',
      'waln',
      '--collection',
      'shop',
      '--fusion',
      'rrf',
      '--prefix',
    );
    expect(typed.code, typed.stderr).toBe(0);
    expect(typed.stdout).toMatch(/^ +1\. .*walnut lamp/m);
    const plain = await chorus(
      'search',
      'waln',
      '--collection',
      'shop',
      '--fusion',
      'rrf',
      '--json',
    );
    expect(plain.code, plain.stderr).toBe(0);
    expect((JSON.parse(plain.stdout) as { hits: unknown[] }).hits).toEqual([]);
  }, 120_000);

  it('serve: says once per model what is missing, answers, and exits 0 on Ctrl-C (SIGINT)', async () => {
    const child = spawn(process.execPath, [...(await chorusEntry()), 'serve', '--port', '0'], {
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const t = setInterval(() => {
          const m = /Chorus is serving on (http:\/\/\S+)/.exec(stdout);
          if (m) {
            clearInterval(t);
            resolve(m[1]!);
          } else if (child.exitCode !== null) {
            clearInterval(t);
            reject(new Error(`serve exited ${child.exitCode}: ${stderr}`));
          }
        }, 100);
      });
      const health = await fetch(`${url}/healthz`);
      expect(health.status).toBe(200);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    const lines = stderr.split('\n').filter((l) => l.trim() !== '');
    const repeated = lines.filter((l, i) => lines.indexOf(l) !== i);
    expect(repeated, stderr).toEqual([]);
    // One line per missing model (CLIP's image and image_text together), not one per vector.
    const unavailable = lines.filter((l) => / unavailable: /.test(l));
    expect(unavailable.length, stderr).toBeGreaterThan(0);
    const models = unavailable.map((l) => /\(([^)]+)\) unavailable/.exec(l)?.[1]);
    expect(new Set(models).size).toBe(unavailable.length);
    expect(stderr).toMatch(/SIGINT, shutting down/);
  }, 180_000);
});

describe('media sniffing messages', () => {
  it('names the expected kind with the right article', async () => {
    const bytes = new TextEncoder().encode('just some text, not media');
    await expect(sniffMedia(bytes, 'image')).rejects.toThrow(/not an image file/);
    await expect(sniffMedia(bytes, 'audio')).rejects.toThrow(/not an audio file/);
  });
});
