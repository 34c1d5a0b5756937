import {
  AutoProcessor,
  CLIPVisionModelWithProjection,
  type PreTrainedModel,
  type Processor,
  type RawImage,
  type Tensor,
} from '@huggingface/transformers';
import { encodeInBatches } from '../batching.js';
import { decodeImage } from '../decoders/image.js';
import type { EncodeResult, Encoder, EncoderInput } from '../encoder.js';
import { loadPretrained, type ModelSettings, recordedModelId } from '../model-source.js';
import { normalizedRows } from '../vector-math.js';

export interface ImageEncoderOptions {
  maxPixels: number;
  batchSize?: number;
  decodeConcurrency?: number;
}

/**
 * CLIP image tower (default Xenova/clip-vit-base-patch32): image bytes -> `image` vector (`image_embeds`,
 * L2-normalised). Decoding by sharp, then the model's own preprocessor (resize, centre crop, CLIP mean/std).
 */
export class ClipImageEncoder implements Encoder {
  readonly modality = 'image' as const;
  readonly vectorName = 'image';
  dim = 0;

  private constructor(
    readonly modelId: string,
    private readonly processor: Processor,
    private readonly model: PreTrainedModel,
    private readonly opts: Required<ImageEncoderOptions>,
  ) {}

  static async load(
    modelId: string,
    settings: ModelSettings,
    opts: ImageEncoderOptions,
  ): Promise<ClipImageEncoder> {
    const processor = await loadPretrained(modelId, settings, (src, o) =>
      AutoProcessor.from_pretrained(src, o),
    );
    const model = await loadPretrained(modelId, settings, (src, o) =>
      CLIPVisionModelWithProjection.from_pretrained(src, o),
    );
    const enc = new ClipImageEncoder(recordedModelId(modelId, settings.dtype), processor, model, {
      batchSize: 8,
      decodeConcurrency: 4,
      ...opts,
    });
    const { RawImage } = await import('@huggingface/transformers');
    enc.dim = (
      await enc.embed([new RawImage(new Uint8ClampedArray(32 * 32 * 3).fill(128), 32, 32, 3)])
    )[0]!.length;
    return enc;
  }

  async encode(batch: EncoderInput[]): Promise<EncodeResult[]> {
    return encodeInBatches(
      batch,
      async (input) => {
        if (typeof input === 'string') throw new Error('image encoders take bytes, not text');
        return (await decodeImage(input, { maxPixels: this.opts.maxPixels })).image;
      },
      (images) => this.embed(images),
      { batchSize: this.opts.batchSize, decodeConcurrency: this.opts.decodeConcurrency },
    );
  }

  async embed(images: RawImage[]): Promise<Float32Array[]> {
    const { pixel_values } = (await this.processor(images)) as { pixel_values: Tensor };
    const { image_embeds } = (await this.model({ pixel_values })) as { image_embeds: Tensor };
    const [b, d] = image_embeds.dims as [number, number];
    return normalizedRows(image_embeds.data as Float32Array, b, d);
  }

  async close(): Promise<void> {
    await this.model.dispose();
  }
}
