import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildChorus } from '../../src/app/build.js';
import { parseConfig } from '../../src/config.js';

/** `chorus serve` / `quickstart` on a busy port: a sentence the user can act on (exit 1), no stack trace. */
describe('listen errors', () => {
  let dir: string;
  let blocker: Server;
  let port: number;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'chorus-listen-'));
    blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    port = (blocker.address() as { port: number }).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => blocker.close(() => r()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('names the busy port and how to pick another', async () => {
    const chorus = await buildChorus(parseConfig({ dataDir: dir, port, logLevel: 'silent' }), {
      encoders: 'none',
    });
    try {
      await expect(chorus.listen()).rejects.toMatchObject({
        code: 'CONFLICT',
        message: expect.stringMatching(
          new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use.*CHORUS_PORT`),
        ),
      });
    } finally {
      await chorus.close();
    }
  });
});
