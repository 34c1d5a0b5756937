import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Router } from 'express';

const require = createRequire(import.meta.url);
const packageDir = (name: string, depth: number) => {
  let dir = require.resolve(name);
  for (let i = 0; i < depth; i++) dir = path.dirname(dir);
  return dir;
};

/** Browser ES modules served from node_modules, so the admin UI makes no request beyond this server. */
function vendorFiles(): Record<
  string,
  { file: string; type: string; rewrite?: (s: string) => string }
> {
  const preact = packageDir('preact', 2);
  const htm = packageDir('htm', 2);
  const uplot = packageDir('uplot', 2);
  return {
    'preact.mjs': { file: path.join(preact, 'dist/preact.mjs'), type: 'text/javascript' },
    // hooks import the bare specifier "preact"; browsers without an import map (our CSP forbids inline scripts) need a path.
    'hooks.mjs': {
      file: path.join(preact, 'hooks/dist/hooks.mjs'),
      type: 'text/javascript',
      rewrite: (s) => s.replace(/from\s*(["'])preact\1/g, 'from"./preact.mjs"'),
    },
    'htm.mjs': { file: path.join(htm, 'dist/htm.mjs'), type: 'text/javascript' },
    'uplot.mjs': { file: path.join(uplot, 'dist/uPlot.esm.js'), type: 'text/javascript' },
    'uplot.css': { file: path.join(uplot, 'dist/uPlot.min.css'), type: 'text/css' },
  };
}

export function createVendorRouter(): Router {
  const router = Router();
  const cache = new Map<string, { body: string; type: string }>();
  const files = vendorFiles();
  router.get('/admin/vendor/:file', (req, res, next) => {
    const spec = files[req.params.file];
    if (!spec) return next();
    let hit = cache.get(req.params.file);
    if (!hit) {
      const text = readFileSync(spec.file, 'utf8');
      hit = { body: spec.rewrite ? spec.rewrite(text) : text, type: spec.type };
      cache.set(req.params.file, hit);
    }
    res.type(hit.type).setHeader('cache-control', 'public, max-age=86400');
    res.send(hit.body);
  });
  return router;
}
