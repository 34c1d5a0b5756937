import type { Command } from 'commander';
import { ChorusError } from '../../errors.js';
import { configFor } from '../options.js';
import { closeOnSignals, printServing } from './serve-banner.js';

export function parsePort(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new ChorusError('BAD_REQUEST', `--port must be 0-65535, got ${v}`);
  return n;
}

/** `chorus serve [--port 8080] [--host H]`: the HTTP API (and the admin UI when present). */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the HTTP API (binds 127.0.0.1 unless an API key is configured)')
    .option('--port <port>', 'port (CHORUS_PORT, default 8080; 0 picks a free one)', parsePort)
    .option('--host <host>', 'bind address (CHORUS_HOST; ignored without API keys: loopback only)')
    .action(async (flags: { port?: number; host?: string }, cmd: Command) => {
      const { buildChorus } = await import('../../app/build.js');
      const { servedExtras } = await import('../../app/extras.js');
      const config = await configFor(cmd, { port: flags.port, host: flags.host });
      const chorus = await buildChorus(config, {
        extraRouters: servedExtras((line) => process.stderr.write(`chorus: ${line}\n`)),
      });
      // The registry already logged its notes (the fallbacks it took) while loading.
      for (const line of chorus.registry?.missingLines() ?? [])
        process.stderr.write(`chorus: ${line}\n`);
      const { url, host } = await chorus.listen();
      printServing(chorus, url, host);
      closeOnSignals(chorus);
    });
}
