import { RawImage } from '@huggingface/transformers';
import sharp, { type Metadata } from 'sharp';
import { ChorusError } from '../../src/errors.js';
import { sniffMedia } from './media-type.js';

export interface ImageDecodeOptions {
  /** Larger images (width x height) are refused with PAYLOAD_TOO_LARGE before decoding. */
  maxPixels: number;
  /**
   * Shrink so the shorter side is at most this many pixels before the model's own preprocessor runs
   * (it resizes to 224 anyway; decoding big photos at full size wastes time). 0 keeps the size.
   */
  shortSide?: number;
}

export interface DecodedImage {
  image: RawImage;
  format: string;
  /** Size of the original (after EXIF rotation). */
  width: number;
  height: number;
}

/**
 * Decodes jpeg/png/webp/gif (first frame)/avif/tiff bytes with sharp into an RGB RawImage: EXIF orientation
 * applied, alpha flattened onto white. The format is sniffed from the bytes; errors are ChorusErrors with a
 * per-item reason (empty, unsupported, too large, corrupt or truncated).
 */
export async function decodeImage(
  bytes: Uint8Array,
  opts: ImageDecodeOptions,
): Promise<DecodedImage> {
  const { ext } = await sniffMedia(bytes, 'image');
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { pages: 1, limitInputPixels: false }).metadata();
  } catch (e) {
    throw new ChorusError(
      'MEDIA_DECODE',
      `the ${ext} image could not be read: ${(e as Error).message}`,
    );
  }
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (!w || !h) throw new ChorusError('MEDIA_DECODE', `the ${ext} image has no dimensions`);
  if (w * h > opts.maxPixels) {
    throw new ChorusError(
      'PAYLOAD_TOO_LARGE',
      `the image is ${w}x${h} (${w * h} pixels), over the limit of ${opts.maxPixels} pixels (limits.maxImagePixels)`,
      {
        width: w,
        height: h,
        maxPixels: opts.maxPixels,
      },
    );
  }
  try {
    // failOn 'truncated' turns a cut-off file into an error instead of a half-grey picture.
    let pipeline = sharp(bytes, { pages: 1, failOn: 'truncated', limitInputPixels: opts.maxPixels })
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb');
    const short = opts.shortSide ?? 448;
    if (short > 0)
      pipeline = pipeline.resize({
        width: short,
        height: short,
        fit: 'outside',
        withoutEnlargement: true,
      });
    const { data, info } = await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const oriented = (meta.orientation ?? 1) >= 5;
    return {
      image: new RawImage(
        new Uint8ClampedArray(data.buffer, data.byteOffset, data.byteLength),
        info.width,
        info.height,
        3,
      ),
      format: ext,
      width: oriented ? h : w,
      height: oriented ? w : h,
    };
  } catch (e) {
    throw new ChorusError(
      'MEDIA_DECODE',
      `the ${ext} image could not be decoded (corrupt or truncated): ${(e as Error).message}`,
    );
  }
}
