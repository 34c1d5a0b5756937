import { existsSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CollectionName } from './domain/names.js';
import { ChorusError } from './errors.js';

/**
 * Settings: flags > CHORUS_* environment > optional chorus.config.(json|yaml), validated by one zod schema.
 * Nested keys map to env as CHORUS_<SECTION>__<KEY> (e.g. CHORUS_SEARCH__RRF_K=60).
 */

const bool = z.preprocess((v) => {
  if (typeof v !== 'string') return v;
  const s = v.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(s)) return true;
  if (['0', 'false', 'no', 'off', ''].includes(s)) return false;
  return v;
}, z.boolean());
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = <T extends z.ZodTypeAny>(item: T) =>
  z.preprocess(
    (v) =>
      typeof v === 'string'
        ? v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : v,
    z.array(item),
  );

export const Scope = z.enum(['read', 'write', 'admin']);
export type Scope = z.infer<typeof Scope>;

/** `scope` or `scope@c1|c2` (the collections a key is limited to). */
function scopeEntry(key: string, spec: string): Record<string, unknown> {
  const at = spec.indexOf('@');
  if (at < 0) return { key, scope: spec };
  return { key, scope: spec.slice(0, at), collections: spec.slice(at + 1).split('|') };
}

/**
 * `key:scope,key2:scope@shop|books` (scope defaults to read; admin implies write implies read). `@c1|c2` limits a
 * key to those collections (a tenant's key): it may only call routes that name a collection, and only theirs.
 */
export const ApiKeys = z.preprocess(
  (v) =>
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
          .map((entry) => {
            const i = entry.lastIndexOf(':');
            return i > 0
              ? scopeEntry(entry.slice(0, i), entry.slice(i + 1))
              : { key: entry, scope: 'read' };
          })
      : v,
  z.array(
    z
      .object({
        key: z.string().min(8, 'API keys need at least 8 characters'),
        scope: Scope,
        collections: z.array(CollectionName).min(1).max(1000).optional(),
      })
      .strict(),
  ),
);

export const ModelsConfig = z
  .object({
    text: z.string().default('Xenova/all-MiniLM-L6-v2'),
    image: z.string().default('Xenova/clip-vit-base-patch32'),
    audio: z.string().default('Xenova/clap-htsat-unfused'),
    /** Speech-to-text whose transcript also feeds the text vector; empty disables it. */
    speech: z.string().default(''),
    dtype: z.enum(['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4']).default('fp32'),
    /** Which modalities to encode; a missing model disables its modality with a clear message. */
    enabled: list(z.enum(['text', 'image', 'audio'])).default(['text', 'image', 'audio']),
  })
  .strict();

export const LimitsConfig = z
  .object({
    maxBodyBytes: int(1024, 1 << 30).default(2 * 1024 * 1024),
    /** JSON bodies of POST /v1/items (bulk loads of precomputed vectors): 32 MiB, Qdrant's default request limit. */
    maxItemsBodyBytes: int(1024, 1 << 30).default(32 * 1024 * 1024),
    maxUploadBytes: int(1024, 1 << 30).default(25 * 1024 * 1024),
    maxAudioSeconds: z.coerce
      .number()
      .positive()
      .max(24 * 3600)
      .default(600),
    maxImagePixels: int(1, 1 << 30).default(40_000_000),
    requestTimeoutMs: int(100, 600_000).default(30_000),
    /** After a timeout, how long the 504 waits for a store commit already under way so it can say `applied: true|false`. */
    writeGraceMs: int(0, 60_000).default(2000),
    rateLimitPerMinute: int(1, 1_000_000).default(6000),
    /**
     * Searches and recommendations served at once (0: no limit); the rest wait first-come in a queue of
     * searchQueue, past which they get 503 with Retry-After. It bounds the work a flood holds in memory (at 100k
     * with 400 clients: event-loop stall p99 ~70 against ~300 ms, same throughput); it is not a latency knob (3 at
     * once against no limit with 8 clients: no measurable difference), hence 4 per core, above the engine's own
     * queues. searchQueue: Elasticsearch's search queue size.
     */
    searchConcurrency: int(0, 4096).default(() => 4 * availableParallelism()),
    searchQueue: int(0, 100_000).default(1000),
    /** Query cost caps (400 naming the limit): leaf and nested conditions in one filter, its nesting depth, */
    filterMaxConditions: int(1, 100_000).default(256),
    filterMaxDepth: int(1, 64).default(4),
    /** values in one `in` condition, */
    filterMaxInValues: int(1, 1024).default(256),
    /** and candidates per list times the lists one query runs (stage-1 work). */
    maxCandidateWork: int(1, 1_000_000).default(4000),
  })
  .strict();

