/**
 * Indexing throughput benchmark (same as `chorus bench index`): items/s per modality through the indexer beside
 * the raw onnxruntime-node rate of the same model and batch size, measured in the same run, plus a threading
 * comparison (intra-op threads vs concurrent runs vs worker threads).
 *   npx tsx bench/index.ts [--items 64] [--repeats 3] [--intra-op-threads 0] [--no-threading]
 * Writes bench/results/index.json.
 */
import { Command } from 'commander';
import { registerBenchIndexCommand } from '../src/cli/commands/bench-index.js';

const program = new Command('index-bench');
registerBenchIndexCommand(program);
await program.parseAsync(['node', 'index-bench', 'bench', 'index', ...process.argv.slice(2)]);
