import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startKeyedServer, ADMIN, READER, bearer } from '../security/support.js';
import type { TestServer } from '../api/harness.js';
import { seedClickLog } from '../support/click-log.js';
import { runChorus } from '../support/cli.js';

// Every case spawns the real CLI; fits are worker threads. Budgets are generous (a loaded 2-core machine).
vi.setConfig({ testTimeout: 900_000, hookTimeout: 600_000 });

const C = 'shop';
const home = mkdtempSync(path.join(tmpdir(), 'chorus-jobs-cli-'));
let s: TestServer;

/** The CLI as a user runs it against that server: URL and key from the environment unless a case says otherwise. */
function chorus(args: string[], env: Record<string, string | undefined> = {}) {
  const base: NodeJS.ProcessEnv = {
    ...process.env,
    CHORUS_DATA_DIR: path.join(home, 'data'),
    CHORUS_URL: s.url,
    CHORUS_API_KEY: ADMIN,
  };
  delete base.CHORUS_ADMIN_KEY;
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete base[k];
    else base[k] = v;
  }
  return runChorus(args, { env: base });
}

beforeAll(async () => {
  s = await startKeyedServer();
  await seedClickLog(s.call, C, { headers: bearer(ADMIN) });
});
afterAll(async () => {
  await s?.close();
  rmSync(home, { recursive: true, force: true });
});

describe('chorus jobs (over HTTP, against a running server)', () => {
  it('lists, starts and follows a training to its end, shows a refused promotion, and cancels a running fit', async () => {
    const empty = await chorus(['jobs', 'list']);
    expect(empty.code, empty.stderr).toBe(0);
    expect(empty.stdout).toMatch(/^queue in-process: 0 waiting, 0 running/);
    expect(empty.stdout).toContain('no jobs yet');

    // --wait follows the job; the guard refuses the promotion, but the training itself succeeded (exit 0).
    const trained = await chorus([
      'jobs',
      'start',
      'train-model',
      '--collection',
      C,
      '--payload',
      '{"version":"v-cli","epochs":20,"hidden":4,"promote":true}',
      '--wait',
      '--interval',
      '200',
    ]);
    expect(trained.code, trained.stderr).toBe(0);
    expect(trained.stderr).toMatch(/^started train-/);
    expect(trained.stdout).toMatch(/^train-\S+\ttrain-model\tcompleted\tshop$/m);
    expect(trained.stdout).toContain('model: v-cli (candidate)');
    expect(trained.stdout).toMatch(
      /promotion: refused \(PROMOTION_REFUSED\): model shop\/v-cli is not better/,
    );
    const id = /^(train-\S+)\t/m.exec(trained.stdout)![1]!;
    expect(s.chorus.db.models.list(C).map((m) => [m.version, m.status])).toEqual([
      ['v-cli', 'candidate'],
    ]);

    const listed = await chorus(['jobs', 'list', '--limit', '5']);
    expect(listed.stdout).toMatch(
      new RegExp(`^${id}\\ttrain-model\\tcompleted\\tshop\\t\\d{4}-`, 'm'),
    );
    const asJson = JSON.parse((await chorus(['jobs', 'status', id, '--json'])).stdout);
    expect(asJson).toMatchObject({
      id,
      name: 'train-model',
      status: 'completed',
      result: { model: { version: 'v-cli' }, promotion: { promoted: false } },
    });

    // A long fit (the schema's largest search: minutes of CPU), cancelled while it runs: nothing registered.
    const long = await chorus([
      'jobs',
      'start',
      'train-model',
      '--collection',
      C,
      '--payload',
      '{"search":"random","trials":200,"epochs":500}',
    ]);
    expect(long.code, long.stderr).toBe(0);
    const longId = long.stdout.trim();
    expect(longId).toMatch(/^train-[a-z0-9]+-[0-9a-f]{8}$/);
    // The same collection cannot train twice at once: the server's 409 is exit code 1.
    const twice = await chorus(['jobs', 'start', 'train-model', '--collection', C]);
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/already training.*HTTP 409 CONFLICT/);
    const cancelled = await chorus(['jobs', 'cancel', longId]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout.trim()).toBe(`${longId}: cancelled`);
    const after = await chorus(['jobs', 'status', longId]);
    expect(after.stdout).toMatch(new RegExp(`^${longId}\\ttrain-model\\tcancelled\\tshop`));
    expect(after.stdout).toContain('reason: cancelled by an admin');
    expect((await chorus(['jobs', 'cancel', longId])).stdout).toContain('already over (cancelled)');
    // --wait on a cancelled job ends with exit 1.
    expect((await chorus(['jobs', 'status', longId, '--wait'])).code).toBe(1);
    expect(s.chorus.db.models.list(C)).toHaveLength(1);
  });

  it('says what went wrong with the right exit code: unknown job, unknown collection, bad payload, missing or weak key, no server', async () => {
    const unknown = await chorus(['jobs', 'status', 'no-such-job']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no job no-such-job \(HTTP 404 NOT_FOUND\)/);
    expect((await chorus(['jobs', 'cancel', 'no-such-job'])).code).toBe(2);

    const noCollection = await chorus(['jobs', 'start', 'cf-refresh', '--collection', 'nope']);
    expect(noCollection.code).toBe(2);
    expect(noCollection.stderr).toMatch(/HTTP 404 COLLECTION_NOT_FOUND/);
    const bad = await chorus([
      'jobs',
      'start',
      'train-model',
      '--collection',
      C,
      '--payload',
      '{"epochs":0}',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/HTTP 400 VALIDATION/);
    expect((await chorus(['jobs', 'start', 'train-model'])).stderr).toMatch(/needs a collection/);
    expect((await chorus(['jobs', 'start', 'nonsense', '--collection', C])).code).toBe(2);

    const noKey = await chorus(['jobs', 'list'], { CHORUS_API_KEY: undefined });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/HTTP 401 UNAUTHENTICATED/);
    const reader = await chorus(['jobs', 'list', '--api-key', READER]);
    expect(reader.code).toBe(2);
    expect(reader.stderr).toMatch(/HTTP 403 FORBIDDEN/);
    // --url and --api-key override the environment.
    const flags = await chorus(['jobs', 'list', '--url', s.url, '--api-key', ADMIN], {
      CHORUS_URL: 'http://127.0.0.1:1',
      CHORUS_API_KEY: undefined,
    });
    expect(flags.code, flags.stderr).toBe(0);

    // A port nothing listens on: a sentence and exit code 3, no stack trace.
    const gone = await chorus(['jobs', 'list'], { CHORUS_URL: 'http://127.0.0.1:1' });
    expect(gone.code).toBe(3);
    expect(gone.stderr).toMatch(
      /no Chorus server answered at http:\/\/127\.0\.0\.1:1 .*chorus serve/,
    );
    expect(gone.stderr).not.toMatch(/\n\s+at /);
    expect((await chorus(['jobs', 'list', '--url', 'ftp://x'])).code).toBe(2);
  });
});