export const SearchConfig = z
  .object({
    candidatesPerModality: int(1, 10_000).default(100),
    rrfK: int(1, 10_000).default(60),
    defaultLimit: int(1, 1000).default(10),
    /**
     * 'model' serves the promoted learned reranker, and RRF (still logging feature rows, so a first model can be
     * trained) until one is promoted.
     */
    defaultFusion: z.enum(['rrf', 'weighted', 'dbsf', 'model']).default('model'),
    /** Share of traffic whose adjacent results are swapped at random, for propensity estimation. */
    swapShare: z.coerce.number().min(0).max(1).default(0),
    /** Share of traffic interleaving the promoted model with a challenger. */
    interleaveShare: z.coerce.number().min(0).max(1).default(0),
    /**
     * A server or embedded library scores BM25 on a worker thread for collections with at least this many
     * documents (0: never, always on the caller's thread). Below ~50k the hop cost more than it saved on 2 cores
     * (see READ_THREAD_MIN_DOCS in src/lexical, not imported: config loads without SQLite); more cores may pay
     * off earlier.
     */
    lexicalThreadMinDocs: int(0, 1_000_000_000).default(50_000),
    /**
     * BM25 reads a query word the collection never saw as its vocabulary's most frequent word one edit away
     * (src/lexical/typos.ts). BEIR SciFact, same run: nDCG@10 0.6867 vs 0.6868 off, recall@100 0.924 vs 0.921.
     */
    typoTolerance: bool.default(true),
  })
  .strict();

export const JobsConfig = z
  .object({
    /** Index batches processed at once by one worker. */
    concurrency: int(1, 64).default(2),
    /** Items per index-batch job: larger batches amortise the per-batch store write (~45 ms for LanceDB on 2 cores). */
    batchSize: int(1, 4096).default(64),
    /** Tries per job before it is kept as failed; retries back off exponentially from backoffMs. */
    attempts: int(1, 100).default(3),
    backoffMs: int(0, 3_600_000).default(1000),
    /** BullMQ: a worker that dies mid-job loses the job's lock after lockMs; the stalled check runs every stalledMs. */
    lockMs: int(1000, 3_600_000).default(30_000),
    stalledMs: int(500, 3_600_000).default(30_000),
  })
  .strict();

export const AnnConfig = z
  .object({
    /**
     * Build every ANN graph as a pure function of its rows in insertion order (same rows, same graph, however they
     * were batched or timed): for benchmarks and tests that compare separate runs. Adds run on one thread and up to
     * 1,023 rows per vector wait in the exact scan until a flush; off by default (see HnswParams.deterministic).
     */
    deterministic: bool.default(false),
  })
  .strict();

export const FeedbackConfig = z
  .object({
    /**
     * Days the event log keeps an event after it was received (impressions, clicks and the rest); older ones are
     * deleted by a pass every hour on the events writer thread. 0 keeps everything (the log then grows by ~4 KB per
     * served search). Training, analytics and evaluation read what is kept.
     */
    retentionDays: int(0, 36_500).default(90),
  })
  .strict();

export const SuggestionsConfig = z
  .object({
    /**
     * Distinct users (the `userId` searches carry) a query needs before it is suggested to others: one client
     * cannot plant a suggestion, and one person's query is never shown to anyone else.
     */
    minUsers: int(1, 100_000).default(3),
    /** Searches of the last this many days count. */
    days: int(1, 3650).default(30),
    /** A collection's suggestions are recounted from the log when older than this (0: at every request). */
    refreshSeconds: int(0, 86_400).default(300),
    /** The newest this many search impressions of the window count (bounds one recount's work). */
    maxEvents: int(1, 10_000_000).default(500_000),
  })
  .strict();

export const CorsConfig = z
  .object({
    /**
     * Web origins whose pages may call /v1 from the browser (search-as-you-type with a read key limited to a
     * collection): exact `scheme://host[:port]`, comma-separated; none by default. Keys travel in headers, never
     * cookies, so an allowed page has only the authority of the key it holds.
     */
    origins: list(
      z
        .string()
        .regex(
          /^https?:\/\/[^/\s]+$/,
          'an origin is scheme://host[:port], e.g. https://shop.example',
        ),
    ).default([]),
  })
  .strict();

