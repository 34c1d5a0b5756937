import {
  AutoModel,
  AutoTokenizer,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  type Tensor,
} from '@huggingface/transformers';
import { encodeInBatches } from '../batching.js';
import type { EncodeResult, Encoder, EncoderInput } from '../encoder.js';
import { loadPretrained, type ModelSettings, recordedModelId } from '../model-source.js';
import { maskedMeanPool } from '../vector-math.js';
import { poolChunks, prepareChunks, type ChunkOptions } from './text-chunks.js';

export interface TextEncoderOptions extends Partial<ChunkOptions> {
  vectorName?: string;
  batchSize?: number;
}

/**
 * Sentence embeddings from a transformers.js encoder-only model (default Xenova/all-MiniLM-L6-v2): masked mean
 * pooling of `last_hidden_state`, L2-normalised. Long text is cut into overlapping token windows whose vectors
 * are averaged.
 */
export class TransformersTextEncoder implements Encoder {
  readonly modality = 'text' as const;
  dim = 0;

  private constructor(
    readonly modelId: string,
    readonly vectorName: string,
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly model: PreTrainedModel,
    private readonly chunks: ChunkOptions,
    private readonly batchSize: number,
  ) {}

  static async load(
    modelId: string,
    settings: ModelSettings,
    opts: TextEncoderOptions = {},
  ): Promise<TransformersTextEncoder> {
    const tokenizer = await loadPretrained(modelId, settings, (src, o) =>
      AutoTokenizer.from_pretrained(src, o),
    );
    const model = await loadPretrained(modelId, settings, (src, o) =>
      AutoModel.from_pretrained(src, o),
    );
    // MiniLM was trained on 256-token inputs; never exceed what the tokenizer allows.
    const limit = Math.min(opts.maxTokens ?? 256, Number(tokenizer.model_max_length) || 512);
    const enc = new TransformersTextEncoder(
      recordedModelId(modelId, settings.dtype),
      opts.vectorName ?? 'text',
      tokenizer,
      model,
      { maxTokens: limit, overlap: opts.overlap ?? 32, maxChunks: opts.maxChunks ?? 32 },
      opts.batchSize ?? 16,
    );
    enc.dim = (await enc.embed(['dimension probe']))[0]!.length;
    return enc;
  }

  async encode(batch: EncoderInput[]): Promise<EncodeResult[]> {
    return encodeInBatches(
      batch,
      async (input) => prepareChunks(input, this.tokenizer, this.chunks),
      (items) => poolChunks(items, this.batchSize, (texts) => this.embed(texts)),
      { batchSize: this.batchSize, decodeConcurrency: 1 },
    );
  }

  /** One forward pass over already-chunked texts; returns one (unnormalised) pooled vector per text. */
  async embed(texts: string[]): Promise<Float32Array[]> {
    const inputs = this.tokenizer(texts, {
      padding: true,
      truncation: true,
      max_length: this.chunks.maxTokens,
    });
    const out = (await this.model(inputs)) as Record<string, Tensor>;
    const hidden = out.last_hidden_state ?? out.token_embeddings ?? out.logits;
    if (!hidden) throw new Error(`${this.modelId}: the model has no last_hidden_state output`);
    const [b, s, h] = hidden.dims as [number, number, number];
    return maskedMeanPool(
      hidden.data as Float32Array,
      inputs.attention_mask.data as BigInt64Array,
      b,
      s,
      h,
    );
  }

  async close(): Promise<void> {
    await this.model.dispose();
  }
}
