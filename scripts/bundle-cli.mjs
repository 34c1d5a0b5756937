// The CLI's start-up shell as one file: `<out>/src/cli/main.js` is rebuilt by esbuild from the compiled main.js with
// every module under src/cli/ it imports statically, and commander, inlined. Resolving and loading ~30 ES modules
// was most of `chorus --help`'s cost over a bare `node` start (Node 20's ESM resolver). Everything else stays a
// separate file, imported as before: dynamic imports (the heavy modules each command loads on use) and static
// imports outside src/cli/ (errors.js, so `instanceof ChorusError` sees one class), with paths rewritten to
// be relative to the bundle.
import path from 'node:path';

export async function bundleCli(out, root) {
  // esbuild is a dev dependency; the build runs where dev dependencies are installed.
  const { build } = await import('esbuild');
  const dist = path.resolve(out);
  const cliDir = path.join(dist, 'src/cli');
  const entry = path.join(cliDir, 'main.js');
  const result = await build({
    entryPoints: [entry],
    outfile: entry,
    allowOverwrite: true,
    bundle: true,
    write: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
    // The output may sit outside the repository (tests build into a temp folder): find commander where it is installed.
    nodePaths: [path.join(root, 'node_modules')],
    // commander is CommonJS: its require() of node builtins needs a real require in an ES module.
    banner: {
      js: "import { createRequire as __chorusRequire } from 'node:module'; const require = __chorusRequire(import.meta.url);",
    },
    plugins: [
      {
        name: 'chorus-cli-shell',
        setup(b) {
          b.onResolve({ filter: /.*/ }, (args) => {
            if (args.kind === 'entry-point') return undefined;
            if (!args.path.startsWith('.'))
              return args.path === 'commander' ? undefined : { external: true };
            const abs = path.resolve(args.resolveDir, args.path);
            if (!abs.startsWith(dist + path.sep)) return undefined; // inside commander's package
            if (args.kind !== 'dynamic-import' && abs.startsWith(cliDir + path.sep))
              return undefined;
            let rel = path.relative(cliDir, abs).split(path.sep).join('/');
            if (!rel.startsWith('.')) rel = `./${rel}`;
            return { path: rel, external: true };
          });
        },
      },
    ],
  });
  if (result.errors.length) throw new Error(`bundling the CLI failed: ${result.errors[0].text}`);
}
