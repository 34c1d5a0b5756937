/**
 * BEIR benchmark (same as `chorus bench beir`): BM25 / dense / hybrid on a BEIR-layout folder.
 *   npx tsx bench/beir.ts --dataset ../shared/data/beir_scifact                 # BM25 (k1 1.2, b 0.75)
 *   npx tsx bench/beir.ts --dataset DIR --retriever hybrid                       # needs a text model
 * Prints nDCG@10, MRR@10, recall@100, queries/s; writes bench/results/beir.json.
 */
import { Command } from 'commander';
import { registerBenchBeirCommand } from '../src/cli/commands/bench-beir.js';

const program = new Command('beir-bench');
registerBenchBeirCommand(program);
await program.parseAsync(['node', 'beir-bench', 'bench', 'beir', ...process.argv.slice(2)]);
