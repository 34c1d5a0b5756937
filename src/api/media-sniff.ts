import { fileTypeFromBuffer } from 'file-type';
import { ChorusError } from '../errors.js';

/** Decides a file's modality from its bytes (magic numbers), never from its name or the client's claim. */
export async function sniffModality(bytes: Uint8Array, field: string): Promise<'image' | 'audio'> {
  const type = await fileTypeFromBuffer(bytes);
  const kind = type?.mime.startsWith('image/')
    ? 'image'
    : type?.mime.startsWith('audio/')
      ? 'audio'
      : undefined;
  if (!kind) {
    throw new ChorusError(
      'UNSUPPORTED_MEDIA',
      `file "${field}" is ${type ? type.mime : 'of an unknown type'}: expected an image or audio file`,
      {
        field,
        detected: type?.mime,
      },
    );
  }
  if ((field === 'image' || field === 'audio') && field !== kind) {
    throw new ChorusError(
      'UNSUPPORTED_MEDIA',
      `file "${field}" contains ${type!.mime}, not ${field}`,
      { field, detected: type!.mime },
    );
  }
  return kind;
}
