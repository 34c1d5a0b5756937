/**
 * Search latency benchmark (same as `chorus bench latency`): /v1/search with text (BM25) plus every named vector,
 * 8 closed-loop clients driven by autocannon in a child process (saturation), a fixed-rate phase (--rate, open
 * loop, latency from each request's due time) and the engine called directly (raw), alternated after a warm-up
 * that runs until throughput is steady; per-stage p50/p99, server CPU per request by thread, load average.
 *   npx tsx bench/latency.ts --n 20000
 *   npx tsx bench/latency.ts --n 100000
 * Writes bench/results/latency.json (one entry per size). A/B of two checkouts (latency-ab.json):
 *   npx tsx bench/latency.ts --n 20000 --data-dir A --compare OTHER_CHECKOUT --compare-data-dir B
 */
import { Command } from 'commander';
import { registerBenchLatencyCommand } from '../src/cli/commands/bench-latency.js';

const program = new Command('latency-bench');
registerBenchLatencyCommand(program);
await program.parseAsync(['node', 'latency-bench', 'bench', 'latency', ...process.argv.slice(2)]);
// A store still closing in the background (see runLatency) must not keep the script alive.
process.exit(0);
