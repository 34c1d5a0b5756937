import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BullmqQueue } from '../../src/jobs/bullmq-queue.js';
import type { JobDefinition } from '../../src/jobs/queue.js';
import { waitForJobs } from '../../src/jobs/wait-for-jobs.js';
import { redisAvailable, startRedis, type RedisServer } from '../support/redis.js';

/** A process's context: whether it can run the job (the server has a trainer, a `chorus index` worker has none). */
interface Ctx {
  able: boolean;
  ran: string[];
}
const needsTrainer: JobDefinition<{ key: string }, unknown, Ctx> = {
  name: 'needs-trainer',
  payload: z.object({ key: z.string() }),
  runsIn: (ctx) => ctx.able,
  async process(p, ctx) {
    ctx.ran.push(p.key);
    return { ranBy: ctx.able };
  },
};
const defs = [needsTrainer] as unknown as JobDefinition<never, unknown, Ctx>[];

let redis: RedisServer | undefined;
const hasRedis = redisAvailable('shared BullMQ queue hand-off');
beforeAll(async () => {
  if (hasRedis) redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});

describe.runIf(hasRedis)('a shared BullMQ queue', () => {
  it('a worker that cannot run a job hands it back, unspent; a worker that can runs it', async () => {
    const name = `shared${Date.now()}`;
    const make = (ctx: Ctx) =>
      new BullmqQueue<Ctx>({
        name,
        redisUrl: redis!.url,
        definitions: defs,
        context: () => ctx,
        retry: { attempts: 1, backoffMs: 10 },
      });
    const cli = { able: false, ran: [] as string[] };
    const server = { able: true, ran: [] as string[] };
    const a = make(cli);
    await a.addMany([{ name: 'needs-trainer', jobId: 'train-1', payload: { key: 'k' } }]);
    await a.startWorker();
    await new Promise((r) => setTimeout(r, 1500));
    // Taken and handed back (more than once by now), never failed, even with a single attempt allowed.
    expect((await a.get('train-1'))?.state).not.toBe('failed');
    expect(cli.ran).toEqual([]);
    const b = make(server);
    await b.startWorker();
    const out = await waitForJobs(b, ['train-1'], { pollMs: 100 });
    expect(out.get('train-1')).toMatchObject({ state: 'completed', result: { ranBy: true } });
    expect(server.ran).toEqual(['k']);
    expect(cli.ran).toEqual([]);
    await a.close();
    await b.close();
  });
});
