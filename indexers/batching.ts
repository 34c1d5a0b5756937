import { ChorusError } from '../src/errors.js';
import type { EncodeFailure, EncodeResult, EncoderInput } from './encoder.js';

/** Turns a decode or inference error into the per-item failure the Encoder contract returns. */
export function toFailure(e: unknown): EncodeFailure {
  if (e instanceof ChorusError) return { error: { code: e.code, reason: e.message } };
  return { error: { code: 'INTERNAL', reason: String((e as Error)?.message ?? e).split('\n')[0]! } };
}

export interface BatchOptions {
  /** Items per inference call. */
  batchSize: number;
  /** Items decoded at once (decoders run on libuv/sharp threads, so a few in flight keep the cores busy). */
  decodeConcurrency: number;
}

/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
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
 * The shared encode loop: decode every item on its own (a bad item becomes its failure), run inference on
 * the decoded ones in batches, and if a whole batch fails, retry its items one by one so one poison item
 * cannot sink its neighbours. Output order matches input order.
 */
export async function encodeInBatches<D>(
  inputs: EncoderInput[],
  decode: (input: EncoderInput, index: number) => Promise<D>,
  infer: (decoded: D[]) => Promise<Float32Array[]>,
  opts: BatchOptions,
): Promise<EncodeResult[]> {
  const results = new Array<EncodeResult>(inputs.length);
  const decoded = await mapLimit(inputs, opts.decodeConcurrency, async (input, i) => {
    try {
      return await decode(input, i);
    } catch (e) {
      results[i] = toFailure(e);
      return undefined;
    }
  });
  const ready = decoded.flatMap((d, i) => (d === undefined ? [] : [{ i, d }]));
  for (let s = 0; s < ready.length; s += opts.batchSize) {
    const group = ready.slice(s, s + opts.batchSize);
    try {
      const vectors = await infer(group.map((g) => g.d));
      group.forEach((g, k) => (results[g.i] = vectors[k]!));
    } catch (e) {
      if (group.length === 1) {
        results[group[0]!.i] = toFailure(e);
        continue;
      }
      for (const g of group) {
        try {
          results[g.i] = (await infer([g.d]))[0]!;
        } catch (e2) {
          results[g.i] = toFailure(e2);
        }
      }
    }
  }
  return results;
}
