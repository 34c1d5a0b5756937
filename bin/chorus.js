#!/usr/bin/env node
// The `chorus` command. Runs the compiled CLI (dist/, from `npm run build`; what the package and the Docker images
// ship) when it exists, else the TypeScript sources through tsx, so a checkout needs no build step.
// CHORUS_FROM_SOURCE=1 forces the sources (a checkout with a stale dist/).
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/src/cli/main.js', import.meta.url);
if (existsSync(compiled) && !process.env.CHORUS_FROM_SOURCE) {
  await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
