// Flat config: typescript-eslint recommended rules over every TypeScript source.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const ROOT = path.dirname(fileURLToPath(import.meta.url));
const PRODUCT = new Set(['src', 'indexers', 'rerankers']);
/** What indexers/ and rerankers/ may read of src/: the shared vocabulary, the ONNX helpers, the error type. */
const MODEL_LAYER_MAY_USE = new Set(['domain', 'onnx', 'errors.js', 'errors.ts']);
/** What the engine composes through ports and must not reach past (README "Architecture"). */
const ENGINE_MUST_NOT_USE = new Set([
  'api',
  'app',
  'admin',
  'cli',
  'jobs',
  'library',
  'client',
  'storage',
  'lexical',
  'feedback',
]);

/** Why an import from `from` to `to` (repository-relative paths) crosses a layer, or undefined. */
function layerViolation(from, to) {
  const [top, sub] = from.split(path.sep);
  const [tTop, tSub] = to.split(path.sep);
  if (!PRODUCT.has(top)) return undefined;
  if (tTop === 'bench' || tTop === 'test') return `product code (${top}/) never imports ${tTop}/`;
  if (top === 'indexers' || top === 'rerankers') {
    if (tTop === 'src' && !MODEL_LAYER_MAY_USE.has(tSub))
      return `${top}/ depends on src/domain, src/onnx and src/errors only, not src/${tSub} (src/engine and src/app compose it)`;
    if ((tTop === 'indexers' || tTop === 'rerankers') && tTop !== top)
      return `${top}/ does not import ${tTop}/ (shared code belongs in src/domain or src/onnx)`;
  }
  if (
    top === 'src' &&
    sub === 'domain' &&
    !(tTop === 'src' && (tSub === 'domain' || tSub === 'errors.js'))
  )
    return 'src/domain depends on nothing but itself and src/errors';
  if (top === 'src' && sub === 'engine' && tTop === 'src' && ENGINE_MUST_NOT_USE.has(tSub))
    return `src/engine composes through ports and never imports src/${tSub}`;
  return undefined;
}

/** Folders are layers: the rule reads every relative import, export-from and literal dynamic import. */
const layers = {
  rules: {
    imports: {
      meta: { type: 'problem', schema: [] },
      create(context) {
        const from = path.relative(ROOT, context.filename);
        const check = (source) => {
          if (source?.type !== 'Literal' || typeof source.value !== 'string') return;
          if (!source.value.startsWith('.')) return;
          const to = path.relative(
            ROOT,
            path.resolve(path.dirname(context.filename), source.value),
          );
          const why = layerViolation(from, to);
          if (why) context.report({ node: source, message: `Layers: ${why}.` });
        };
        return {
          ImportDeclaration: (n) => check(n.source),
          ExportNamedDeclaration: (n) => check(n.source),
          ExportAllDeclaration: (n) => check(n.source),
          ImportExpression: (n) => check(n.source),
        };
      },
    },
  },
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'dist/',
      'chorus-data/',
      'test-output/',
      'src/admin/static/vendor/',
      'coverage/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        performance: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        structuredClone: 'readonly',
        queueMicrotask: 'readonly',
        document: 'readonly',
        window: 'readonly',
        FormData: 'readonly',
        Blob: 'readonly',
        File: 'readonly',
        localStorage: 'readonly',
        HTMLElement: 'readonly',
        HTMLInputElement: 'readonly',
        Event: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      '@typescript-eslint/no-explicit-any': 'warn',
    },
  },
  {
    files: ['src/**/*.{ts,mjs,js}', 'indexers/**/*.{ts,mjs,js}', 'rerankers/**/*.{ts,mjs,js}'],
    ignores: ['src/admin/static/**'],
    plugins: { layers },
    rules: { 'layers/imports': 'error' },
  },
);
