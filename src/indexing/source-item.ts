import type { Payload } from '../domain/item.js';

/** Extensions each role is discovered by (lower case, with the dot). */
export const TEXT_EXTENSIONS = ['.txt', '.md'] as const;
export const IMAGE_EXTENSIONS = [
  '.jpg',
  '.jpeg',
  '.png',
  '.webp',
  '.gif',
  '.avif',
  '.tif',
  '.tiff',
] as const;
export const AUDIO_EXTENSIONS = ['.wav', '.mp3', '.flac', '.ogg'] as const;
export const PAYLOAD_EXTENSIONS = ['.json'] as const;

export type FileRole = 'text' | 'image' | 'audio' | 'payload';

/** A per-item problem found before or while indexing; becomes one line of the error report. */
export interface ItemProblem {
  code: string;
  reason: string;
  /** The offending file (relative to the input root) or manifest row, when one is to blame. */
  path?: string;
}

/**
 * One item as discovered from a directory, a manifest row or a CSV row, before any file is read.
 * Paths are relative to `root` of the run (the directory, or the manifest's folder) and are checked
 * to stay inside it when read. Serialisable: it travels inside job payloads.
 */
export interface SourceItem {
  id: string;
  /** Where the item came from (a base path or `manifest.jsonl:12`), for reports. */
  origin: string;
  text?: string;
  textPath?: string;
  imagePath?: string;
  audioPath?: string;
  payloadPath?: string;
  payload?: Payload;
  /** Precomputed vectors per vector name (a manifest's `vectors`), checked against the collection when indexed. */
  vectors?: Record<string, number[]>;
  /** A discovery-time problem (path escaping the root, bad row, ambiguous files): the item fails without being read. */
  problem?: ItemProblem;
}

export function roleOfExtension(ext: string): FileRole | undefined {
  const e = ext.toLowerCase();
  if ((TEXT_EXTENSIONS as readonly string[]).includes(e)) return 'text';
  if ((IMAGE_EXTENSIONS as readonly string[]).includes(e)) return 'image';
  if ((AUDIO_EXTENSIONS as readonly string[]).includes(e)) return 'audio';
  if ((PAYLOAD_EXTENSIONS as readonly string[]).includes(e)) return 'payload';
  return undefined;
}
