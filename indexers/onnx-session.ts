import * as ort from 'onnxruntime-node';
import type { ExecutionProvider } from './model-source.js';

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
export async function openSession(model: string | Uint8Array, opts: SessionOptions = {}): Promise<ort.InferenceSession> {
  const providers = opts.executionProviders?.length ? opts.executionProviders : (['cpu'] as const);
  let lastError: unknown;
  for (const [i, provider] of providers.entries()) {
    const options: ort.InferenceSession.SessionOptions = {
      executionProviders: [provider],
      graphOptimizationLevel: 'all',
      ...(opts.intraOpThreads ? { intraOpNumThreads: opts.intraOpThreads, interOpNumThreads: 1 } : {}),
    };
    try {
      return typeof model === 'string'
        ? await ort.InferenceSession.create(model, options)
        : await ort.InferenceSession.create(model, options);
    } catch (e) {
      lastError = e;
      const next = providers[i + 1];
      if (next) opts.log?.(`execution provider ${provider} unavailable (${String((e as Error).message).split('\n')[0]}); falling back to ${next}`);
    }
  }
  throw lastError;
}

export { ort };
