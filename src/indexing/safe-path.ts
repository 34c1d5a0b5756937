import { realpath } from 'node:fs/promises';
import path from 'node:path';

/** Why a path was refused; the message is the per-item reason. */
export class PathOutsideRootError extends Error {
  constructor(
    readonly relPath: string,
    reason: string,
  ) {
    super(reason);
    this.name = 'PathOutsideRootError';
  }
}

/**
 * Lexical check for a path given by a manifest or found on disk: relative, and still inside the root
 * after normalisation. Returns the normalised relative path (POSIX separators).
 */
export function checkRelativePath(rel: string): string {
  if (rel.length === 0) throw new PathOutsideRootError(rel, 'empty path');
  if (rel.includes('\0')) throw new PathOutsideRootError(rel, 'path contains a NUL byte');
  if (path.isAbsolute(rel) || /^[A-Za-z]:[\\/]/.test(rel)) {
    throw new PathOutsideRootError(
      rel,
      `absolute path refused (paths must be relative to the input root): ${rel}`,
    );
  }
  const normal = path.posix.normalize(rel.replaceAll('\\', '/'));
  if (normal === '..' || normal.startsWith('../')) {
    throw new PathOutsideRootError(rel, `path escapes the input root: ${rel}`);
  }
  return normal;
}

/**
 * Resolves `rel` under `root` and follows symlinks: the real file must live inside the real root,
 * so a symlink pointing elsewhere is refused the same way as `../`.
 */
export async function resolveInsideRoot(root: string, rel: string): Promise<string> {
  const normal = checkRelativePath(rel);
  const realRoot = await realpath(root);
  const real = await realpath(path.join(realRoot, normal));
  const inside = path.relative(realRoot, real);
  if (inside.startsWith('..') || path.isAbsolute(inside)) {
    throw new PathOutsideRootError(rel, `path resolves outside the input root (symlink?): ${rel}`);
  }
  return real;
}
