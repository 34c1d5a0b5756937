import type { Command } from 'commander';
import { registerBenchUltrCommand } from './commands/bench-ultr.js';
import { registerCompactCommand } from './commands/compact.js';
import { registerEvalCommand } from './commands/eval.js';
import { registerFeedbackCommand } from './commands/feedback.js';
import { registerJobsCommand } from './commands/jobs.js';
import { registerModelsCommand } from './commands/models.js';
import { registerTrainCommand } from './commands/train.js';
import { registerCollectionCommand } from './commands/collection.js';
import { registerIndexCommand } from './commands/index.js';
import { registerQuickstartCommand } from './commands/quickstart.js';
import { registerRecommendCommand } from './commands/recommend.js';
import { registerReembedCommand } from './commands/reembed.js';
import { registerSearchCommand } from './commands/search.js';
import { registerSynonymsCommand } from './commands/synonyms.js';
import { registerCurationsCommand } from './commands/curations.js';
import { registerLexicalCommand } from './commands/lexical.js';
import { registerRankingCommand } from './commands/ranking.js';
import { registerSettingsCommand } from './commands/settings.js';
import { registerAnalyticsCommand } from './commands/analytics.js';
import { registerBackupCommand } from './commands/backup.js';
import { registerItemsCommand } from './commands/items.js';
import { registerServeCommand } from './commands/serve.js';
import { registerBenchBeirCommand } from './commands/bench-beir.js';
import { registerBenchIndexCommand } from './commands/bench-index.js';
import { registerBenchLatencyCommand } from './commands/bench-latency.js';

/** Each subcommand lives in its own file under ./commands and registers itself on the program. */
export type RegisterCommand = (program: Command) => void;

export const COMMANDS: RegisterCommand[] = [
  (p) => registerIndexCommand(p),
  (p) => registerBenchUltrCommand(p),
  (p) => registerCollectionCommand(p),
  (p) => registerServeCommand(p),
  (p) => registerQuickstartCommand(p),
  (p) => registerSearchCommand(p),
  (p) => registerSynonymsCommand(p),
  (p) => registerCurationsCommand(p),
  (p) => registerLexicalCommand(p),
  (p) => registerSettingsCommand(p),
  (p) => registerRankingCommand(p),
  (p) => registerAnalyticsCommand(p),
  (p) => registerBackupCommand(p),
  (p) => registerItemsCommand(p),
  (p) => registerRecommendCommand(p),
  (p) => registerBenchBeirCommand(p),
  (p) => registerBenchIndexCommand(p),
  (p) => registerTrainCommand(p),
  (p) => registerModelsCommand(p),
  (p) => registerEvalCommand(p),
  (p) => registerBenchLatencyCommand(p),
  (p) => registerReembedCommand(p),
  (p) => registerFeedbackCommand(p),
  (p) => registerCompactCommand(p),
  (p) => registerJobsCommand(p),
];
