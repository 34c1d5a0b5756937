import v8 from 'node:v8';
import type { ChorusConfig } from '../config.js';

/**
 * Sets V8's heap flags for this process (and every worker it starts later) from `runtime`: allocation-site
 * pretenuring off unless `runtime.allocationSitePretenuring` asks for V8's default; parallel scavenge as
 * `runtime.parallelScavenge` says.
 *
 * Why off: pretenuring allocates an object directly in the old generation once most objects from the same code
 * site survived a scavenge. Under concurrent searches it judged the stage-1 candidates (hundreds of objects per
 * search, dead once the response is written) long-lived, so every search's garbage was promoted: measured at 100k
 * items with 8 concurrent searches in one process, ~185 KB promoted per search, a mark-compact every ~7 s and
 * 10-20 ms scavenges; with it off ~7 KB, no mark-compact in 10 s, ~4 ms scavenges and ~15% less CPU per search (runs
 * alternated; bench/heap-promotion.ts measures it). Whether V8 tenures them depends on the process's history: the
 * README ("The serving heap") has the figures. Set before the stores and workers start, so no site was tenured yet. Parallel scavenge is
 * left on by default: turning it off shortened the longest scavenge but gained nothing in the bench/latency A/B.
 */
export function applyV8HeapSettings(runtime: ChorusConfig['runtime']): void {
  v8.setFlagsFromString(
    runtime.allocationSitePretenuring
      ? '--allocation-site-pretenuring'
      : '--no-allocation-site-pretenuring',
  );
  // Read at every scavenge, so it applies from the next one.
  v8.setFlagsFromString(
    runtime.parallelScavenge ? '--parallel-scavenge' : '--no-parallel-scavenge',
  );
}
