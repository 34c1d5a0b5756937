import type { Command } from 'commander';
import { configFor } from '../options.js';
import { closeOnSignals, printServing } from './serve-banner.js';
import { parsePort } from './serve.js';

/** `chorus quickstart`: index the bundled corpus into ./chorus-data with whatever encoders work offline, then serve. */
export function registerQuickstartCommand(program: Command): void {
  program
    .command('quickstart')
    .description(
      'index the bundled fixtures into ./chorus-data with the models available, then serve the API',
    )
    .option('--port <port>', 'port (default 8080)', parsePort)
    .option('--no-serve', 'index only, do not start the server')
    .action(async (flags: { port?: number; serve: boolean }, cmd: Command) => {
      const { createEncoderRegistry } = await import('../../../indexers/registry.js');
      const { indexQuickstart, QUICKSTART_COLLECTION } =
        await import('../../app/quickstart-index.js');
      const config = await configFor(cmd, { port: flags.port });
      const out = process.stdout;
      out.write(`Chorus quickstart: data in ${config.dataDir}\n`);
      const registry = await createEncoderRegistry(config);
      out.write(
        `encoders: ${registry.available.map((e) => `${e.vectorName} (${e.modelId}, ${e.dim}d)`).join(', ') || 'none'}; BM25 always on\n`,
      );
      // The registry already logged which fallbacks it took; say what is missing and how to get it, once per model.
      const seen = new Set<string>();
      for (const m of registry.missing) {
        if (seen.has(m.modelId)) continue;
        seen.add(m.modelId);
        const names = registry.missing
          .filter((x) => x.modelId === m.modelId)
          .map((x) => x.vectorName);
        out.write(`  missing ${names.join(' + ')}: ${m.reason}\n`);
      }
      let last = 0;
      const summary = await indexQuickstart(config, registry, {
        onProgress: (s) => {
          const now = Date.now();
          if (now - last > 2000) {
            last = now;
            out.write(`  indexing... ${s.done}/${s.total} (${s.failed} failed)\n`);
          }
        },
      });
      out.write(
        `indexed ${summary.indexed}, unchanged ${summary.skipped}, failed ${summary.failed} of ${summary.total} items into "${QUICKSTART_COLLECTION}" in ${(summary.elapsedMs / 1000).toFixed(1)}s` +
          (summary.errorReport ? ` (errors: ${summary.errorReport})` : '') +
          '\n',
      );
      if (!flags.serve) {
        await registry.close();
        return;
      }
      const { buildChorus } = await import('../../app/build.js');
      const { servedExtras } = await import('../../app/extras.js');
      const chorus = await buildChorus(config, {
        encoders: registry,
        extraRouters: servedExtras((line) => process.stderr.write(`chorus: ${line}\n`)),
      });
      const { url, host } = await chorus.listen();
      printServing(chorus, url, host);
      out.write(
        // With keys configured the example must carry one (a read key is enough); the key itself is never printed.
        `try:\n  curl -s ${url}/v1/search -H 'content-type: application/json'${chorus.api.keys.open ? '' : ' -H "authorization: Bearer $CHORUS_API_KEY"'} -d '{"collection":"${QUICKSTART_COLLECTION}","text":"red dress"}'\n` +
          `  npx chorus search "spoken digit seven" --collection ${QUICKSTART_COLLECTION}\n`,
      );
      closeOnSignals(chorus);
    });
}
