/**
 * Unbiased learning to rank benchmark (same as `chorus bench ultr`): production ranker from 1% of the training
 * labels, position-based simulated clicks on its top-10, the fusion trainer naive vs IPS vs true-label skyline.
 *   npx tsx bench/ultr.ts                                  # synthetic LETOR data, 5 seeds
 *   npx tsx bench/ultr.ts --data ~/MSLR-WEB10K --runs 5    # every Fold1..5
 * Flags as `chorus bench ultr --help`; writes bench/results/ultr.json.
 */
import { Command } from 'commander';
import { registerBenchUltrCommand } from '../src/cli/commands/bench-ultr.js';

const program = new Command('ultr-bench');
registerBenchUltrCommand(program);
await program.parseAsync(['node', 'ultr-bench', 'bench', 'ultr', ...process.argv.slice(2)]);
