import { expect } from 'vitest';
import type { Rng } from '../../rerankers/random.js';
import type { Json, TestServer } from '../api/harness.js';

/**
 * The click loop the model suites drive through the public API: one default-traffic search, then the clicks a
 * user would make on its hits (posted as feedback). `click(hit, position)` is the click probability.
 */
export async function searchAndClick(
  s: TestServer,
  o: {
    collection: string;
    vectors: Record<string, number[]>;
    session: number;
    rng: Rng;
    click: (hit: Json, position: number) => number;
    headers?: Record<string, string>;
  },
): Promise<Json> {
  const r = await s.call(
    'POST',
    '/v1/search',
    { collection: o.collection, vectors: o.vectors, limit: 10 },
    o.headers,
  );
  expect(r.status).toBe(200);
  const events: Json[] = [];
  r.json.hits.forEach((h: Json, k: number) => {
    if (o.rng.next() < o.click(h, k))
      events.push({
        type: 'click',
        eventId: `c${o.session}-${k}`,
        collection: o.collection,
        queryId: r.json.queryId,
        itemId: h.id,
      });
  });
  if (events.length)
    expect((await s.call('POST', '/v1/feedback', { events }, o.headers)).status).toBe(200);
  return r.json;
}

/** POST /v1/models/train, then polls the job until it ends; expects it to succeed and returns its ModelInfo. */
export async function trainViaApi(
  s: TestServer,
  body: Json,
  maxPolls = 1200,
  headers?: Record<string, string>,
): Promise<Json & { metrics: Json }> {
  const started = await s.call('POST', '/v1/models/train', body, headers);
  expect(started.status).toBe(202);
  let job: Json = {};
  for (let i = 0; i < maxPolls; i++) {
    job = (await s.call('GET', `/v1/models/train/${started.json.jobId}`, undefined, headers)).json;
    if (job.state !== 'queued' && job.state !== 'running') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(job.state).toBe('succeeded');
  return job.result;
}
