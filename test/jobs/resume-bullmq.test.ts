import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectResumedCleanly } from '../indexing/support/expect-resumed.js';
import { killAndResume, type ScenarioOutcome } from '../indexing/support/resume-scenario.js';
import { redisAvailable, startRedis, type RedisServer } from '../support/redis.js';

const hasRedis = redisAvailable('chorus index on BullMQ');

describe.runIf(hasRedis)(
  'chorus index on BullMQ (real redis-server): kill -9 mid-run, then resume',
  () => {
    let redis: RedisServer;
    let outcome: ScenarioOutcome | undefined;
    beforeAll(async () => {
      redis = await startRedis();
    });
    afterAll(async () => {
      outcome?.cleanup();
      await redis?.stop();
    });

    it('finishes with every good item stored once, bad files reported, nothing stored re-embedded', async () => {
      // Short lock so the job the killed worker held goes back to waiting within seconds.
      outcome = await killAndResume({
        REDIS_URL: redis.url,
        CHORUS_JOBS__LOCK_MS: '2000',
        CHORUS_JOBS__STALLED_MS: '1000',
      });
      expectResumedCleanly(outcome, 'bullmq');
      // The batch jobs stay visible in Redis (bull-board) as completed.
      expect(outcome.summary.total).toBe(outcome.corpus.goodIds.length + outcome.corpus.bad.size);
    }, 180_000);
  },
);
