import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../api/harness.js';

const COLL = 'forget';
const ADMIN = 'admin-key-forget-0123456789';
const auth = { authorization: `Bearer ${ADMIN}` };

/** DELETE /v1/users/:id removes the user's events, profiles (cf included) and their influence on item cf vectors. */
describe('user data deletion', () => {
  let s: TestServer;
  const cfOf = async () => {
    const items = await s.chorus.store.get(COLL, ['a', 'b', 'c', 'd'], { withVectors: true });
    return Object.fromEntries(
      items.map((i) => [i.id, i.vectors.cf ? Array.from(i.vectors.cf) : null]),
    );
  };
  beforeAll(async () => {
    s = await startServer({ adminKey: ADMIN });
    const created = await s.call(
      'POST',
      '/v1/collections',
      {
        name: COLL,
        vectors: { dense: { modality: 'text', dim: 4 }, cf: { modality: 'cf', dim: 2 } },
      },
      auth,
    );
    expect(created.status, created.text).toBe(201);
    const items = ['a', 'b', 'c', 'd'].map((id, k) => ({
      id,
      payload: { title: id },
      vectors: { dense: [1, k, k * k, 1 / (k + 1)] },
    }));
    expect((await s.call('POST', '/v1/items', { collection: COLL, items }, auth)).status).toBe(200);
    const click = (userId: string, itemId: string, n: number) => ({
      type: 'click',
      eventId: `${userId}-${itemId}-${n}`,
      collection: COLL,
      userId,
      itemId,
    });
    const events = [
      click('u1', 'a', 1),
      click('u1', 'b', 1),
      click('u2', 'b', 1),
      click('u2', 'c', 1),
      click('victim', 'a', 1),
      click('victim', 'd', 1),
      { type: 'like', eventId: 'victim-like-d', collection: COLL, userId: 'victim', itemId: 'd' },
    ];
    expect((await s.call('POST', '/v1/feedback', { events }, auth)).json).toEqual({
      accepted: events.length,
      duplicates: 0,
    });
    expect(
      (
        await s.call(
          'POST',
          '/v1/search',
          { collection: COLL, vectors: { dense: [1, 1, 1, 1] }, userId: 'victim' },
          auth,
        )
      ).status,
    ).toBe(200);
    await s.chorus.engine.refreshCf(COLL);
  });
  afterAll(async () => {
    await s?.close();
  });

  it('removes events, profiles, seen items and cf influence, and nothing of other users', async () => {
    const { db, state } = s.chorus;
    expect(db.events.count({ userId: 'victim' })).toBeGreaterThanOrEqual(3);
    expect(state.profiles(COLL, 'victim').has('cf')).toBe(true);
    const cfBefore = await cfOf();
    expect(cfBefore.d).not.toBeNull(); // only the victim engaged with d
    const othersEvents = db.events.count({ userId: 'u1' }) + db.events.count({ userId: 'u2' });

    const r = await s.call('DELETE', '/v1/users/victim', undefined, auth);
    expect(r.status, r.text).toBe(200);
    expect(r.json.cf).toEqual({ refreshed: [COLL], cleared: 1 });

    expect(db.events.count({ userId: 'victim' })).toBe(0);
    expect(state.profiles(COLL, 'victim').size).toBe(0);
    expect(state.seen(COLL, 'victim').size).toBe(0);
    expect(state.interactions(COLL).some((x) => x.userId === 'victim')).toBe(false);
    const cfAfter = await cfOf();
    expect(cfAfter.d).toBeNull();
    for (const id of ['a', 'b', 'c']) expect(cfAfter[id]).not.toBeNull();
    expect(cfAfter.a).not.toEqual(cfBefore.a); // re-learned without the victim's click on a
    // What is stored is exactly what learning from the remaining users gives.
    await s.chorus.engine.refreshCf(COLL);
    expect(await cfOf()).toEqual(cfAfter);
    expect(db.events.count({ userId: 'u1' }) + db.events.count({ userId: 'u2' })).toBe(
      othersEvents,
    );
    expect(state.profiles(COLL, 'u1').size).toBeGreaterThan(0);
  });
});
