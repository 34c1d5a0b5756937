import { Rng } from '../../rerankers/random.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are read field by field
type Json = any;
type Call = (
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<{ status: number; json: Json }>;

export const CLICK_LOG_DIM = 8;

/**
 * A collection of 60 items on two axes (relevant ones point along the query in image space only) and `sessions`
 * searches served by the server with clicks on relevant hits, so the server's own log can train a model.
 * With 60 sessions of one jittered query the promotion guard cannot show a held-out gain over RRF: it refuses.
 */
export async function seedClickLog(
  call: Call,
  collection: string,
  opts: { sessions?: number; headers?: Record<string, string>; seed?: number } = {},
): Promise<void> {
  const h = opts.headers ?? {};
  const dim = CLICK_LOG_DIM;
  const ok = (r: { status: number; json: Json }, what: string) => {
    if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.json)}`);
    return r;
  };
  ok(
    await call(
      'POST',
      '/v1/collections',
      {
        name: collection,
        vectors: { text: { modality: 'text', dim }, image: { modality: 'image', dim } },
      },
      h,
    ),
    'create collection',
  );
  const rng = new Rng(opts.seed ?? 5);
  const vec = (axis: number, strength: number) =>
    Array.from({ length: dim }, (_, i) => rng.normal() * 0.3 + (i === axis ? strength : 0));
  const items = Array.from({ length: 60 }, (_, i) => ({
    id: `p${i}`,
    payload: { title: `product ${i}`, relevant: i % 4 === 0 },
    vectors: { text: vec(0, 1 + rng.next()), image: vec(1, i % 4 === 0 ? 2 : 0.5) },
  }));
  ok(await call('POST', '/v1/items', { collection, items }, h), 'upsert items');
  const exam = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.3, 0.2, 0.2];
  for (let session = 0; session < (opts.sessions ?? 60); session++) {
    const r = ok(
      await call(
        'POST',
        '/v1/search',
        { collection, vectors: { text: vec(0, 1), image: vec(1, 1) }, limit: 10 },
        h,
      ),
      'search',
    );
    const events = (r.json.hits as Json[])
      .map((hit, k) => ({ hit, k }))
      .filter(({ hit, k }) => hit.payload.relevant && rng.next() < exam[k]!)
      .map(({ hit, k }) => ({
        type: 'click',
        eventId: `c${session}-${k}`,
        collection,
        queryId: r.json.queryId,
        itemId: hit.id,
      }));
    if (events.length) ok(await call('POST', '/v1/feedback', { events }, h), 'feedback');
  }
}
