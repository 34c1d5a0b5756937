import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '../..');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'chorus-lazy-cli-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Packages that cost hundreds of ms (or native loads) and that no command needs just to print help. */
const HEAVY = [
  'zod',
  'yaml',
  '@lancedb/',
  '@huggingface/transformers',
  'onnxruntime-node',
  'express',
  'sharp',
  'better-sqlite3',
  'apache-arrow',
  'bullmq',
  'ioredis',
  'usearch',
  '@qdrant/',
  'pino',
];

/** Static, non-type imports of a TypeScript/JS file (dynamic `import()` is what commands use to stay lazy). */
function staticImports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of src.matchAll(
    /^\s*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm,
  )) {
    if (!m[2]) out.push(m[3]!);
  }
  return out;
}

function resolveLocal(from: string, spec: string): string {
  const p = path.resolve(path.dirname(from), spec);
  for (const c of [p.replace(/\.js$/, '.ts'), p]) if (existsSync(c)) return c;
  throw new Error(`${path.relative(ROOT, from)} imports ${spec}, which does not exist`);
}

function walk(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (/\.(ts|mjs|js)$/.test(name) && !/\.test\.ts$/.test(name)) out.push(p);
  }
  return out;
}

describe('chorus CLI start-up stays light', () => {
  it('the static import graph of src/cli/main.ts reaches no heavy package (commands import them on use)', () => {
    const seen = new Set<string>();
    const heavy: string[] = [];
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      for (const spec of staticImports(file)) {
        if (spec.startsWith('.')) visit(resolveLocal(file, spec));
        else if (HEAVY.some((h) => spec === h || spec.startsWith(h)))
          heavy.push(`${path.relative(ROOT, file)} -> ${spec}`);
      }
    };
    visit(path.join(ROOT, 'src/cli/main.ts'));
    expect(seen.size).toBeGreaterThan(10); // the walk really followed the command files
    expect(heavy).toEqual([]);
  });

  it('product code (src, indexers, rerankers) never imports bench/ or test/, statically or dynamically', () => {
    const offenders: string[] = [];
    for (const top of ['src', 'indexers', 'rerankers']) {
      for (const file of walk(path.join(ROOT, top))) {
        const src = readFileSync(file, 'utf8');
        for (const m of src.matchAll(/(?:from\s+|import\s*\(\s*|new URL\(\s*)['"]([^'"]+)['"]/g)) {
          if (!m[1]!.startsWith('.')) continue;
          const target = path.relative(ROOT, path.resolve(path.dirname(file), m[1]!));
          if (/^(bench|test)(\/|$)/.test(target))
            offenders.push(`${path.relative(ROOT, file)} -> ${m[1]}`);
        }
      }
    }
    expect(offenders).toEqual([]);
  });

  it('`chorus --help` loads none of them at run time (module loads recorded by a resolve hook)', async () => {
    const log = path.join(tmp, 'imports.log');
    const r = await run(
      process.execPath,
      [
        '--import',
        path.join(ROOT, 'test/cli/support/record-imports.mjs'),
        path.join(ROOT, 'bin/chorus.js'),
        '--help',
      ],
      {
        cwd: tmp,
        env: { ...process.env, RECORD_IMPORTS_LOG: log },
        timeout: 300_000, // a busy machine may take long to spawn; the check is what loads, not how fast
      },
    );
    expect(r.stdout).toContain('Usage: chorus');
    expect(r.stdout).toMatch(/\bsearch\b/);
    const urls = readFileSync(log, 'utf8').split('\n').filter(Boolean);
    expect(urls.some((u) => u.includes('/cli/main.'))).toBe(true); // the hook saw the CLI itself
    expect(urls.filter((u) => HEAVY.some((h) => u.includes(`/node_modules/${h}`)))).toEqual([]);
    expect(
      urls.filter(
        (u) =>
          /\/(bench|test)\//.test(u.replace(/^file:\/\/.*?\/(src|dist)\//, '')) &&
          !u.includes('record-imports'),
      ),
    ).toEqual([]);
  }, 320_000);
});
