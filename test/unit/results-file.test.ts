import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { recordRun } from '../../src/bench/results-file.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const tempDir = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'chorus-results-'));
  dirs.push(d);
  return d;
};
const read = (d: string, f: string) =>
  JSON.parse(readFileSync(path.join(d, f), 'utf8')) as Record<string, Record<string, unknown>>;

describe('recordRun', () => {
  it('keeps the other keys, replaces its own and stamps the run', () => {
    const d = path.join(tempDir(), 'nested');
    recordRun(d, 'latency.json', '20000', { items: 20000, qps: 1 });
    recordRun(d, 'latency.json', '100000', { items: 100000, qps: 2 });
    recordRun(d, 'latency.json', '20000', { items: 20000, qps: 3 });
    const runs = read(d, 'latency.json');
    expect(Object.keys(runs).sort()).toEqual(['100000', '20000']);
    expect(runs['20000']).toMatchObject({ items: 20000, qps: 3 });
    expect(runs['100000']).toMatchObject({ items: 100000, qps: 2 });
    expect(typeof runs['20000']!.at).toBe('string');
  });

  it('starts afresh from an unreadable file or one the caller rejects', () => {
    const d = tempDir();
    writeFileSync(path.join(d, 'a.json'), '{ not json');
    recordRun(d, 'a.json', 'k', { x: 1 });
    expect(Object.keys(read(d, 'a.json'))).toEqual(['k']);

    writeFileSync(path.join(d, 'b.json'), JSON.stringify({ items: 5, old: true }));
    recordRun(d, 'b.json', '7', { items: 7 }, (previous) => !('items' in previous));
    expect(Object.keys(read(d, 'b.json'))).toEqual(['7']);
  });
});
