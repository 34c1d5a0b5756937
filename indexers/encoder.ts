import type { Modality } from '../src/domain/modality.js';

/** What an encoder consumes, per modality. Media arrives as raw bytes and is decoded by the encoder's decoder. */
export type EncoderInput = string | Uint8Array;

/** A per-item failure: the rest of the batch is still encoded. */
export interface EncodeFailure {
  error: { code: string; reason: string };
}

export type EncodeResult = Float32Array | EncodeFailure;

export function isEncodeFailure(r: EncodeResult): r is EncodeFailure {
  return !(r instanceof Float32Array);
}

/**
 * One encoder per (modality, model). `modality` says what it reads (text, image or audio);
 * `vectorName` says which named vector it writes (e.g. a CLIP text tower reads text and writes `image_text`,
 * and is also used to encode text queries against `image`).
 */
export interface Encoder {
  readonly modality: Modality;
  readonly vectorName: string;
  readonly dim: number;
  readonly modelId: string;
  encode(batch: EncoderInput[]): Promise<EncodeResult[]>;
  close?(): Promise<void>;
}
