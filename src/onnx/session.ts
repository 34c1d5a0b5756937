import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';

/** ONNX Runtime execution providers Chorus can use, tried in the configured order. */
export type ExecutionProvider = 'cuda' | 'cpu';

/** Loggers that already got the cuda note (once per logger, not per session). */
const cudaNoted = new WeakSet<(line: string) => void>();

/**
 * Whether onnxruntime-node's CUDA provider library is installed (its install script downloads it only with
 * ONNXRUNTIME_NODE_INSTALL=cuda12). Without it, asking for cuda fails with a long native error on every
 * session, so it is skipped up front with one note.
 */
export function cudaProviderInstalled(): boolean {
  try {
    const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
    const dir = path.join(path.dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
    return ['libonnxruntime_providers_cuda.so', 'onnxruntime_providers_cuda.dll'].some((f) =>
      existsSync(path.join(dir, f)),
    );
  } catch {
    return false;
  }
}

/** The configured providers minus cuda when its library is missing (noted once); never empty. */
export function usableProviders(
  requested: readonly ExecutionProvider[],
  log?: (line: string) => void,
): ExecutionProvider[] {
  let providers = [...requested];
  if (providers.includes('cuda') && !cudaProviderInstalled()) {
    providers = providers.filter((p) => p !== 'cuda');
    if (log && !cudaNoted.has(log)) {
      cudaNoted.add(log);
      log(
        'execution provider cuda skipped: the onnxruntime-node CUDA libraries are not installed (ONNXRUNTIME_NODE_INSTALL=cuda12 npm ci); using cpu',
      );
    }
  }
  return providers.length ? providers : ['cpu'];
}

export interface SessionOptions {
  executionProviders?: ExecutionProvider[];
  /** Intra-op threads (0 or undefined: ONNX Runtime's default, one per core). */
  intraOpThreads?: number;
  log?: (line: string) => void;
}

/**
 * Opens an onnxruntime-node session, trying execution providers in order (cuda, then cpu). A provider that
 * cannot start (no CUDA libraries, no GPU) is logged and the next is tried, so the same config runs everywhere.
 */
export async function openSession(
  model: string | Uint8Array,
  opts: SessionOptions = {},
): Promise<ort.InferenceSession> {
  const providers = usableProviders(opts.executionProviders ?? ['cpu'], opts.log);
  let lastError: unknown;
  for (const [i, provider] of providers.entries()) {
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: [provider],
      graphOptimizationLevel: 'all',
      ...(opts.intraOpThreads
        ? { intraOpNumThreads: opts.intraOpThreads, interOpNumThreads: 1 }
        : {}),
    };
    try {
      return typeof model === 'string'
        ? await ort.InferenceSession.create(model, options)
        : await ort.InferenceSession.create(model, options);
    } catch (e) {
      lastError = e;
      const next = providers[i + 1];
      if (next)
        opts.log?.(
          `execution provider ${provider} unavailable (${String((e as Error).message).split('\n')[0]}); falling back to ${next}`,
        );
    }
  }
  throw lastError;
}

export { ort };
