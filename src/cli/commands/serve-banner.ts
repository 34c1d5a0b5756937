import type { Chorus } from '../../app/build.js';

/** What `serve` and `quickstart` print once listening: where things are and how the server is protected. */
export function printServing(
  chorus: Chorus,
  url: string,
  host: string,
  out: NodeJS.WritableStream = process.stdout,
): void {
  const lines = [
    `Chorus is serving on ${url}`,
    `  admin UI     ${url}/admin   (relevance tuning, judgments, models, jobs)`,
    `  API docs     ${url}/docs   (OpenAPI: ${url}/openapi.json)`,
    `  health       ${url}/healthz   readiness ${url}/readyz   metrics ${url}/metrics`,
  ];
  if (chorus.api.keys.open) {
    lines.push(
      `  no API key configured: bound to ${host} only (set CHORUS_ADMIN_KEY / CHORUS_API_KEYS to serve other hosts)`,
    );
  } else {
    lines.push(`  API keys required (Authorization: Bearer KEY or api-key: KEY); bound to ${host}`);
  }
  out.write(lines.join('\n') + '\n');
}

/** Closes the server and stores on Ctrl-C / SIGTERM, so LanceDB and SQLite end cleanly. */
export function closeOnSignals(chorus: Chorus): void {
  let closing = false;
  const stop = (signal: string) => {
    if (closing) return;
    closing = true;
    process.stderr.write(`chorus: ${signal}, shutting down\n`);
    chorus.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}
