/**
 * End-to-end bulk indexing throughput: `chorus index` (discovery, file reads, hashing, the job queue, encoding,
 * LanceDB upserts, BM25) in items/s for text, image and audio items, beside the encoders' own rate on the same
 * inputs already in memory, measured in the same run and printed as ratios.
 *   npx tsx bench/index-e2e.ts [--texts 1000] [--images 100] [--audios 100] [--batch-size 64] [--concurrency 2]
 * Uses CHORUS_MODEL_DIR / CHORUS_MODELS__* when CHORUS_MODEL_DIR is set, else the tiny fixture models.
 * With REDIS_URL set the queue is BullMQ. Writes bench/results/index-e2e.json.
 */
import { cpus } from 'node:os';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import type { Encoder, EncoderInput } from '../indexers/encoder.js';
import { isEncodeFailure } from '../indexers/encoder.js';
import { loadConfig } from '../src/config.js';
import type { Modality } from '../src/domain/modality.js';
import { defaultRuntimeFactories } from '../src/indexing/default-factories.js';
import { indexDirectory } from '../src/indexing/index-run.js';
import { openIndexRuntime } from '../src/indexing/index-runtime.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MEDIA = path.join(ROOT, 'fixtures/media');
const WORDS =
  'red blue green summer winter dress boots scarf linen wool leather cotton jacket shirt sandals coat silk denim classic modern'.split(
    ' ',
  );

const opts = new Command('index-e2e')
  .option('--texts <n>', 'text items', (v) => Number(v), 1000)
  .option('--images <n>', 'image items', (v) => Number(v), 100)
  .option('--audios <n>', 'audio items', (v) => Number(v), 100)
  .option(
    '--batch-size <n>',
    'items per index-batch job (the jobs.batchSize default)',
    (v) => Number(v),
    64,
  )
  .option('--concurrency <n>', 'batch jobs at once', (v) => Number(v), 2)
  .parse(process.argv)
  .opts<{
    texts: number;
    images: number;
    audios: number;
    batchSize: number;
    concurrency: number;
  }>();

const fixtureModels = !process.env.CHORUS_MODEL_DIR;
const work = mkdtempSync(path.join(tmpdir(), 'chorus-bench-e2e-'));
const config = loadConfig({
  flags: {
    dataDir: path.join(work, 'data'),
    ...(fixtureModels
      ? {
          modelDir: path.join(ROOT, 'fixtures/models'),
          executionProviders: ['cpu'],
          models: {
            text: 'chorus-test/tiny-text',
            image: 'chorus-test/tiny-clip',
            audio: 'chorus-test/tiny-clap',
          },
        }
      : {}),
  },
});

/** Writes one folder per modality; returns the inputs each item's encoders see, for the raw measurement. */
function writeCorpus(): Record<Modality, { dir: string; inputs: EncoderInput[] }> {
  const out = {} as Record<Modality, { dir: string; inputs: EncoderInput[] }>;
  const textDir = path.join(work, 'text');
  mkdirSync(textDir, { recursive: true });
  const texts: string[] = [];
  for (let i = 0; i < opts.texts; i++) {
    const t =
      Array.from({ length: 24 + (i % 24) }, (_, k) => WORDS[(i * 31 + k * 7) % WORDS.length]).join(
        ' ',
      ) + ` item ${i}`;
    writeFileSync(path.join(textDir, `t${i}.txt`), t);
    texts.push(t);
  }
  out.text = { dir: textDir, inputs: texts };
  const imageDir = path.join(work, 'image');
  mkdirSync(imageDir, { recursive: true });
  const photos = readdirSync(path.join(MEDIA, 'images'))
    .filter((f) => f.endsWith('.jpg'))
    .sort();
  const images: Uint8Array[] = [];
  for (let i = 0; i < opts.images; i++) {
    const src = path.join(MEDIA, 'images', photos[i % photos.length]!);
    copyFileSync(src, path.join(imageDir, `i${i}.jpg`));
    images.push(new Uint8Array(readFileSync(src)));
  }
  out.image = { dir: imageDir, inputs: images };
  const audioDir = path.join(work, 'audio');
  mkdirSync(audioDir, { recursive: true });
  const clips = readdirSync(path.join(MEDIA, 'audio/digits'))
    .filter((f) => f.endsWith('.wav'))
    .sort();
  const audios: Uint8Array[] = [];
  for (let i = 0; i < opts.audios; i++) {
    const src = path.join(MEDIA, 'audio/digits', clips[i % clips.length]!);
    copyFileSync(src, path.join(audioDir, `a${i}.wav`));
    audios.push(new Uint8Array(readFileSync(src)));
  }
  out.audio = { dir: audioDir, inputs: audios };
  // The indexer batches items in id order (t0, t1, t10, ...): give the encoders the very same batches.
  for (const m of Object.values(out)) {
    const names = readdirSync(m.dir).sort();
    m.inputs = names.map((n) =>
      n.endsWith('.txt')
        ? readFileSync(path.join(m.dir, n), 'utf8')
        : new Uint8Array(readFileSync(path.join(m.dir, n))),
    );
  }
  return out;
}

