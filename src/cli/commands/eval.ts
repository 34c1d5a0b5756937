import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { JudgedRanking, OfflineMetrics } from '../../../rerankers/evaluation.js';
import { ChorusError } from '../../errors.js';
import type { ChorusDb } from '../../storage/index.js';
import { configFor } from '../options.js';

interface EvalFlags {
  collection: string;
  qrels: string;
  queries?: string;
  k: string;
  fusion: string;
  json?: boolean;
}

/** `chorus eval`: offline metrics of each ranker on judgments, and the counterfactual CTR of the promoted model. */
export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description(
      'nDCG@k, MRR, recall@k, catalogue coverage and intra-list diversity per ranker on judgments; IPS/SNIPS CTR of the promoted model on logged traffic',
    )
    .requiredOption('--collection <name>', 'collection')
    .requiredOption(
      '--qrels <file>',
      'judgments: query<TAB>item<TAB>grade per line (query text, or ids with --queries)',
    )
    .option('--queries <file>', 'BEIR queries.jsonl ({"_id","text"}) when the qrels name query ids')
    .option('--k <n>', 'cut-off', '10')
    .option('--fusion <list>', 'rankers to compare', 'rrf,weighted,dbsf,model')
    .option('--json', 'JSON output')
    .action(async (f: EvalFlags, cmd: Command) => {
      const { offlineMetrics, parseQrels } = await import('../../../rerankers/evaluation.js');
      const { attachModelServing } = await import('../../app/model-serving.js');
      const { buildChorus } = await import('../../app/build.js');
      const k = Number(f.k);
      if (!Number.isInteger(k) || k < 1)
        throw new ChorusError('VALIDATION', '--k must be a positive integer');
      const queries = f.queries ? readQueries(f.queries) : undefined;
      const qrels = parseQrels(readFileSync(f.qrels, 'utf8'), queries);
      if (qrels.size === 0)
        throw new ChorusError(
          'VALIDATION',
          `${f.qrels} has no judgments (query<TAB>item<TAB>grade)`,
        );
      const config = await configFor(cmd, { logLevel: 'silent' });
      const chorus = await buildChorus(config, {
        extraRouters: (deps, built) => attachModelServing(deps, built),
      });
      try {
        const catalogue = await chorus.store.count(f.collection);
        const results: Record<string, OfflineMetrics> = {};
        for (const fusion of f.fusion
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)) {
          const rankings: JudgedRanking[] = [];
          for (const [query, judged] of qrels) {
            const r = await chorus.engine.search({
              collection: f.collection,
              query: { text: query },
              fusion,
              limit: k,
              logImpression: false,
            });
            const ids = r.hits.map((h) => h.id);
            const items = await chorus.store.get(f.collection, ids, { withVectors: true });
            const vectors = new Map(
              items
                .map((it) => [it.id, Object.values(it.vectors)[0]!])
                .filter(([, v]) => v !== undefined) as [string, Float32Array][],
            );
            rankings.push({ query, ranked: ids, judged, vectors });
          }
          results[fusion] = offlineMetrics(rankings, k, catalogue);
        }
        const counterfactual = await counterfactualOfPromoted(
          chorus.db,
          config.dataDir,
          f.collection,
        );
        if (f.json)
          process.stdout.write(
            JSON.stringify({ collection: f.collection, k, results, counterfactual }, null, 2) +
              '\n',
          );
        else {
          process.stdout.write(
            `ranker      nDCG@${k}  MRR     recall@${k}  coverage  diversity   (${qrels.size} judged queries)\n`,
          );
          for (const [name, m] of Object.entries(results)) {
            process.stdout.write(
              `${name.padEnd(10)}  ${m.ndcg.toFixed(4)}   ${m.mrr.toFixed(4)}  ${m.recall.toFixed(4)}     ${m.coverage.toFixed(4)}    ${m.diversity.toFixed(4)}\n`,
            );
          }
          if (counterfactual) {
            process.stdout.write(
              `promoted ${counterfactual.version} on ${counterfactual.impressions} logged impressions: clicks/impression logged ${counterfactual.loggedCtr.toFixed(3)}, clipped IPS ${counterfactual.ips.toFixed(3)}, SNIPS ${counterfactual.snips.toFixed(3)}\n`,
            );
          }
        }
      } finally {
        await chorus.close();
      }
    });
}

function readQueries(file: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const q = JSON.parse(line) as { _id?: string; id?: string; text?: string };
    const id = q._id ?? q.id;
    if (id && q.text) out.set(String(id), q.text);
  }
  return out;
}

async function counterfactualOfPromoted(db: ChorusDb, dataDir: string, collection: string) {
  const { estimateCtr } = await import('../../../rerankers/counterfactual.js');
  const { ModelRegistry } = await import('../../model-registry/registry.js');
  const { buildClickthroughs } = await import('../../feedback/training-set.js');
  const registry = new ModelRegistry({ db, dataDir });
  const rec = registry.promoted(collection);
  if (!rec) return undefined;
  const model = registry.loadModel(collection, rec.version);
  const propensities = (model.meta.propensities as number[] | undefined) ?? [1];
  const events = (function* () {
    for (const e of db.events.iterate({
      collection,
      types: ['impression', 'click', 'dwell', 'like', 'purchase'],
    }))
      yield e.event;
  })();
  const cts = buildClickthroughs(events).filter((c) =>
    c.items.every((i) => i.features.length === model.o.F),
  );
  return { version: rec.version, ...estimateCtr(model, cts, propensities) };
}
