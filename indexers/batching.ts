import { ChorusError } from '../src/errors.js';
import type { EncodeFailure, EncodeResult, EncoderInput } from './encoder.js';

/** Turns a decode or inference error into the per-item failure the Encoder contract returns. */
export function toFailure(e: unknown): EncodeFailure {
  if (e instanceof ChorusError) return { error: { code: e.code, reason: e.message } };
  return {
    error: { code: 'INTERNAL', reason: String((e as Error)?.message ?? e).split('\n')[0]! },
  };
}

export interface BatchOptions {
  /** Items per inference call. */
  batchSize: number;
  /** Items decoded at once within a batch (sharp and ONNX decoders run off the main thread). */
  decodeConcurrency: number;
  /**
   * Batches in flight at once (default 2). While one batch runs in ONNX Runtime's native threads, the next is
   * decoded and preprocessed on the JS thread, so both cores stay busy (see bench/index.ts for the measurement).
   */
  batchConcurrency?: number;
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/**
 * The shared encode loop: inputs are cut into batches; each batch decodes its items one by one (a bad item
 * becomes its failure) and runs inference on the decoded ones. If a whole batch fails, its items are retried
 * one by one so one poison item cannot sink its neighbours. Up to `batchConcurrency` batches are in flight,
 * which overlaps decoding with inference. Output order matches input order.
 */
export async function encodeInBatches<D>(
  inputs: EncoderInput[],
  decode: (input: EncoderInput, index: number) => Promise<D>,
  infer: (decoded: D[]) => Promise<Float32Array[]>,
  opts: BatchOptions,
): Promise<EncodeResult[]> {
  const results = new Array<EncodeResult>(inputs.length);
  const groups: number[][] = [];
  for (let s = 0; s < inputs.length; s += opts.batchSize)
    groups.push(
      Array.from({ length: Math.min(opts.batchSize, inputs.length - s) }, (_, k) => s + k),
    );
  await mapLimit(groups, opts.batchConcurrency ?? 2, async (group) => {
    const decoded = await mapLimit(
      group,
      opts.decodeConcurrency,
      async (i): Promise<{ i: number; d: D } | undefined> => {
        try {
          return { i, d: await decode(inputs[i]!, i) };
        } catch (e) {
          results[i] = toFailure(e);
          return undefined;
        }
      },
    );
    const ready = decoded.flatMap((x) => (x ? [x] : []));
    if (!ready.length) return;
    try {
      const vectors = await infer(ready.map((g) => g.d));
      ready.forEach((g, k) => (results[g.i] = vectors[k]!));
    } catch (e) {
      if (ready.length === 1) {
        results[ready[0]!.i] = toFailure(e);
        return;
      }
      for (const g of ready) {
        try {
          results[g.i] = (await infer([g.d]))[0]!;
        } catch (e2) {
          results[g.i] = toFailure(e2);
        }
      }
    }
  });
  return results;
}