export const RuntimeConfig = z
  .object({
    /**
     * V8's allocation-site pretenuring (process-wide). Off by default: V8 tenured the allocation sites of a search's
     * candidate objects, so every search's short-lived garbage went straight to the old generation (~185 KB per
     * search at 100k items, a full collection every few seconds, 10-20 ms scavenges); see src/app/v8-heap.ts.
     */
    allocationSitePretenuring: bool.default(false),
    /**
     * V8's parallel scavenge (process-wide): young-generation collections shared with V8's helper threads, which
     * compete with the search threads for cores. Off, the longest scavenge was shorter (~7 against ~24 ms at 100k),
     * but the bench/latency A/B showed no gain, so V8's default stays; see src/app/v8-heap.ts.
     */
    parallelScavenge: bool.default(true),
  })
  .strict();

export const ConfigSchema = z
  .object({
    dataDir: z.string().min(1).default('./chorus-data'),
    port: int(0, 65535).default(8080),
    /** Bind address; defaults to 127.0.0.1 when no key is configured. */
    host: z.string().min(1).optional(),
    adminKey: z.string().min(16, 'the admin key needs at least 16 characters').optional(),
    apiKeys: ApiKeys.default([]),
    modelDir: z.string().min(1).optional(),
    /** Fetch models from the Hugging Face hub when not in modelDir. Off when modelDir is set, unless set explicitly. */
    allowRemoteModels: bool.optional(),
    redisUrl: z.url({ protocol: /^rediss?$/ }).optional(),
    qdrantUrl: z.url({ protocol: /^https?$/ }).optional(),
    qdrantApiKey: z.string().optional(),
    store: z.enum(['lancedb', 'qdrant']).optional(),
    executionProviders: list(z.enum(['cuda', 'cpu'])).default(['cuda', 'cpu']),
    logLevel: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    models: ModelsConfig.default(ModelsConfig.parse({})),
    limits: LimitsConfig.default(LimitsConfig.parse({})),
    search: SearchConfig.default(SearchConfig.parse({})),
    jobs: JobsConfig.default(JobsConfig.parse({})),
    ann: AnnConfig.default(AnnConfig.parse({})),
    feedback: FeedbackConfig.default(FeedbackConfig.parse({})),
    suggestions: SuggestionsConfig.default(SuggestionsConfig.parse({})),
    runtime: RuntimeConfig.default(RuntimeConfig.parse({})),
    cors: CorsConfig.default(CorsConfig.parse({})),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.store === 'qdrant' && !c.qdrantUrl) {
      ctx.addIssue({
        code: 'custom',
        path: ['qdrantUrl'],
        message: 'store=qdrant needs qdrantUrl (QDRANT_URL)',
      });
    }
    const seen = new Set<string>();
    for (const [i, k] of c.apiKeys.entries()) {
      if (seen.has(k.key))
        ctx.addIssue({ code: 'custom', path: ['apiKeys', i], message: 'duplicate API key' });
      seen.add(k.key);
    }
  });

export type ChorusConfig = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

/** Well-known environment names from the README, beside the generic CHORUS_<SECTION>__<KEY> form. */
const ENV_ALIASES: Record<string, string> = {
  REDIS_URL: 'redisUrl',
  QDRANT_URL: 'qdrantUrl',
  QDRANT_API_KEY: 'qdrantApiKey',
};

/** CHORUS_* names read by the launcher, process or HTTP clients (`chorus jobs`, curl examples), not config keys. */
const NOT_CONFIG = new Set([
  'CHORUS_CONFIG',
  'CHORUS_FROM_SOURCE',
  'CHORUS_KEEP_ALIVE',
  'CHORUS_URL',
  'CHORUS_API_KEY',
]);

const camel = (s: string) =>
  s.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function configFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined) continue;
    let keyPath: string[] | undefined;
    if (ENV_ALIASES[name]) keyPath = [ENV_ALIASES[name]];
    else if (name.startsWith('CHORUS_') && !NOT_CONFIG.has(name))
      keyPath = name.slice(7).split('__').map(camel);
    if (!keyPath) continue;
    setPath(out, keyPath, value);
  }
  return out;
}

