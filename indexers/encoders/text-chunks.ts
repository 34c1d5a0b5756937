import type { PreTrainedTokenizer } from '@huggingface/transformers';
import { chunkText, normalizeText } from '../decoders/text.js';
import type { EncoderInput } from '../encoder.js';
import { l2normalize, meanOf } from '../vector-math.js';

/** Chunking settings shared by the text encoders: windows of `maxTokens` overlapping by `overlap`. */
export interface ChunkOptions {
  maxTokens: number;
  overlap: number;
  maxChunks?: number;
}

/** Cleans one text input and cuts it into model-sized chunks (one chunk for short text). */
export function prepareChunks(
  input: EncoderInput,
  tok: PreTrainedTokenizer,
  opts: ChunkOptions,
): string[] {
  // Leave room for the model's own special tokens ([CLS]/[SEP], <|startoftext|>...).
  return chunkText(normalizeText(input), tok, opts.maxTokens - 2, opts.overlap, opts.maxChunks);
}

/**
 * Encodes items made of chunks: every chunk of every item goes through `embed` in batches of `batchSize`,
 * then each item's vector is the normalised mean of its normalised chunk vectors.
 */
export async function poolChunks(
  items: string[][],
  batchSize: number,
  embed: (texts: string[]) => Promise<Float32Array[]>,
): Promise<Float32Array[]> {
  const flat = items.flat();
  const vectors: Float32Array[] = [];
  for (let s = 0; s < flat.length; s += batchSize)
    vectors.push(...(await embed(flat.slice(s, s + batchSize))).map(l2normalize));
  let k = 0;
  return items.map((chunks) => {
    const own = vectors.slice(k, k + chunks.length);
    k += chunks.length;
    return l2normalize(own.length === 1 ? own[0]! : meanOf(own));
  });
}