/**
 * The encoders' own rate on the same work shape as the indexer: batches of the same size, `concurrency` batches
 * at once, every encoder of the modality on each batch, inputs already in memory (no files, hashing, queue or store).
 */
async function rawRate(encoders: Encoder[], inputs: EncoderInput[]): Promise<number> {
  const batches: EncoderInput[][] = [];
  for (let i = 0; i < inputs.length; i += opts.batchSize)
    batches.push(inputs.slice(i, i + opts.batchSize));
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < batches.length) {
      const batch = batches[next++]!;
      for (const e of encoders) {
        const bad = (await e.encode(batch)).find(isEncodeFailure);
        if (bad) throw new Error(`${e.modelId} failed on bench input: ${bad.error.reason}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency) }, worker));
  return inputs.length / ((performance.now() - t0) / 1000);
}

const corpus = writeCorpus();
const rt = await openIndexRuntime(config, defaultRuntimeFactories);
const rows: Record<string, unknown>[] = [];
try {
  for (const modality of ['text', 'image', 'audio'] as const) {
    const { dir, inputs } = corpus[modality];
    if (inputs.length === 0) continue;
    const encoders = rt.encoders.filter((e) => e.modality === modality);
    if (encoders.length === 0) {
      console.log(`${modality}: no encoder available, skipped`);
      continue;
    }
    await rawRate(encoders, inputs.slice(0, Math.min(inputs.length, opts.batchSize))); // warm-up
    const rawBefore = await rawRate(encoders, inputs);
    const s = await indexDirectory(rt, {
      input: dir,
      collection: `bench-${modality}`,
      batchSize: opts.batchSize,
      concurrency: opts.concurrency,
    });
    if (s.failed > 0 || s.indexed !== inputs.length)
      throw new Error(`${modality}: ${s.failed} failed, ${s.indexed} indexed of ${inputs.length}`);
    const rawAfter = await rawRate(encoders, inputs);
    const raw = (rawBefore + rawAfter) / 2;
    const e2e = s.itemsPerSecond;
    rows.push({
      modality,
      items: inputs.length,
      encoders: encoders.map((e) => `${e.vectorName}:${e.modelId}`),
      e2eItemsPerSec: e2e,
      encoderItemsPerSec: raw,
      encoderRuns: [rawBefore, rawAfter],
      ratio: e2e / raw,
      elapsedMs: s.elapsedMs,
    });
  }
} finally {
  await rt.close();
  rmSync(work, { recursive: true, force: true });
}

console.log(
  `\nchorus index end to end vs the encoders alone (queue ${config.redisUrl ? 'bullmq' : 'in-process'}, batch ${opts.batchSize}, concurrency ${opts.concurrency}, ${fixtureModels ? 'tiny fixture models' : 'configured models'})`,
);
console.log('modality  items   e2e items/s   encoder items/s   ratio');
for (const r of rows) {
  const f = (n: unknown) => (n as number).toFixed(1).padStart(10);
  console.log(
    `${String(r.modality).padEnd(8)} ${String(r.items).padStart(6)}   ${f(r.e2eItemsPerSec)}   ${f(r.encoderItemsPerSec)}        ${(r.ratio as number).toFixed(3)}`,
  );
}
const result = {
  machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', node: process.version },
  options: {
    ...opts,
    queue: config.redisUrl ? 'bullmq' : 'in-process',
    models: fixtureModels ? 'fixture' : config.models,
  },
  results: rows,
};
mkdirSync(path.join(ROOT, 'bench/results'), { recursive: true });
const file = path.join(
  ROOT,
  'bench/results',
  opts.concurrency === 2 ? 'index-e2e.json' : `index-e2e-c${opts.concurrency}.json`,
);
writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
console.log(`wrote ${path.relative(ROOT, file)}`);
