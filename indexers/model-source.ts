import { existsSync } from 'node:fs';
import path from 'node:path';
import { env } from '@huggingface/transformers';
import { ChorusError } from '../src/errors.js';
import { usableProviders, type ExecutionProvider } from '../src/onnx/session.js';

/**
 * Where transformers.js models come from. One code path for both sources: a model id resolves to
 * `<modelDir>/<id>/` when that folder exists (read from disk, no network), otherwise to the Hugging Face hub
 * id (downloaded once into the cache) when remote loading is allowed. Only `env.localModelPath`,
 * `env.allowRemoteModels` and `local_files_only` differ between the two.
 */

export type ModelDtype = 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4';

/**
 * What the encoders read of Chorus's configuration. src/config.ts's ChorusConfig is one (checked where the
 * composition root passes it); indexers never import the config module itself.
 */
export interface EncoderConfig {
  dataDir: string;
  modelDir?: string;
  allowRemoteModels?: boolean;
  executionProviders: ExecutionProvider[];
  models: {
    text: string;
    image: string;
    audio: string;
    /** Empty: no speech-to-text. */
    speech: string;
    dtype: ModelDtype;
    enabled: ('text' | 'image' | 'audio')[];
  };
  limits: { maxImagePixels: number; maxAudioSeconds: number };
}

export interface ModelSettings {
  /** Local model folder (transformers.js layout: `<modelDir>/<owner>/<name>/config.json, onnx/*.onnx`). */
  modelDir?: string;
  allowRemoteModels: boolean;
  /** Download cache for hub models. */
  cacheDir: string;
  dtype: ModelDtype;
  /** Tried in order; a provider that fails to start falls back to the next with a note. */
  executionProviders: ExecutionProvider[];
  /**
   * ONNX Runtime intra-op threads per session (0: runtime default, one per core). Default 1: the encoders keep
   * two batches in flight (and the server several queries), which beat one batch on all cores in bench/index.ts.
   */
  intraOpThreads: number;
  /** Progress and fallback notes (downloads, provider fallback, capped audio). */
  log: (line: string) => void;
}

export function modelSettingsFrom(
  config: EncoderConfig,
  overrides: Partial<ModelSettings> = {},
): ModelSettings {
  const modelDir = config.modelDir ? path.resolve(config.modelDir) : undefined;
  return {
    modelDir,
    allowRemoteModels: config.allowRemoteModels ?? !modelDir,
    cacheDir: path.resolve(config.dataDir, 'model-cache'),
    dtype: config.models.dtype,
    executionProviders: config.executionProviders,
    intraOpThreads: 1,
    log: (line) => process.stderr.write(`chorus: ${line}\n`),
    ...overrides,
  };
}

/** How to provide a model by hand, used in every MODEL_MISSING message. */
/**
 * The model id a collection records for vectors from this model. The dtype is part of it: q8 and fp32 weights give
 * different vectors, so a collection built with one must refuse the other (fp32 keeps the plain hub id).
 */
export function recordedModelId(modelId: string, dtype: ModelDtype): string {
  return dtype === 'fp32' ? modelId : `${modelId}@${dtype}`;
}

export function howToProvide(modelId: string, modelDir?: string): string {
  const dir = modelDir ?? '$CHORUS_MODEL_DIR';
  return (
    `put it in ${path.join(dir, modelId)}/ (config.json, tokenizer/preprocessor files and onnx/*.onnx, ` +
    `e.g. \`git clone https://huggingface.co/${modelId} ${path.join(dir, modelId)}\` on a machine with network) ` +
    `and set CHORUS_MODEL_DIR=${dir}, or allow hub downloads with CHORUS_ALLOW_REMOTE_MODELS=true`
  );
}

export interface PretrainedOptions {
  dtype: ModelDtype;
  device: ExecutionProvider;
  local_files_only: boolean;
  cache_dir: string;
  session_options?: Record<string, unknown>;
  progress_callback?: (p: ProgressInfo) => void;
}

