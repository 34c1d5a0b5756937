/**
 * Search latency benchmark (same as `chorus bench latency`): /v1/search under 8 concurrent clients (autocannon)
 * beside a raw ANN loop on the same vectors, with the per-stage breakdown.
 *   npx tsx bench/latency.ts                 # 20k items (quick)
 *   npx tsx bench/latency.ts --n 100000      # the figure
 * Writes bench/results/latency.json.
 */
import { Command } from 'commander';
import { registerBenchLatencyCommand } from '../src/cli/commands/bench-latency.js';

const program = new Command('latency-bench');
registerBenchLatencyCommand(program);
await program.parseAsync(['node', 'latency-bench', 'bench', 'latency', ...process.argv.slice(2)]);
