import { stat } from 'node:fs/promises';
import path from 'node:path';
import { ChorusError } from '../errors.js';
import { discoverDirectory } from './discover-directory.js';
import { readManifest } from './read-manifest.js';
import type { SourceItem } from './source-item.js';

export interface DiscoveredInput {
  kind: 'directory' | 'jsonl' | 'csv';
  /** Absolute folder every item path is relative to. */
  root: string;
  /** Absolute path of what the user named. */
  input: string;
  items: SourceItem[];
  ignored: string[];
}

/** Checks what the user named before anything heavy (models) is loaded: bad usage is exit 2 at once. */
export async function checkInputPath(inputPath: string): Promise<'directory' | 'jsonl' | 'csv'> {
  const st = await stat(path.resolve(inputPath)).catch(() => {
    throw new ChorusError('BAD_REQUEST', `input not found: ${inputPath}`);
  });
  if (st.isDirectory()) return 'directory';
  const lower = inputPath.toLowerCase();
  if (st.isFile() && lower.endsWith('.jsonl')) return 'jsonl';
  if (st.isFile() && lower.endsWith('.csv')) return 'csv';
  throw new ChorusError(
    'BAD_REQUEST',
    `input must be a directory, a .jsonl manifest or a .csv file: ${inputPath}`,
  );
}

/** A directory, a `manifest.jsonl` (any `.jsonl`) or a `.csv`; anything else is bad usage (exit 2). */
export async function discoverInput(inputPath: string): Promise<DiscoveredInput> {
  const input = path.resolve(inputPath);
  await checkInputPath(inputPath);
  const st = await stat(input);
  if (st.isDirectory()) {
    const { items, ignored } = await discoverDirectory(input);
    return { kind: 'directory', root: input, input, items, ignored };
  }
  const lower = input.toLowerCase();
  if (st.isFile() && (lower.endsWith('.jsonl') || lower.endsWith('.csv'))) {
    const items = await readManifest(input);
    return {
      kind: lower.endsWith('.csv') ? 'csv' : 'jsonl',
      root: path.dirname(input),
      input,
      items,
      ignored: [],
    };
  }
  throw new ChorusError(
    'BAD_REQUEST',
    `input must be a directory, a .jsonl manifest or a .csv file: ${inputPath}`,
  );
}
