import { Argument, Option, type Command } from 'commander';
import type { ChorusClient } from '../../client/index.js';
import { CliError } from '../cli-error.js';
import { remote, withRemoteOptions, type Remote } from '../remote.js';
import { positiveInt } from './search.js';

type JobState = Awaited<ReturnType<ChorusClient['jobs']['get']>>;
type JobSummary = Awaited<ReturnType<ChorusClient['jobs']['counts']>>['jobs'][number];

const JOB_NAMES = ['reembed-collection', 'cf-refresh', 'lexical-rebuild', 'train-model'] as const;
const FINAL = new Set(['completed', 'failed', 'cancelled']);
const EXIT_HELP =
  '\nTalks to a running server (`chorus serve`) over HTTP with the typed client, so it sees and steers the jobs that ' +
  "server's worker runs (training included). Needs an admin-scope key when keys are configured.\n" +
  'Exit codes: 0 ok, 1 the job failed or was cancelled (with --wait), 2 bad usage, unknown job (404) or a refused key, ' +
  '3 no server answered at the URL.';

const print = (s: string) => void process.stdout.write(s + '\n');
const json = (v: unknown) => print(JSON.stringify(v, null, 2));

function progressOf(j: Pick<JobSummary, 'status' | 'progress'>): string {
  return j.status === 'active' && typeof j.progress === 'number'
    ? ` ${Math.round(j.progress * 100)}%`
    : '';
}

function line(j: JobSummary): string {
  const added = j.addedAt ? new Date(j.addedAt).toISOString() : '-';
  return [j.id, j.name, j.status + progressOf(j), j.collection ?? '-', added, j.reason ?? '']
    .join('\t')
    .trimEnd();
}

/** What a finished job produced, in a sentence (training: the model, and whether the guard let it serve). */
function outcome(j: JobState): string[] {
  if (j.status === 'failed' || j.status === 'cancelled') return [`reason: ${j.reason ?? '-'}`];
  if (j.status !== 'completed') return [];
  const r = j.result as
    | {
        model?: { version: string; status: string };
        promotion?: { promoted: boolean; code?: string; message?: string; forced?: boolean };
      }
    | undefined;
  if (j.name !== 'train-model' || !r?.model) return [`result: ${JSON.stringify(j.result ?? null)}`];
  const out = [`model: ${r.model.version} (${r.model.status})`];
  if (r.promotion?.promoted)
    out.push(`promotion: promoted${r.promotion.forced ? ' (forced)' : ''}`);
  else if (r.promotion)
    out.push(`promotion: refused (${r.promotion.code}): ${r.promotion.message ?? ''}`);
  return out;
}

function show(j: JobState): void {
  print(`${j.id}\t${j.name}\t${j.status}${progressOf(j)}\t${j.collection ?? '-'}`);
  for (const l of outcome(j)) print(`  ${l}`);
}

/** Polls until the job is final; progress goes to stderr. Exit 0 completed, 1 failed or cancelled. */
async function waitFor(r: Remote, id: string, intervalMs: number, asJson: boolean): Promise<void> {
  let last = '';
  for (;;) {
    const j = await r.call((c) => c.jobs.get({ id }));
    if (FINAL.has(j.status)) {
      if (asJson) json(j);
      else show(j);
      if (j.status !== 'completed') process.exitCode = 1;
      return;
    }
    const now = j.status + progressOf(j);
    if (now !== last && !asJson) process.stderr.write(`${id}: ${now}\n`);
    last = now;
    await new Promise((res) => setTimeout(res, intervalMs));
  }
}

function parsePayload(text: string | undefined, collection: string | undefined) {
  let payload: Record<string, unknown> = {};
  if (text !== undefined) {
    try {
      payload = JSON.parse(text) as Record<string, unknown>;
    } catch (e) {
      throw new CliError(`--payload is not JSON: ${(e as Error).message}`, 2);
    }
    if (!payload || typeof payload !== 'object' || Array.isArray(payload))
      throw new CliError('--payload must be a JSON object', 2);
  }
  if (collection !== undefined) payload.collection = collection;
  return payload;
}

