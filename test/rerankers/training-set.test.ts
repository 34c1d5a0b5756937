import { describe, expect, it } from 'vitest';
import { FeedbackEvent, type FeedbackEventInput } from '../../src/domain/feedback.js';
import { buildClickthroughs } from '../../src/feedback/training-set.js';
import { QUERY_FEATURES_KEY } from '../../src/domain/clickthrough.js';
import { toClickSessions } from '../../rerankers/click-models/sessions.js';

const ev = (e: FeedbackEventInput) => FeedbackEvent.parse(e);

function impression(queryId: string, ids: string[], withFeatures = true, timestamp = 1) {
  return ev({
    type: 'impression',
    eventId: `imp-${queryId}-${timestamp}`,
    collection: 'c',
    queryId,
    timestamp,
    rankerVersion: 'v1',
    items: ids.map((id, position) => ({ id, position })),
    features: withFeatures
      ? {
          ...Object.fromEntries(ids.map((id, i) => [id, [i, 10 + i]])),
          [QUERY_FEATURES_KEY]: [1, 0],
        }
      : undefined,
    swapped: [1],
  });
}

describe('training set from logs', () => {
  it('joins impressions with clicks, dwell, likes and purchases into graded clickthroughs', () => {
    const events = [
      impression('q1', ['a', 'b', 'c', 'd']),
      ev({ type: 'click', eventId: 'e1', collection: 'c', queryId: 'q1', itemId: 'b' }),
      ev({ type: 'click', eventId: 'e1', collection: 'c', queryId: 'q1', itemId: 'b' }), // duplicate id: ignored
      ev({
        type: 'dwell',
        eventId: 'e2',
        collection: 'c',
        queryId: 'q1',
        itemId: 'b',
        dwellMs: 60_000,
      }),
      ev({ type: 'click', eventId: 'e3', collection: 'c', queryId: 'q1', itemId: 'c' }),
      ev({
        type: 'dwell',
        eventId: 'e4',
        collection: 'c',
        queryId: 'q1',
        itemId: 'c',
        dwellMs: 2_000,
      }),
      ev({ type: 'purchase', eventId: 'e5', collection: 'c', queryId: 'q1', itemId: 'd' }),
      ev({ type: 'click', eventId: 'e6', collection: 'c', queryId: 'q-unknown', itemId: 'a' }),
    ];
    const [ct, ...rest] = buildClickthroughs(events);
    expect(rest).toHaveLength(0);
    expect(ct!.rankerVersion).toBe('v1');
    expect(ct!.items.map((i) => [i.id, i.label, i.clicked])).toEqual([
      ['a', 0, false],
      ['b', 2, true],
      ['c', 1, true],
      ['d', 4, true],
    ]);
    expect([...ct!.items[1]!.features]).toEqual([1, 11]);
    expect([...ct!.queryFeatures!]).toEqual([1, 0]);
    expect(ct!.swapped).toEqual([1]);
    const [session] = toClickSessions([ct!]);
    expect(session!.items.map((i) => i.clicked)).toEqual([false, true, true, true]);
  });

  it('skips impressions without served features and, on request, those without clicks', () => {
    const events = [
      impression('q1', ['a']),
      impression('q2', ['a', 'b'], false),
      ev({ type: 'click', eventId: 'x', collection: 'c', queryId: 'q2', itemId: 'a' }),
    ];
    expect(buildClickthroughs(events).map((c) => c.queryId)).toEqual(['q1']);
    expect(buildClickthroughs(events, { dropUnclicked: true })).toHaveLength(0);
  });

  it('orders by timestamp and keeps the log order on ties, whatever the (random) query ids', () => {
    // Several searches in one millisecond: their order must not depend on the query ids, which are random per run
    // (the trainer's query splits follow this order, so two identical runs trained different models).
    const log = (ids: string[]) => [
      impression(ids[0]!, ['a', 'b'], true, 5),
      impression(ids[1]!, ['c', 'd'], true, 3),
      impression(ids[2]!, ['e', 'f'], true, 3),
      impression(ids[3]!, ['g', 'h'], true, 3),
    ];
    const firstItems = (ids: string[]) => buildClickthroughs(log(ids)).map((c) => c.items[0]!.id);
    expect(firstItems(['q1', 'q2', 'q3', 'q4'])).toEqual(['c', 'e', 'g', 'a']);
    expect(firstItems(['q4', 'q3', 'q2', 'q1'])).toEqual(['c', 'e', 'g', 'a']);
    expect(firstItems(['q9', 'q1', 'q7', 'q2'])).toEqual(['c', 'e', 'g', 'a']);
  });
});
