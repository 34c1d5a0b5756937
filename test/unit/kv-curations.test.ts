import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KvCurations } from '../../src/app/curations.js';
import { openChorusDb } from '../../src/storage/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('curations kept in chorus.db', () => {
  it("another process's change applies at the next match (its version token changed); a drop removes the rules", () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'chorus-kv-cur-'));
    dirs.push(dir);
    const serverDb = openChorusDb(dir);
    const cliDb = openChorusDb(dir);
    try {
      const server = new KvCurations(serverDb.kv);
      const cli = new KvCurations(cliDb.kv);
      expect(server.match('shop', 'summer sale')).toBeUndefined();
      cli.replace('shop', {
        rules: [{ query: 'summer sale', match: 'exact', promote: ['a'], hide: [] }],
      });
      expect(server.match('shop', 'Summer Sale')?.rule.promote).toEqual(['a']);
      cli.replace('shop', {
        rules: [{ query: 'summer sale', match: 'exact', promote: ['b'], hide: [] }],
      });
      expect(server.match('shop', 'summer sale')?.rule.promote).toEqual(['b']);
      cli.drop('shop');
      expect(server.match('shop', 'summer sale')).toBeUndefined();
      expect(server.get('shop')).toEqual({ rules: [] });
    } finally {
      serverDb.close();
      cliDb.close();
    }
  });
});
