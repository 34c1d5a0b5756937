import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { Engine } from '../engine/engine.js';
import { ChorusError } from '../errors.js';
import { configFor } from './options.js';

/** Runs `fn` on an engine over the configured stores without encoders (settings commands), then closes it. */
export async function withEngine<T>(cmd: Command, fn: (engine: Engine) => Promise<T>): Promise<T> {
  const { buildChorus } = await import('../app/build.js');
  const chorus = await buildChorus(await configFor(cmd, { logLevel: 'silent' }), {
    encoders: 'none',
  });
  try {
    return await fn(chorus.engine);
  } finally {
    await chorus.close();
  }
}

/** A settings file's text, or a usage error naming it. */
export function readSettingsFile(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new ChorusError('BAD_REQUEST', `cannot read ${path}: ${(e as Error).message}`);
  }
}
