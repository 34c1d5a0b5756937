#!/usr/bin/env node
// `npm run build`: compiles src/, indexers/ and rerankers/ to <out>/ (JS + .d.ts, same layout as the repository)
// and copies what the compiled code loads from beside itself: the admin UI's static files, the bundled ONNX models,
// worker scripts (.mjs) and the quickstart corpus; then bundles the CLI's start-up shell (scripts/bundle-cli.mjs). Usage: node scripts/build.mjs [--out DIR] (default dist).
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { bundleCli } from './bundle-cli.mjs';

const ROOT = path.resolve(import.meta.dirname, '..');
const outFlag = process.argv.indexOf('--out');
const OUT = path.resolve(ROOT, outFlag >= 0 ? process.argv[outFlag + 1] : 'dist');

/** Folders whose plain-JS modules (.mjs: worker scripts and the modules they share) ship as they are. */
const JS_ROOTS = ['src', 'indexers', 'rerankers'];

/**
 * Non-TypeScript files the compiled code finds relative to its own location (import.meta.url): every .mjs under
 * JS_ROOTS (found, not listed: a module added without a line here broke the built CLI) and these.
 */
const ASSETS = [
  'src/admin/static',
  'indexers/models',
  'fixtures/corpus',
  ...JS_ROOTS.flatMap((root) =>
    readdirSync(path.join(ROOT, root), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.mjs'))
      .map((f) => path.join(root, f)),
  ),
];

if (OUT === ROOT) throw new Error('refusing to build into the repository root');
rmSync(OUT, { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(
  process.execPath,
  [tsc, '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', OUT],
  { stdio: 'inherit', cwd: ROOT },
);
for (const asset of ASSETS) {
  const from = path.join(ROOT, asset);
  if (!existsSync(from)) throw new Error(`build asset missing: ${asset}`);
  mkdirSync(path.dirname(path.join(OUT, asset)), { recursive: true });
  cpSync(from, path.join(OUT, asset), { recursive: true });
}
await bundleCli(OUT, ROOT);
process.stdout.write(`built ${path.relative(process.cwd(), OUT) || OUT}\n`);
