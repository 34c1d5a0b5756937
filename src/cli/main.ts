import { Command, CommanderError } from 'commander';
import { ChorusError } from '../errors.js';
import { CliError } from './cli-error.js';
import { COMMANDS } from './commands.js';

/** Exit codes: 0 ok, 1 failure, 2 bad usage or bad input, 3 no server answered (commands that call one). */
async function main(argv: string[]): Promise<number> {
  const program = new Command('chorus')
    .description('Chorus: multimodal search and recommendation (text, image, audio)')
    .option('--config <file>', 'config file (chorus.config.json|yaml)')
    .option('--data-dir <dir>', 'data directory (CHORUS_DATA_DIR, default ./chorus-data)')
    .showHelpAfterError()
    .exitOverride();
  for (const register of COMMANDS) register(program);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof CliError) {
      process.stderr.write(`chorus: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof ChorusError) {
      process.stderr.write(`chorus: ${e.message}\n`);
      return e.exitCode;
    }
    // A system error (a data dir that is a file, a full disk, a path that cannot be created) names its path and
    // cause in its message: a stack trace would only bury it.
    const sys = e as NodeJS.ErrnoException;
    if (e instanceof Error && typeof sys.syscall === 'string' && typeof sys.code === 'string') {
      process.stderr.write(`chorus: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`chorus: ${(e as Error).stack ?? String(e)}\n`);
    return 1;
  }
}

const code = await main(process.argv);
// Servers keep running; one-shot commands exit with their code.
if (code !== 0 || !process.env.CHORUS_KEEP_ALIVE) process.exitCode = code;
