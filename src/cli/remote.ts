import type { Command } from 'commander';
import type { ChorusClient } from '../client/index.js';
import { ERROR_TABLE } from '../errors.js';
import { CliError } from './cli-error.js';
import { configFor } from './options.js';

/** Exit code when no server answers at the URL (`chorus jobs`). */
export const UNREACHABLE_EXIT = 3;

/** --url and --api-key, for commands that talk to a running server over HTTP. */
export function withRemoteOptions(cmd: Command): Command {
  return cmd
    .option(
      '--url <url>',
      'the running Chorus server (CHORUS_URL; default http://127.0.0.1:<port from the config>)',
    )
    .option('--api-key <key>', 'an admin-scope API key (CHORUS_API_KEY, else CHORUS_ADMIN_KEY)');
}

export interface Remote {
  client: ChorusClient;
  url: string;
  /** Runs one call; server errors and an unreachable server become CliErrors with their exit codes. */
  call<T>(fn: (c: ChorusClient) => Promise<T>): Promise<T>;
}

/** The typed client (`chorus/client`) for the server this command targets; loaded only when a command runs. */
export async function remote(cmd: Command): Promise<Remote> {
  const f = cmd.optsWithGlobals() as { url?: string; apiKey?: string };
  const url = f.url ?? process.env.CHORUS_URL ?? `http://127.0.0.1:${(await configFor(cmd)).port}`;
  if (!/^https?:\/\/[^/\s]+/.test(url))
    throw new CliError(`--url must be an http(s) URL, got ${JSON.stringify(url)}`, 2);
  const apiKey = f.apiKey ?? process.env.CHORUS_API_KEY ?? process.env.CHORUS_ADMIN_KEY;
  const { createClient, ChorusApiError, ChorusRequestError } = await import('../client/index.js');
  const client = createClient({ url, apiKey, timeoutMs: 60_000 });
  return {
    client,
    url,
    async call(fn) {
      try {
        return await fn(client);
      } catch (e) {
        if (e instanceof ChorusApiError) {
          const exit = (ERROR_TABLE as Record<string, { exit: number }>)[e.code]?.exit ?? 1;
          throw new CliError(`${e.message} (HTTP ${e.status} ${e.code})`, exit);
        }
        if (e instanceof ChorusRequestError)
          throw new CliError(
            `no Chorus server answered at ${url} (${e.message}): start one with \`chorus serve\`, or point --url / CHORUS_URL at it`,
            UNREACHABLE_EXIT,
          );
        throw e;
      }
    },
  };
}
