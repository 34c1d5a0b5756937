import { readFileSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import { parseConfig } from '../config.js';
import { isEncodeFailure, type Encoder, type EncoderInput } from '../../indexers/encoder.js';
import { ClapAudioEncoder } from '../../indexers/encoders/clap-audio.js';
import { ClipImageEncoder } from '../../indexers/encoders/clip-image.js';
import { ColourLayoutImageEncoder } from '../../indexers/encoders/image-colour.js';
import { OpenWakeWordAudioEncoder } from '../../indexers/encoders/openwakeword-audio.js';
import { TransformersTextEncoder } from '../../indexers/encoders/text-transformers.js';
import { decodeAudio } from '../../indexers/decoders/audio.js';
import { mapLimit } from '../../indexers/batching.js';
import { modelSettingsFrom, type ModelSettings } from '../../indexers/model-source.js';
import { openSession, ort } from '../onnx/session.js';
import { measureThreading, type ThreadingResult } from './index-threads.js';

/**
 * Indexing throughput per modality: items/s through the indexer (decode + preprocess + model + pooling) beside
 * the raw onnxruntime-node rate of the same model file at the same batch size on ready-made tensors, measured
 * in the same run. ratio = indexer / raw (target >= 0.9: the indexer adds little on top of the model).
 */

export interface IndexBenchOptions {
  modelDir: string;
  corpusDir: string;
  items: number;
  repeats: number;
  intraOpThreads: number;
  threading: boolean;
  log?: (line: string) => void;
}

export interface ModalityResult {
  modality: string;
  encoder: string;
  modelId: string;
  batchSize: number;
  items: number;
  indexerItemsPerSec: number;
  rawItemsPerSec: number | null;
  ratio: number | null;
  /** CPU milliseconds per item (all threads): indexer, raw model, and their ratio raw/indexer (1 = no overhead). */
  indexerCpuMsPerItem: number;
  rawCpuMsPerItem: number | null;
  cpuRatio: number | null;
  failures: number;
  note: string;
}

export interface IndexBenchResult {
  machine: {
    cpus: number;
    model: string;
    node: string;
    onnxruntime: string;
    loadAverage: number[];
  };
  options: Omit<IndexBenchOptions, 'log'>;
  results: ModalityResult[];
  threading?: ThreadingResult[];
  finishedAt: string;
}

interface Case {
  modality: string;
  encoder: Encoder & { close?: () => Promise<void> };
  inputs: EncoderInput[];
  batchSize: number;
  /** Raw inference over all items in batches of `batchSize`; undefined when there is no model (descriptor). */
  raw?: () => Promise<void>;
  note: string;
}

/** Batches in flight, the indexer's default `batchConcurrency`. */
const IN_FLIGHT = 2;

interface Timing {
  /** Median wall time of the timed repeats. */
  wallMs: number;
  /** Median CPU time of the process (all threads: JS, libuv, ONNX Runtime) over the same repeats. */
  cpuMs: number;
}

/** Median wall and CPU time after one warm-up run. CPU time is robust when other processes share the cores. */
async function timeIt(repeats: number, fn: () => Promise<void>): Promise<Timing> {
  await fn(); // warm-up: session init, allocator arenas, JIT
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const c = process.cpuUsage();
    const t = performance.now();
    await fn();
    wall.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { wallMs: median(wall), cpuMs: median(cpu) };
}

const groups = <T>(xs: T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(xs.length / size) }, (_, i) => xs.slice(i * size, (i + 1) * size));
/** Runs `fn` over every prepared batch in turn. */
/** Runs `fn` over every prepared batch, IN_FLIGHT at a time like the indexer, so both sides get the same overlap. */
const each =
  <T>(batches: T[], fn: (b: T) => Promise<unknown>) =>
  async () => {
    await mapLimit(batches, IN_FLIGHT, fn);
  };
/** Runs one fixed-shape batch as many times as the items need. */
const repeat = (times: number, fn: () => Promise<unknown>) =>
  each(
    Array.from({ length: times }, (_, i) => i),
    fn,
  );

