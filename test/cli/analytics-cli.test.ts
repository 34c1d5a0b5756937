import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDataDir, runChorus, seedShop } from '../support/cli.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-analytics-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('chorus analytics queries', () => {
  it('prints the top queries and the failing ones from the logged searches', async () => {
    const dataDir = path.join(dir, 'data');
    await seedShop(
      dataDir,
      ['walnut lamp', 'oak chair'].map((title, i) => ({ id: `i${i}`, title })),
    );
    const chorus = await openDataDir(dataDir);
    try {
      for (const text of ['walnut', 'Walnut!', 'zebra', 'oak chair'])
        await chorus.engine.search({ collection: 'shop', query: { text }, limit: 5 });
      await chorus.engine.flush();
    } finally {
      await chorus.close();
    }
    const env = { ...process.env, CHORUS_DATA_DIR: dataDir, CHORUS_STORE: 'lancedb' };
    const r = await runChorus(
      ['analytics', 'queries', '--collection', 'shop', '--size', '2', '--min-searches', '2'],
      { env },
    );
    expect(r.code, r.stderr).toBe(0);
    const header = '  searches  no result     ctr  click pos  converted  query\n';
    expect(r.stdout).toBe(
      'shop, last 30 day(s): 4 text search(es), 25.0% found nothing\n' +
        'most searched:\n' +
        header +
        '         2          0    0.0%          -       0.0%  walnut\n' +
        '         1          0    0.0%          -       0.0%  oak chair\n' +
        'found nothing:\n' +
        header +
        '         1          1    0.0%          -       0.0%  zebra\n' +
        'no keyword match (vectors alone answered: synonym candidates): none\n' +
        'lowest click-through (results that miss the intent):\n' +
        header +
        '         2          0    0.0%          -       0.0%  walnut\n',
    );
    const json = await runChorus(['analytics', 'queries', '--collection', 'shop', '--json'], {
      env,
    });
    expect(JSON.parse(json.stdout).searches).toBe(4);
    const missing = await runChorus(['analytics', 'queries', '--collection', 'nope'], { env });
    expect(missing.code).toBe(2);
  });
});
