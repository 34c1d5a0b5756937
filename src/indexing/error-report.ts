import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ItemFailure } from './item-indexer.js';

/**
 * Writes one JSON line per failed item ({id, path, code, reason}), sorted by id, one line per id even
 * when a resumed run saw the same failure twice. Returns the file path, or undefined when nothing failed.
 */
export function writeErrorReport(
  file: string,
  failures: Iterable<ItemFailure>,
): string | undefined {
  const byId = new Map<string, ItemFailure>();
  for (const f of failures) byId.set(f.id, f);
  if (byId.size === 0) return undefined;
  mkdirSync(path.dirname(file), { recursive: true });
  const lines = [...byId.values()]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((f) => JSON.stringify({ id: f.id, path: f.path ?? null, code: f.code, reason: f.reason }));
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}