function setPath(target: Record<string, unknown>, keyPath: string[], value: unknown): void {
  let node = target;
  for (const k of keyPath.slice(0, -1)) {
    if (typeof node[k] !== 'object' || node[k] === null) node[k] = {};
    node = node[k] as Record<string, unknown>;
  }
  node[keyPath[keyPath.length - 1]!] = value;
}

function deepMerge(...layers: Record<string, unknown>[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const layer of layers) {
    for (const [k, v] of Object.entries(layer)) {
      if (v === undefined) continue;
      const prev = out[k];
      out[k] =
        v &&
        typeof v === 'object' &&
        !Array.isArray(v) &&
        prev &&
        typeof prev === 'object' &&
        !Array.isArray(prev)
          ? deepMerge(prev as Record<string, unknown>, v as Record<string, unknown>)
          : v;
    }
  }
  return out;
}

export function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ChorusError(
      'INVALID_CONFIG',
      `cannot read config file ${file}: ${(e as Error).message}`,
    );
  }
  try {
    const parsed: unknown = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
    if (parsed === null || parsed === undefined) return {};
    if (typeof parsed !== 'object' || Array.isArray(parsed))
      throw new Error('top level must be an object');
    return parsed as Record<string, unknown>;
  } catch (e) {
    throw new ChorusError(
      'INVALID_CONFIG',
      `config file ${file} is not valid: ${(e as Error).message}`,
    );
  }
}

export function findConfigFile(cwd: string, explicit?: string): string | undefined {
  if (explicit) return path.resolve(cwd, explicit);
  for (const name of ['chorus.config.json', 'chorus.config.yaml', 'chorus.config.yml']) {
    const p = path.join(cwd, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

export interface LoadConfigOptions {
  flags?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Explicit config file (also CHORUS_CONFIG); otherwise chorus.config.(json|yaml) in cwd if present. */
  configFile?: string;
}

/** Loads and validates settings; a bad setting throws INVALID_CONFIG naming every offending key and its expected form. */
export function loadConfig(opts: LoadConfigOptions = {}): ChorusConfig {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const file = findConfigFile(cwd, opts.configFile ?? env.CHORUS_CONFIG);
  const fromFile = file ? readConfigFile(file) : {};
  return parseConfig(deepMerge(fromFile, configFromEnv(env), opts.flags ?? {}), file);
}

export function parseConfig(raw: unknown, source?: string): ChorusConfig {
  const r = ConfigSchema.safeParse(raw);
  if (r.success) return r.data;
  const problems = r.error.issues.flatMap((i) => {
    // An unknown key (a typo in the file, or a CHORUS_* variable that names no setting) is reported at the key
    // itself: zod reports it at the parent object, whose env name (CHORUS_ for the root) exists nowhere.
    if (i.code === 'unrecognized_keys')
      return i.keys.map((k) => {
        const at = [...i.path, k];
        return { key: at.join('.'), message: 'unknown setting', env: envNameFor(at) };
      });
    const key = i.path.length ? i.path.join('.') : '(root)';
    return [{ key, message: i.message, env: envNameFor(i.path) }];
  });
  const lines = problems.map((p) => `  - ${p.key} (env ${p.env}): ${p.message}`).join('\n');
  throw new ChorusError(
    'INVALID_CONFIG',
    `invalid configuration${source ? ` (file ${source}, env, flags)` : ''}:\n${lines}`,
    problems,
  );
}

function envNameFor(p: PropertyKey[]): string {
  // A list (apiKeys) is one variable as a whole (CHORUS_API_KEYS=key:scope,...): name it, not its entry's fields.
  const list = p.findIndex((k) => typeof k !== 'string');
  const keys = (list < 0 ? p : p.slice(0, list)) as string[];
  const alias = Object.entries(ENV_ALIASES).find(([, v]) => v === keys[0]);
  if (alias && keys.length === 1) return alias[0];
  return 'CHORUS_' + keys.map((k) => k.replace(/[A-Z]/g, (c) => '_' + c).toUpperCase()).join('__');
}

/** Effective vector store backend: explicit setting, else Qdrant when QDRANT_URL is set, else embedded LanceDB. */
export function storeBackend(c: ChorusConfig): 'lancedb' | 'qdrant' {
  return c.store ?? (c.qdrantUrl ? 'qdrant' : 'lancedb');
}
