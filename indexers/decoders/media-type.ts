import { fileTypeFromBuffer } from 'file-type';
import type { Modality } from '../../src/domain/modality.js';
import { ChorusError } from '../../src/errors.js';

/** Image and audio formats Chorus decodes, by the `file-type` extension sniffed from the bytes. */
export const IMAGE_FORMATS = ['jpg', 'png', 'webp', 'gif', 'avif', 'tif'] as const;
export const AUDIO_FORMATS = ['wav', 'mp3', 'flac', 'ogg', 'opus', 'oga'] as const;

export interface SniffedType {
  ext: string;
  mime: string;
}

/**
 * Sniffs the media type from the content, never from a file name: a PNG renamed `.wav` is a PNG.
 * Throws VALIDATION for empty input and UNSUPPORTED_MEDIA when the bytes are not a format of `expected`.
 */
export async function sniffMedia(
  bytes: Uint8Array,
  expected: Exclude<Modality, 'text'>,
): Promise<SniffedType> {
  if (bytes.byteLength === 0) throw new ChorusError('VALIDATION', 'the file is empty (0 bytes)');
  const type = await fileTypeFromBuffer(bytes);
  const allowed: readonly string[] = expected === 'image' ? IMAGE_FORMATS : AUDIO_FORMATS;
  if (!type) {
    throw new ChorusError(
      'UNSUPPORTED_MEDIA',
      `unrecognised content: not an ${expected} file Chorus can read (${allowed.join(', ')})`,
    );
  }
  if (!allowed.includes(type.ext)) {
    throw new ChorusError(
      'UNSUPPORTED_MEDIA',
      `the content is ${type.mime} (.${type.ext}), not a supported ${expected} format (${allowed.join(', ')})`,
      { detected: type.mime },
    );
  }
  return { ext: type.ext, mime: type.mime };
}

/** Which modality a file's bytes belong to, or undefined when they are neither a supported image nor audio. */
export async function detectModality(
  bytes: Uint8Array,
): Promise<Exclude<Modality, 'text'> | undefined> {
  if (bytes.byteLength === 0) return undefined;
  const type = await fileTypeFromBuffer(bytes);
  if (!type) return undefined;
  if ((IMAGE_FORMATS as readonly string[]).includes(type.ext)) return 'image';
  if ((AUDIO_FORMATS as readonly string[]).includes(type.ext)) return 'audio';
  return undefined;
}
