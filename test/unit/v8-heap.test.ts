import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const MODULE = path.join(ROOT, 'src/app/v8-heap.ts');

/**
 * The pattern that hurt serving: one code site whose objects first all survived (V8 tenures the site), then live
 * briefly (a search's candidates). Returns the MB the old generation grew by during the short-lived phase.
 */
const SCRIPT = (pretenuring: boolean) => `
import v8 from 'node:v8';
import { applyV8HeapSettings } from ${JSON.stringify(MODULE)};
applyV8HeapSettings({ allocationSitePretenuring: ${pretenuring}, parallelScavenge: true });
const old = () => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space').space_used_size;
function make(i) { return { id: i, score: i * 0.5 }; }
const ring = new Array(1000);
function run(n, keep) {
  for (let i = 0; i < n; i++) { const o = make(i); if (keep) keep.push(o); else ring[i % 1000] = o; }
}
let keep = [];
// Long enough for the young generation to reach its full size: V8 tenures a site only at such a scavenge.
for (let r = 0; r < 40; r++) run(100000, keep);
keep = null;
let grew = 0, last = old();
for (let r = 0; r < 400; r++) { run(20000); const u = old(); if (u > last) grew += u - last; last = u; }
console.log(grew / 2 ** 20);
`;

/** Run as a file: code evaluated by `node -e` did not show V8's tenuring at all. */
function oldGenGrowthMb(pretenuring: boolean): number {
  const dir = mkdtempSync(path.join(tmpdir(), 'chorus-v8-heap-'));
  try {
    const file = path.join(dir, 'run.mjs');
    writeFileSync(file, SCRIPT(pretenuring));
    // GC on the main thread only: no concurrent marking or parallel scavenge whose timing (a loaded CI machine)
    // changes when V8 collects, and so what it decides.
    const out = execFileSync(process.execPath, ['--single-threaded-gc', '--import', 'tsx', file], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
    });
    return Number(out.trim());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('V8 heap settings', () => {
  it('keeps short-lived objects of a once-tenured site out of the old generation unless pretenuring is asked for', () => {
    // ~250 MB of objects are allocated in the short-lived phase (measured: tenured 130-420 MB of old-generation
    // growth, untenured 2-12 MB). V8's decision to tenure is a heuristic: "on" gets a few tries to show it, so a
    // run where it did not happen cannot make the "off" figure look meaningful when it is not.
    let on = 0;
    for (let attempt = 0; attempt < 3 && on <= 60; attempt++) on = oldGenGrowthMb(true);
    expect(on).toBeGreaterThan(60);
    for (let run = 0; run < 2; run++) expect(oldGenGrowthMb(false)).toBeLessThan(on / 4);
  });

  it('is off by default and settable as runtime.allocationSitePretenuring / CHORUS_RUNTIME__ALLOCATION_SITE_PRETENURING', () => {
    expect(loadConfig({ env: {}, cwd: '/' }).runtime).toEqual({
      allocationSitePretenuring: false,
      parallelScavenge: true,
    });
    expect(
      loadConfig({ env: { CHORUS_RUNTIME__ALLOCATION_SITE_PRETENURING: 'true' }, cwd: '/' }).runtime
        .allocationSitePretenuring,
    ).toBe(true);
  });
});
