import sharp from 'sharp';
import { encodeInBatches } from '../batching.js';
import { decodeImage } from '../decoders/image.js';
import type { EncodeResult, Encoder, EncoderInput } from '../encoder.js';
import { l2normalize } from '../vector-math.js';

/** The model id recorded for vectors of this descriptor (and accepted in models.image). */
export const COLOUR_LAYOUT_MODEL_ID = 'chorus/colour-layout-v1';

const GRID = 8; // thumbnail side
const BINS = 4; // per channel: 4x4x4 colour histogram

/**
 * A cheap, honest offline image descriptor for when no CLIP model is available: NOT a learned embedding.
 * It matches images by colour and coarse layout only (a red dress finds other red, similarly shaped pictures),
 * and cannot match text queries. Vector (256-d, L2-normalised): the square roots of a 64-bin RGB histogram
 * (Hellinger form, weight 1/2 of the norm) and a mean-centred 8x8 RGB thumbnail (the other half).
 */
export class ColourLayoutImageEncoder implements Encoder {
  readonly modality = 'image' as const;
  readonly vectorName = 'image';
  readonly modelId = COLOUR_LAYOUT_MODEL_ID;
  readonly dim = BINS * BINS * BINS + GRID * GRID * 3;

  constructor(private readonly opts: { maxPixels: number; decodeConcurrency?: number }) {}

  async encode(batch: EncoderInput[]): Promise<EncodeResult[]> {
    return encodeInBatches(
      batch,
      async (input) => {
        if (typeof input === 'string') throw new Error('image encoders take bytes, not text');
        const { image } = await decodeImage(input, {
          maxPixels: this.opts.maxPixels,
          shortSide: 128,
        });
        return describe(
          Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength),
          image.width,
          image.height,
        );
      },
      async (vectors) => vectors,
      { batchSize: 64, decodeConcurrency: this.opts.decodeConcurrency ?? 4 },
    );
  }
}

async function describe(rgb: Buffer, width: number, height: number): Promise<Float32Array> {
  const hist = new Float32Array(BINS ** 3);
  const px = width * height;
  for (let i = 0; i < px; i++) {
    const r = (rgb[i * 3]! * BINS) >> 8;
    const g = (rgb[i * 3 + 1]! * BINS) >> 8;
    const b = (rgb[i * 3 + 2]! * BINS) >> 8;
    hist[(r * BINS + g) * BINS + b]! += 1 / px;
  }
  const thumb = await sharp(rgb, { raw: { width, height, channels: 3 } })
    .resize(GRID, GRID, { fit: 'fill' })
    .raw()
    .toBuffer();
  const layout = Float32Array.from(thumb, (v) => v / 255);
  const mean = layout.reduce((a, c) => a + c, 0) / layout.length;
  for (let i = 0; i < layout.length; i++) layout[i]! -= mean;
  const h = l2normalize(hist.map(Math.sqrt));
  const l = l2normalize(layout);
  const out = new Float32Array(hist.length + layout.length);
  out.set(h.map((v) => v * Math.SQRT1_2));
  out.set(
    l.map((v) => v * Math.SQRT1_2),
    hist.length,
  );
  return l2normalize(out);
}
