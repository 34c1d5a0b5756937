/**
 * Search latency benchmark (same as `chorus bench latency`): /v1/search with text (BM25) plus every named vector,
 * 8 concurrent clients driven by autocannon in a child process, alternating after one shared warm-up with the
 * engine called directly (raw); per-stage p50/p99 from the responses' timings; load average around each phase.
 *   npx tsx bench/latency.ts --n 20000
 *   npx tsx bench/latency.ts --n 100000
 * Writes bench/results/latency.json (one entry per size).
 */
import { Command } from 'commander';
import { registerBenchLatencyCommand } from '../src/cli/commands/bench-latency.js';

const program = new Command('latency-bench');
registerBenchLatencyCommand(program);
await program.parseAsync(['node', 'latency-bench', 'bench', 'latency', ...process.argv.slice(2)]);
// A store still closing in the background (see runLatency) must not keep the script alive.
process.exit(0);