interface ProgressInfo {
  status: string;
  file?: string;
  progress?: number;
  loaded?: number;
  total?: number;
}

/**
 * Loads a transformers.js component (tokenizer, processor or model) by model id with `load(source, options)`.
 * Execution providers are tried in order (cuda, then cpu); a missing model becomes MODEL_MISSING naming the model
 * and how to provide it.
 */
export async function loadPretrained<T>(
  modelId: string,
  settings: ModelSettings,
  load: (source: string, options: PretrainedOptions) => Promise<T>,
): Promise<T> {
  const local = settings.modelDir ? path.join(settings.modelDir, modelId) : undefined;
  const isLocal = local !== undefined && existsSync(path.join(local, 'config.json'));
  if (!isLocal && !settings.allowRemoteModels) {
    throw new ChorusError(
      'MODEL_MISSING',
      `model "${modelId}" is not available: ${local ? `no ${local}/config.json` : 'no CHORUS_MODEL_DIR is set'} and hub downloads are off. To use it, ${howToProvide(modelId, settings.modelDir)}.`,
      { modelId, modelDir: settings.modelDir },
    );
  }
  env.allowLocalModels = true;
  env.allowRemoteModels = settings.allowRemoteModels;
  if (settings.modelDir) env.localModelPath = settings.modelDir + path.sep;
  const source = isLocal ? local : modelId;
  const providers = usableProviders(settings.executionProviders, settings.log);
  let lastError: unknown;
  for (const [i, device] of providers.entries()) {
    try {
      return await load(source, {
        dtype: settings.dtype,
        device,
        local_files_only: isLocal,
        cache_dir: settings.cacheDir,
        ...(settings.intraOpThreads > 0
          ? { session_options: { intraOpNumThreads: settings.intraOpThreads } }
          : {}),
        ...(isLocal ? {} : { progress_callback: downloadLogger(modelId, settings.log) }),
      });
    } catch (e) {
      lastError = e;
      if (isMissingFile(e)) break;
      const next = providers[i + 1];
      if (!next) break;
      settings.log(
        `${modelId}: execution provider ${device} unavailable (${firstLine(e)}); falling back to ${next}`,
      );
    }
  }
  const where = isLocal ? `from ${local}` : 'from the Hugging Face hub';
  throw new ChorusError(
    'MODEL_MISSING',
    `model "${modelId}" could not be loaded ${where} (dtype ${settings.dtype}): ${firstLine(lastError)}. To provide it, ${howToProvide(modelId, settings.modelDir)}.`,
    { modelId, modelDir: settings.modelDir, dtype: settings.dtype },
    { cause: lastError },
  );
}

function isMissingFile(e: unknown): boolean {
  const msg = String((e as Error)?.message ?? e);
  return /not found locally|Could not locate file|fetch failed|ENOTFOUND|EAI_AGAIN|ECONNREFUSED|404|401|403/i.test(
    msg,
  );
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e)
    .split('\n')[0]!
    .slice(0, 300);
}

/** Logs each downloaded file's start, every 25% and its end (hub loads only; local files are not downloads). */
function downloadLogger(modelId: string, log: (line: string) => void): (p: ProgressInfo) => void {
  const lastQuarter = new Map<string, number>();
  return (p) => {
    if (!p.file) return;
    if (p.status === 'initiate') log(`fetching ${modelId}/${p.file} from the hub`);
    else if (p.status === 'progress' && typeof p.progress === 'number') {
      const quarter = Math.floor(p.progress / 25);
      if (quarter > (lastQuarter.get(p.file) ?? 0) && quarter < 4) {
        lastQuarter.set(p.file, quarter);
        const mb = p.total ? ` of ${(p.total / 1e6).toFixed(1)} MB` : '';
        log(`downloading ${modelId}/${p.file}: ${quarter * 25}%${mb}`);
      }
    } else if (p.status === 'done') log(`downloaded ${modelId}/${p.file}`);
  };
}