const cycle = <T>(xs: T[], n: number): T[] =>
  Array.from({ length: n }, (_, i) => xs[i % xs.length]!);

function corpusFiles(dir: string, ext: string): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => path.join(dir, f));
}

function randomTensor(dims: number[], seed = 1): ort.Tensor {
  let s = seed;
  const n = dims.reduce((a, b) => a * b, 1);
  const data = Float32Array.from(
    { length: n },
    () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1,
  );
  return new ort.Tensor('float32', data, dims);
}

async function buildCases(o: IndexBenchOptions, settings: ModelSettings): Promise<Case[]> {
  const cases: Case[] = [];
  const sessionOpts = {
    executionProviders: settings.executionProviders,
    intraOpThreads: o.intraOpThreads,
  };
  const texts = cycle(
    corpusFiles(o.corpusDir, '.txt').map((f) => readFileSync(f, 'utf8')),
    o.items,
  );
  const images = cycle(
    corpusFiles(o.corpusDir, '.jpg').map((f) => readFileSync(f)),
    o.items,
  );
  const audio = cycle(
    corpusFiles(o.corpusDir, '.wav').map((f) => readFileSync(f)),
    o.items,
  );
  const textId = 'chorus-test/tiny-text';
  const clipId = 'chorus-test/tiny-clip';
  const clapId = 'chorus-test/tiny-clap';
  const modelPath = (id: string, file: string) => path.join(o.modelDir, id, 'onnx', file);

  const text = await TransformersTextEncoder.load(textId, settings, { batchSize: 16 });
  const tok = await AutoTokenizer.from_pretrained(path.join(o.modelDir, textId), {
    local_files_only: true,
  });
  const textSession = await openSession(modelPath(textId, 'model.onnx'), sessionOpts);
  const asOrt = (t: { data: ArrayLike<unknown>; dims: number[] }) =>
    new ort.Tensor('int64', t.data as BigInt64Array, t.dims);
  const textFeeds = groups(texts, 16).map((batch) => {
    const enc = tok(batch, { padding: true, truncation: true, max_length: 256 });
    return {
      input_ids: asOrt(enc.input_ids),
      attention_mask: asOrt(enc.attention_mask),
      token_type_ids: asOrt(enc.token_type_ids ?? enc.input_ids),
    };
  });
  cases.push({
    modality: 'text',
    encoder: text,
    inputs: texts,
    batchSize: 16,
    raw: each(textFeeds, (f) => textSession.run(f)),
    note: 'fixture model (tiny); raw = the same texts tokenized ahead',
  });

  const clip = await ClipImageEncoder.load(clipId, settings, {
    maxPixels: 40_000_000,
    batchSize: 8,
  });
  const visionSession = await openSession(modelPath(clipId, 'vision_model.onnx'), sessionOpts);
  const pixels = randomTensor([8, 3, 224, 224]);
  cases.push({
    modality: 'image',
    encoder: clip,
    inputs: images,
    batchSize: 8,
    raw: repeat(Math.ceil(o.items / 8), () => visionSession.run({ pixel_values: pixels })),
    note: 'fixture model (tiny); raw = pixel_values [8,3,224,224]',
  });

  cases.push({
    modality: 'image',
    encoder: new ColourLayoutImageEncoder({ maxPixels: 40_000_000 }),
    inputs: images,
    batchSize: 64,
    note: 'no model: decode + histogram + 8x8 thumbnail',
  });

  const clap = await ClapAudioEncoder.load(clapId, settings, { maxSeconds: 600, batchSize: 4 });
  const audioSession = await openSession(modelPath(clapId, 'audio_model.onnx'), sessionOpts);
  const feats = randomTensor([4, 1, 1001, 64]);
  cases.push({
    modality: 'audio',
    encoder: clap,
    inputs: audio,
    batchSize: 4,
    raw: repeat(Math.ceil(o.items / 4), () => audioSession.run({ input_features: feats })),
    note: 'fixture model (tiny); raw = input_features [4,1,1001,64]',
  });

  const oww = await OpenWakeWordAudioEncoder.open({
    ...sessionOpts,
    maxSeconds: 600,
    batchSize: 8,
  });
  const pcms: Float32Array[] = [];
  for (const a of audio)
    pcms.push((await decodeAudio(a, { sampleRate: 16000, maxSeconds: 600 })).pcm);
  cases.push({
    modality: 'audio',
    encoder: oww,
    inputs: audio,
    batchSize: 8,
    raw: each(groups(pcms, 8), (b) => oww.embed(b)),
    note: 'real model; raw = mel + embedding sessions on the same clips decoded ahead',
  });
  return cases;
}

