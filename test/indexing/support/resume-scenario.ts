import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bm25Index } from '../../../src/lexical/bm25-index.js';
import { LanceDbStore } from '../../../src/stores/lancedb-store.js';
import type { IndexSummary } from '../../../src/indexing/index-run.js';
import { openChorusDb } from '../../../src/storage/index.js';
import { chorusEntry } from '../../support/cli.js';
import { writeTestCorpus, type TestCorpus } from './corpus.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** Environment for a `chorus index` child: its own data dir, the tiny fixture models, CPU only. */
export function childEnv(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith('CHORUS_') || k === 'REDIS_URL') delete env[k];
  return {
    ...env,
    CHORUS_DATA_DIR: dataDir,
    CHORUS_MODEL_DIR: path.join(ROOT, 'fixtures/models'),
    CHORUS_MODELS__TEXT: 'chorus-test/tiny-text',
    CHORUS_MODELS__IMAGE: 'chorus-test/tiny-clip',
    CHORUS_MODELS__AUDIO: 'chorus-test/tiny-clap',
    CHORUS_EXECUTION_PROVIDERS: 'cpu',
    ...extra,
  };
}

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `chorus index` as a real child process (the built CLI, no npx wrapper, so SIGKILL hits the indexer
 * itself). With `killAtFraction`, the child gets `signal` (SIGKILL by default) as soon as a progress line
 * reports that share of the items done.
 */
export function runIndexChild(
  args: string[],
  env: NodeJS.ProcessEnv,
  killAtFraction?: number,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<ChildResult & { killedAt?: number }> {
  return chorusEntry().then((entry) => indexChild(entry, args, env, killAtFraction, signal));
}

function indexChild(
  entry: string[],
  args: string[],
  env: NodeJS.ProcessEnv,
  killAtFraction: number | undefined,
  signal: NodeJS.Signals,
): Promise<ChildResult & { killedAt?: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...entry, 'index', ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killedAt: number | undefined;
    child.stdout.on('data', (d) => (stdout += d.toString()));
    child.stderr.on('data', (d) => {
      stderr += d.toString();
      if (killAtFraction === undefined || killedAt !== undefined) return;
      for (const m of stderr.matchAll(/indexing: (\d+)\/(\d+) items/g)) {
        const done = Number(m[1]);
        const total = Number(m[2]);
        if (done >= total * killAtFraction && done < total) {
          killedAt = done;
          child.kill(signal);
          break;
        }
      }
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal, stdout, stderr, killedAt }));
  });
}

export interface StoredState {
  count: number;
  ids: string[];
  indexedAt: Map<string, number>;
}

export async function readStored(dataDir: string, collection: string): Promise<StoredState> {
  const store = await LanceDbStore.open({ dataDir });
  try {
    const names = (await store.listCollections()).map((c) => c.name);
    if (!names.includes(collection)) return { count: 0, ids: [], indexedAt: new Map() };
    const ids: string[] = [];
    const indexedAt = new Map<string, number>();
    let cursor: string | undefined;
    do {
      const page = await store.scroll(collection, { limit: 500, cursor });
      for (const item of page.items) ids.push(item.id);
      cursor = page.next;
    } while (cursor);
    const db = openChorusDb(dataDir);
    try {
      for (const [id, p] of db.provenance.get(collection, ids)) indexedAt.set(id, p.indexedAt);
    } finally {
      db.close();
    }
    return { count: await store.count(collection), ids, indexedAt };
  } finally {
    await store.close();
  }
}

export interface ScenarioOutcome {
  corpus: TestCorpus;
  dataDir: string;
  killedAt?: number;
  first: ChildResult;
  before: StoredState;
  second: ChildResult;
  summary: IndexSummary;
  after: StoredState;
  report: { id: string; path: string | null; code: string; reason: string }[];
  /** Documents in the BM25 index for the collection after the resume. */
  lexicalCount: number;
  cleanup(): void;
}

/** Index a corpus with bad files, SIGKILL the indexer mid-run, rerun it with --resume, and collect the evidence. */
export async function killAndResume(
  extraEnv: Record<string, string> = {},
): Promise<ScenarioOutcome> {
  const work = mkdtempSync(path.join(tmpdir(), 'chorus-resume-'));
  const corpus = await writeTestCorpus(path.join(work, 'input'), {
    texts: 160,
    images: 8,
    audios: 6,
    outside: path.join(work, 'outside'),
  });
  const dataDir = path.join(work, 'data');
  const env = childEnv(dataDir, extraEnv);
  const args = [
    corpus.dir,
    '--collection',
    'resume',
    '--batch-size',
    '4',
    '--concurrency',
    '1',
    '--progress-interval',
    '50',
  ];
  const first = await runIndexChild(args, env, 0.3);
  const before = await readStored(dataDir, 'resume');
  const second = await runIndexChild([...args, '--resume', '--json'], env);
  const summary = JSON.parse(second.stdout.trim().split('\n').pop() ?? '{}') as IndexSummary;
  const after = await readStored(dataDir, 'resume');
  const report = summary.errorReport
    ? readFileSync(summary.errorReport, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as ScenarioOutcome['report'][number])
    : [];
  const bm25 = new Bm25Index(path.join(dataDir, 'lexical.sqlite'));
  const lexicalCount = bm25.count('resume');
  bm25.close();
  return {
    corpus,
    dataDir,
    lexicalCount,
    killedAt: first.killedAt,
    first,
    before,
    second,
    summary,
    after,
    report,
    cleanup: () => rmSync(work, { recursive: true, force: true }),
  };
}
