import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runChorus, seedShop } from '../support/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-ranking-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('chorus ranking', () => {
  it("shows and sets a collection's default ranking; searches use it; bad settings change nothing", async () => {
    const dataDir = path.join(dir, 'data');
    await seedShop(dataDir, [
      { id: 'i0', title: 'walnut sofa' },
      { id: 'i1', title: 'oak chair' },
    ]);
    const run = (...args: string[]) =>
      runChorus(args, {
        env: { ...process.env, CHORUS_DATA_DIR: dataDir, CHORUS_STORE: 'lancedb' },
      });
    const show = async () => {
      const r = await run('ranking', 'show', '--collection', 'shop', '--json');
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as unknown;
    };

    const initial = await run('ranking', 'show', '--collection', 'shop');
    expect(initial.code, initial.stderr).toBe(0);
    expect(initial.stdout).toBe('shop: configured defaults (no preset)\n');

    const set = await run(
      'ranking',
      'set',
      '--collection',
      'shop',
      '--fusion',
      'weighted',
      '--weight',
      'bm25=2',
      '--weight',
      'text=0.5',
      '--candidates',
      '50',
    );
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toBe(
      'shop: preset shop (fusion "weighted", weights {"bm25":2,"text":0.5}, candidates 50)\n',
    );
    const weighted = {
      preset: 'shop',
      fusion: 'weighted',
      weights: { bm25: 2, text: 0.5 },
      candidates: 50,
    };
    expect(await show()).toEqual(weighted);
    const search = await run('search', 'sofa', '--collection', 'shop', '--json');
    expect(search.code, search.stderr).toBe(0);
    // Without a promoted model the learned ranker serves the collection's preset (its version says which).
    const { ranker } = JSON.parse(search.stdout) as { ranker: { name: string; version: string } };
    expect([ranker.name, ranker.version]).toContain('weighted');

    // Refused: exit 2 naming the problem; the stored ranking stays.
    const refused = async (args: string[], message: RegExp) => {
      const r = await run('ranking', 'set', '--collection', 'shop', ...args);
      expect(r.code, r.stdout).toBe(2);
      expect(r.stderr).toMatch(message);
    };
    await refused(['--fusion', 'best'], /fusion/);
    await refused(['--rrf-k', 'ten'], /--rrf-k takes a whole number/);
    await refused(['--weight', 'text'], /--weight takes list=W/);
    await refused(['--preset', 'nope'], /nope/);
    await refused(['--clear', '--fusion', 'rrf'], /--clear takes no preset or settings/);
    await refused([], /say what to apply/);
    expect(await show()).toEqual(weighted);
    const other = await run('ranking', 'show', '--collection', 'nowhere');
    expect(other.code).toBe(2);

    const cleared = await run('ranking', 'set', '--collection', 'shop', '--clear');
    expect(cleared.code, cleared.stderr).toBe(0);
    expect(cleared.stdout).toBe('shop: configured defaults (no preset)\n');
    expect(await show()).toEqual({ preset: null });
    // The preset outlives the default: applied again by name.
    const again = await run('ranking', 'set', '--collection', 'shop', '--preset', 'shop');
    expect(again.code, again.stderr).toBe(0);
    expect(await show()).toEqual(weighted);
  });
});