export async function runIndexBench(o: IndexBenchOptions): Promise<IndexBenchResult> {
  const log = o.log ?? (() => {});
  const config = parseConfig({ modelDir: o.modelDir, executionProviders: ['cpu'] });
  const settings = modelSettingsFrom(config, { intraOpThreads: o.intraOpThreads, log });
  const cases = await buildCases(o, settings);
  const results: ModalityResult[] = [];
  for (const c of cases) {
    let failures = 0;
    const indexer = await timeIt(o.repeats, async () => {
      const out = await c.encoder.encode(c.inputs);
      failures = out.filter(isEncodeFailure).length;
    });
    const n = c.inputs.length;
    const indexerItemsPerSec = n / (indexer.wallMs / 1000);
    const raw = c.raw ? await timeIt(o.repeats, c.raw) : undefined;
    const rawItemsPerSec = raw ? n / (raw.wallMs / 1000) : null;
    const r: ModalityResult = {
      modality: c.modality,
      encoder: c.encoder.constructor.name,
      modelId: c.encoder.modelId,
      batchSize: c.batchSize,
      items: n,
      indexerItemsPerSec,
      rawItemsPerSec,
      ratio: rawItemsPerSec ? indexerItemsPerSec / rawItemsPerSec : null,
      indexerCpuMsPerItem: indexer.cpuMs / n,
      rawCpuMsPerItem: raw ? raw.cpuMs / n : null,
      cpuRatio: raw ? raw.cpuMs / indexer.cpuMs : null,
      failures,
      note: c.note,
    };
    results.push(r);
    log(formatRow(r));
    await c.encoder.close?.();
  }
  const threading = o.threading
    ? await measureThreading(path.resolve('indexers/models/openwakeword/embedding_model.onnx'), log)
    : undefined;
  return {
    machine: {
      cpus: cpus().length,
      model: cpus()[0]?.model ?? '?',
      node: process.version,
      onnxruntime: ort.env.versions?.common ?? '?',
      loadAverage: loadavg(),
    },
    options: {
      modelDir: o.modelDir,
      corpusDir: o.corpusDir,
      items: o.items,
      repeats: o.repeats,
      intraOpThreads: o.intraOpThreads,
      threading: o.threading,
    },
    results,
    ...(threading ? { threading } : {}),
    finishedAt: new Date().toISOString(),
  };
}

export function formatRow(r: ModalityResult): string {
  const f = (n: number | null, w = 8) => (n === null ? '-'.padStart(w) : n.toFixed(1).padStart(w));
  const q = (n: number | null) => (n === null ? '   -' : n.toFixed(2));
  return (
    `${r.modality.padEnd(6)} ${r.modelId.padEnd(30)} batch ${String(r.batchSize).padStart(2)}  ` +
    `indexer ${f(r.indexerItemsPerSec)} items/s  raw ${f(r.rawItemsPerSec)} items/s  ratio ${q(r.ratio)}  |  ` +
    `cpu ms/item indexer ${f(r.indexerCpuMsPerItem, 6)} raw ${f(r.rawCpuMsPerItem, 6)} ratio ${q(r.cpuRatio)}  (${r.note})`
  );
}
