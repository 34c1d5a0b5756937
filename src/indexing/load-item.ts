import { readFile, stat } from 'node:fs/promises';
import { JsonValue, type Payload } from '../domain/item.js';
import { PathOutsideRootError, resolveInsideRoot } from './safe-path.js';
import type { ItemProblem, SourceItem } from './source-item.js';

/** An item with its files read, ready to hash and encode. Paths stay relative for reports and payloads. */
export interface LoadedItem {
  id: string;
  text?: string;
  payload: Payload;
  image?: Uint8Array;
  audio?: Uint8Array;
  /** Precomputed vectors from the manifest row (stored as given; encoders fill only the others). */
  vectors?: Record<string, number[]>;
  source: SourceItem;
}

export type LoadResult = { ok: true; item: LoadedItem } | { ok: false; problem: ItemProblem };

export interface LoadOptions {
  /** Largest file read for one item; bigger files fail that item (default 64 MiB). */
  maxFileBytes?: number;
}

/** Reads an item's files from under `root`; every problem (missing, too big, outside the root, bad JSON) is per item. */
export async function loadItem(
  root: string,
  source: SourceItem,
  opts: LoadOptions = {},
): Promise<LoadResult> {
  if (source.problem) return { ok: false, problem: source.problem };
  const maxBytes = opts.maxFileBytes ?? 64 * 1024 * 1024;
  try {
    const item: LoadedItem = { id: source.id, payload: {}, source };
    if (source.payloadPath) {
      const raw = await readInside(root, source.payloadPath, maxBytes);
      let parsed: unknown;
      try {
        parsed = JSON.parse(Buffer.from(raw).toString('utf8'));
      } catch (e) {
        return fail(
          'BAD_PAYLOAD',
          `payload file is not valid JSON: ${(e as Error).message}`,
          source.payloadPath,
        );
      }
      if (
        typeof parsed !== 'object' ||
        parsed === null ||
        Array.isArray(parsed) ||
        !JsonValue.safeParse(parsed).success
      ) {
        return fail('BAD_PAYLOAD', 'payload file must hold one JSON object', source.payloadPath);
      }
      Object.assign(item.payload, parsed);
    }
    if (source.payload) Object.assign(item.payload, source.payload);
    if (source.textPath) {
      const bytes = await readInside(root, source.textPath, maxBytes);
      // Lenient decoding would index U+FFFD in place of the bad bytes: a clear per-item error instead.
      try {
        item.text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        return fail('MEDIA_DECODE', 'the text file is not valid UTF-8', source.textPath);
      }
    }
    if (source.text !== undefined) item.text = source.text;
    if (source.imagePath) item.image = await readInside(root, source.imagePath, maxBytes);
    if (source.audioPath) item.audio = await readInside(root, source.audioPath, maxBytes);
    if (source.vectors && Object.keys(source.vectors).length) item.vectors = source.vectors;
    if (item.text !== undefined && item.text.trim() === '') {
      if (!item.image && !item.audio && !item.vectors)
        return fail('EMPTY_TEXT', 'the text is empty', source.textPath ?? source.origin);
      delete item.text;
    }
    if (item.text === undefined && !item.image && !item.audio && !item.vectors) {
      return fail(
        'NO_CONTENT',
        'the item has no text, image, audio or vectors',
        source.payloadPath ?? source.origin,
      );
    }
    return { ok: true, item };
  } catch (e) {
    if (e instanceof FileProblem) return { ok: false, problem: e.problem };
    throw e;
  }
}

class FileProblem extends Error {
  constructor(readonly problem: ItemProblem) {
    super(problem.reason);
  }
}

function fail(code: string, reason: string, file?: string): LoadResult {
  return { ok: false, problem: { code, reason, ...(file ? { path: file } : {}) } };
}

async function readInside(root: string, rel: string, maxBytes: number): Promise<Uint8Array> {
  let abs: string;
  try {
    abs = await resolveInsideRoot(root, rel);
  } catch (e) {
    if (e instanceof PathOutsideRootError)
      throw new FileProblem({ code: 'PATH_OUTSIDE_ROOT', reason: e.message, path: rel });
    throw new FileProblem({
      code: 'FILE_NOT_FOUND',
      reason: `cannot open ${rel}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      path: rel,
    });
  }
  const st = await stat(abs);
  if (!st.isFile())
    throw new FileProblem({
      code: 'NOT_A_FILE',
      reason: `${rel} is not a regular file`,
      path: rel,
    });
  if (st.size > maxBytes) {
    throw new FileProblem({
      code: 'FILE_TOO_LARGE',
      reason: `${rel} is ${st.size} bytes (limit ${maxBytes})`,
      path: rel,
    });
  }
  return new Uint8Array(await readFile(abs));
}
