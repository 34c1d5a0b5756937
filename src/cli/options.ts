import type { Command } from 'commander';
import type { ChorusConfig } from '../config.js';

/**
 * Builds the effective config for a subcommand: its own flags over the global ones, over env and file.
 * Async so the config module (zod, yaml) loads when a command runs, not when `chorus --help` prints.
 */
export async function configFor(
  cmd: Command,
  flags: Record<string, unknown> = {},
): Promise<ChorusConfig> {
  const { loadConfig } = await import('../config.js');
  const globals = cmd.optsWithGlobals() as { config?: string; dataDir?: string };
  const merged: Record<string, unknown> = { ...flags };
  if (globals.dataDir !== undefined && merged.dataDir === undefined)
    merged.dataDir = globals.dataDir;
  return loadConfig({ flags: merged, configFile: globals.config });
}
