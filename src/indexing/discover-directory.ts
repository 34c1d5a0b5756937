import type { Dirent } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { roleOfExtension, type FileRole, type SourceItem } from './source-item.js';

export interface DirectoryDiscovery {
  items: SourceItem[];
  /** Files with no known role (e.g. `.csv`, `.bin`), relative to the root; reported, never indexed. */
  ignored: string[];
}

/**
 * Groups the files of a directory tree into items by base name: `a/123.jpg`, `a/123.txt`, `a/123.json`
 * and `a/123.wav` become one item `a/123` (the relative path without extension). Hidden entries are skipped;
 * symlinked directories are not followed (loops, escapes), symlinked files are kept and checked when read.
 * Items come back sorted by id so batches are the same on every run.
 */
export async function discoverDirectory(root: string): Promise<DirectoryDiscovery> {
  const groups = new Map<string, Map<FileRole, string[]>>();
  const ignored: string[] = [];
  await walk(root, '', groups, ignored);
  const items: SourceItem[] = [];
  for (const id of [...groups.keys()].sort()) {
    items.push(toSourceItem(id, groups.get(id)!));
  }
  return { items, ignored: ignored.sort() };
}

async function walk(
  root: string,
  rel: string,
  groups: Map<string, Map<FileRole, string[]>>,
  ignored: string[],
): Promise<void> {
  const entries: Dirent[] = await readdir(path.join(root, rel), { withFileTypes: true });
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const childRel = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) {
      await walk(root, childRel, groups, ignored);
      continue;
    }
    if (!entry.isFile() && !entry.isSymbolicLink()) continue;
    const ext = path.extname(entry.name);
    const role = ext ? roleOfExtension(ext) : undefined;
    if (!role) {
      ignored.push(childRel);
      continue;
    }
    const id = childRel.slice(0, childRel.length - ext.length);
    let roles = groups.get(id);
    if (!roles) groups.set(id, (roles = new Map()));
    const list = roles.get(role) ?? [];
    list.push(childRel);
    roles.set(role, list);
  }
}

function toSourceItem(id: string, roles: Map<FileRole, string[]>): SourceItem {
  const item: SourceItem = { id, origin: id };
  for (const [role, files] of roles) {
    files.sort();
    if (files.length > 1) {
      item.problem = {
        code: 'AMBIGUOUS_FILES',
        reason: `item ${id} has ${files.length} ${role} files (${files.join(', ')}); keep one`,
        path: files[1],
      };
    }
    const first = files[0]!;
    if (role === 'text') item.textPath = first;
    else if (role === 'image') item.imagePath = first;
    else if (role === 'audio') item.audioPath = first;
    else item.payloadPath = first;
  }
  return item;
}