/** `chorus jobs list|start|status|cancel`: the server's job queue, as GET/POST /v1/jobs see it. */
export function registerJobsCommand(program: Command): void {
  const jobs = program
    .command('jobs')
    .description(
      "list, start, follow and cancel a running server's jobs (re-embed, cf refresh, training)",
    )
    .addHelpText('after', EXIT_HELP);
  const interval = () =>
    new Option('--interval <ms>', 'poll interval with --wait')
      .argParser(positiveInt('--interval'))
      .default(500);

  withRemoteOptions(
    jobs
      .command('list')
      .description('the newest jobs: id, name, state (and progress), collection, added, reason'),
  )
    .option('--limit <n>', 'how many', positiveInt('--limit'), 20)
    .option('--json', 'JSON output (queue, counts, jobs)')
    .action(async (f: { limit: number; json?: boolean }, cmd: Command) => {
      const r = await remote(cmd);
      const out = await r.call((c) => c.jobs.counts({ limit: f.limit }));
      if (f.json) return json(out);
      const n = out.counts;
      print(
        `queue ${out.queue}: ${n.waiting} waiting, ${n.active} running, ${n.delayed} delayed, ${n.completed} completed, ${n.failed} failed`,
      );
      if (!out.jobs.length) return print('no jobs yet: chorus jobs start NAME --collection C');
      for (const j of out.jobs) print(line(j));
    });

  withRemoteOptions(
    jobs
      .command('start')
      .description('start a job on the server (prints its id; --wait follows it to the end)')
      .addArgument(new Argument('<name>', 'job').choices(JOB_NAMES)),
  )
    .option('--collection <name>', 'the collection (payload.collection)')
    .option(
      '--payload <json>',
      'the job payload as JSON, as POST /v1/jobs takes it (train-model: the body of POST /v1/models/train, e.g. {"epochs":20,"promote":true})',
    )
    .option('--wait', 'poll until the job ends; exit 1 if it failed or was cancelled')
    .addOption(interval())
    .option('--json', 'JSON output')
    .action(
      async (
        name: (typeof JOB_NAMES)[number],
        f: {
          collection?: string;
          payload?: string;
          wait?: boolean;
          interval: number;
          json?: boolean;
        },
        cmd: Command,
      ) => {
        const payload = parsePayload(f.payload, f.collection);
        if (typeof payload.collection !== 'string')
          throw new CliError('a job needs a collection: --collection NAME', 2);
        const r = await remote(cmd);
        const started = await r.call((c) =>
          c.jobs.start({ name, payload } as Parameters<ChorusClient['jobs']['start']>[0]),
        );
        if (!f.wait) return f.json ? json(started) : print(started.id);
        if (!f.json) process.stderr.write(`started ${started.id}\n`);
        await waitFor(r, started.id, f.interval, f.json === true);
      },
    );

  withRemoteOptions(
    jobs.command('status').description('one job: state, progress, result or reason'),
  )
    .argument('<id>', 'job id (from list or start)')
    .option('--wait', 'poll until the job ends; exit 1 if it failed or was cancelled')
    .addOption(interval())
    .option('--json', 'JSON output')
    .action(
      async (id: string, f: { wait?: boolean; interval: number; json?: boolean }, cmd: Command) => {
        const r = await remote(cmd);
        if (f.wait) return waitFor(r, id, f.interval, f.json === true);
        const j = await r.call((c) => c.jobs.get({ id }));
        if (f.json) json(j);
        else show(j);
      },
    );

  withRemoteOptions(
    jobs
      .command('cancel')
      .description(
        'cancel a waiting or running job (a cancelled training registers nothing); a finished job is left as it is',
      ),
  )
    .argument('<id>', 'job id')
    .option('--json', 'JSON output')
    .action(async (id: string, f: { json?: boolean }, cmd: Command) => {
      const r = await remote(cmd);
      const out = await r.call((c) => c.jobs.cancel({ id }));
      if (f.json) return json(out);
      print(
        out.cancel === 'finished'
          ? `${id}: already over (${out.status}), nothing to cancel`
          : `${id}: ${out.cancel}`,
      );
    });
}
