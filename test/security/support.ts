import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { servedExtras } from '../../src/app/extras.js';
import type { ConfigInput } from '../../src/config.js';
import { startServer, type TestServer } from '../api/harness.js';

export const ADMIN = 'admin-key-security-suite-0123';
export const WRITER = 'writer-key-security-01';
export const READER = 'reader-key-security-01';
export const bearer = (k: string) => ({ authorization: `Bearer ${k}` });

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The tiny fixture text model (384-d), for suites that need a real encoder (re-embedding). */
export const TINY_TEXT: Partial<ConfigInput> = {
  modelDir: path.join(ROOT, 'fixtures/models'),
  executionProviders: ['cpu'],
  allowRemoteModels: false,
  models: { text: 'chorus-test/tiny-text', enabled: ['text'] },
};

/** A keyed server over a temp data dir, wired as `chorus serve` is (models API, admin UI); no encoders unless asked. */
export function startKeyedServer(
  config: Partial<ConfigInput> = {},
  withEncoders = false,
): Promise<TestServer> {
  return startServer(
    {
      adminKey: ADMIN,
      apiKeys: `${WRITER}:write,${READER}:read`,
      ...(withEncoders ? TINY_TEXT : {}),
      ...config,
    },
    { extraRouters: servedExtras(() => {}), ...(withEncoders ? { encoders: undefined } : {}) },
  );
}

/** Every response body the suite sees goes through this: no key, no absolute server path, no internal hash. */
export function expectNoLeak(body: string, secrets: readonly string[]): void {
  for (const s of secrets) expect(body, `response leaked ${JSON.stringify(s)}`).not.toContain(s);
}

/** The data dir both as given and as its real path (tmp may be a symlink). */
export function pathsOf(dir: string): string[] {
  return [...new Set([dir, realpathSync(dir)])];
}

export const KEYS = [ADMIN, WRITER, READER];

/** Polls GET url until `done(json)` says so. */
export async function pollUntil<T>(
  get: () => Promise<T>,
  done: (v: T) => boolean,
  tries = 300,
): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await get();
    if (done(v)) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('gave up waiting');
}
