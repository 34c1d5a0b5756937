import type { Command } from 'commander';
import { registerBenchUltrCommand } from './commands/bench-ultr.js';
import { registerCollectionCommand } from './commands/collection.js';
import { registerIndexCommand } from './commands/index.js';

/** Each subcommand lives in its own file under ./commands and registers itself on the program. */
export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [(p) => registerIndexCommand(p), (p) => registerBenchUltrCommand(p), (p) => registerCollectionCommand(p)];
