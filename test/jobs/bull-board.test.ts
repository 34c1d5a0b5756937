import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBullBoardRouter } from '../../src/jobs/bull-board.js';
import { BullmqQueue } from '../../src/jobs/bullmq-queue.js';
import { JOB_DEFINITIONS } from '../../src/jobs/definitions/index.js';
import { redisAvailable, startRedis, type RedisServer } from '../support/redis.js';

const hasRedis = redisAvailable('bull-board router');
const ADMIN_KEY = 'admin-key-for-tests-0123456789';

describe.runIf(hasRedis)('bull-board at /admin/queues behind the admin key', () => {
  let redis: RedisServer;
  let queue: BullmqQueue<never>;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    redis = await startRedis();
    queue = new BullmqQueue<never>({
      name: 'chorus-jobs',
      redisUrl: redis.url,
      definitions: JOB_DEFINITIONS as never,
      context: () => ({}) as never,
      retry: { attempts: 1, backoffMs: 10 },
    });
    // A job waits in the queue (no worker), so the board has something to show.
    await queue.addMany([
      { name: 'cf-refresh', jobId: 'cf-demo', payload: { collection: 'demo' } },
    ]);
    const app = express();
    app.use('/admin/queues', createBullBoardRouter([queue.queue], { adminKey: ADMIN_KEY }));
    server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/admin/queues`;
  });

  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await queue?.close();
    await redis?.stop();
  });

  it('refuses requests without the admin key, or with a wrong one', async () => {
    const none = await fetch(`${base}/api/queues`);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/Basic/);
    const wrong = await fetch(`${base}/api/queues`, {
      headers: { authorization: 'Bearer not-the-key-at-all-000000' },
    });
    expect(wrong.status).toBe(401);
  });

  it('serves the UI and shows the queue with its waiting job to the admin (Bearer, Basic or api-key)', async () => {
    const ui = await fetch(`${base}/`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(ui.status).toBe(200);
    expect(await ui.text()).toMatch(/<html/i);
    const basic = 'Basic ' + Buffer.from(`admin:${ADMIN_KEY}`).toString('base64');
    const api = await fetch(`${base}/api/queues?activeQueue=chorus-jobs&status=waiting`, {
      headers: { authorization: basic },
    });
    expect(api.status).toBe(200);
    const body = (await api.json()) as {
      queues: { name: string; counts: Record<string, number>; jobs: { id: string }[] }[];
    };
    const q = body.queues.find((x) => x.name === 'chorus-jobs');
    expect(q?.counts.waiting).toBe(1);
    expect(q?.jobs.map((j) => j.id)).toEqual(['cf-demo']);
    const header = await fetch(`${base}/api/queues`, { headers: { 'api-key': ADMIN_KEY } });
    expect(header.status).toBe(200);
  });

  it('is off (403) when no admin key is configured', async () => {
    const app = express();
    app.use('/admin/queues', createBullBoardRouter([queue.queue], {}));
    const s = app.listen(0, '127.0.0.1');
    await new Promise((r) => s.once('listening', r));
    const res = await fetch(
      `http://127.0.0.1:${(s.address() as AddressInfo).port}/admin/queues/api/queues`,
      {
        headers: { authorization: `Bearer ${ADMIN_KEY}` },
      },
    );
    expect(res.status).toBe(403);
    await new Promise((r) => s.close(r));
  });
});
