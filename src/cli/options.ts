import type { Command } from 'commander';
import { loadConfig, type ChorusConfig } from '../config.js';

/** Builds the effective config for a subcommand: its own flags over the global ones, over env and file. */
export function configFor(cmd: Command, flags: Record<string, unknown> = {}): ChorusConfig {
  const globals = cmd.optsWithGlobals() as { config?: string; dataDir?: string };
  const merged: Record<string, unknown> = { ...flags };
  if (globals.dataDir !== undefined && merged.dataDir === undefined) merged.dataDir = globals.dataDir;
  return loadConfig({ flags: merged, configFile: globals.config });
}
