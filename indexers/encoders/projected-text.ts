import {
  AutoTokenizer,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  type Tensor,
} from '@huggingface/transformers';
import { encodeInBatches } from '../batching.js';
import type { EncodeResult, Encoder, EncoderInput } from '../encoder.js';
import {
  loadPretrained,
  type ModelSettings,
  type PretrainedOptions,
  recordedModelId,
} from '../model-source.js';
import { poolChunks, prepareChunks, type ChunkOptions } from './text-chunks.js';

export interface ProjectedTextSpec {
  vectorName: string;
  /** Loads the text tower class (CLIPTextModelWithProjection, ClapTextModelWithProjection). */
  loadModel: (source: string, options: PretrainedOptions) => Promise<PreTrainedModel>;
  /** CLIP pools at the end-of-text token and was exported for fixed 77-token input: pad to max_length. */
  padToMax: boolean;
  chunks: ChunkOptions;
  batchSize?: number;
}

/**
 * The text tower of a two-tower model (CLIP, CLAP): `text_embeds`, L2-normalised. It writes `image_text` /
 * `audio_text` on items and encodes text queries against `image` / `audio`. Long text is chunked and pooled.
 */
export class ProjectedTextEncoder implements Encoder {
  readonly modality = 'text' as const;
  dim = 0;

  private constructor(
    readonly modelId: string,
    readonly vectorName: string,
    private readonly tokenizer: PreTrainedTokenizer,
    private readonly model: PreTrainedModel,
    private readonly spec: ProjectedTextSpec,
  ) {}

  static async load(
    modelId: string,
    settings: ModelSettings,
    spec: ProjectedTextSpec,
  ): Promise<ProjectedTextEncoder> {
    const tokenizer = await loadPretrained(modelId, settings, (src, o) =>
      AutoTokenizer.from_pretrained(src, o),
    );
    const model = await loadPretrained(modelId, settings, spec.loadModel);
    const limit = Math.min(
      spec.chunks.maxTokens,
      Number(tokenizer.model_max_length) || spec.chunks.maxTokens,
    );
    const enc = new ProjectedTextEncoder(
      recordedModelId(modelId, settings.dtype),
      spec.vectorName,
      tokenizer,
      model,
      { ...spec, chunks: { ...spec.chunks, maxTokens: limit } },
    );
    enc.dim = (await enc.embed(['dimension probe']))[0]!.length;
    return enc;
  }

  async encode(batch: EncoderInput[]): Promise<EncodeResult[]> {
    const batchSize = this.spec.batchSize ?? 16;
    return encodeInBatches(
      batch,
      async (input) => prepareChunks(input, this.tokenizer, this.spec.chunks),
      (items) => poolChunks(items, batchSize, (texts) => this.embed(texts)),
      { batchSize, decodeConcurrency: 1 },
    );
  }

  async embed(texts: string[]): Promise<Float32Array[]> {
    const max = this.spec.chunks.maxTokens;
    const inputs = this.tokenizer(texts, {
      padding: this.spec.padToMax ? 'max_length' : true,
      truncation: true,
      max_length: max,
    });
    const out = (await this.model(inputs)) as Record<string, Tensor>;
    const embeds = out.text_embeds;
    if (!embeds) throw new Error(`${this.modelId}: the text model has no text_embeds output`);
    const [b, d] = embeds.dims as [number, number];
    const data = embeds.data as Float32Array;
    return Array.from({ length: b }, (_, r) => data.slice(r * d, (r + 1) * d));
  }

  async close(): Promise<void> {
    await this.model.dispose();
  }
}
