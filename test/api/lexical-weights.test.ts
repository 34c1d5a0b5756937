import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentText } from '../../src/domain/document-text.js';
import { serverWithItems, vec, waitForJob, type Json, type TestServer } from './harness.js';

const DIM = 8;
const C = 'shop';
const ids = (r: { json: Json }) => (r.json.hits as Json[]).map((h) => h.id as string);

describe('BM25 field weights', () => {
  it('a field of weight w is in the document w times, lists included', () => {
    expect(
      documentText({ title: 'Lamp', text: 'walnut', tags: ['a', 'b'] }, ['title', 'text', 'tags'], {
        title: 3,
        tags: 2,
      }),
    ).toBe('Lamp\nLamp\nLamp\nwalnut\na\nb\na\nb');
    expect(documentText({ title: 'Lamp', text: 'walnut' }, ['title', 'text'])).toBe('Lamp\nwalnut');
  });

  describe('over real HTTP', () => {
    let s: TestServer;
    beforeAll(async () => {
      s = await serverWithItems(
        { name: C, dim: DIM },
        [
          { id: 'in-title', payload: { title: 'Walnut lamp', text: 'a light for the desk' } },
          { id: 'in-body', payload: { title: 'Desk light', text: 'walnut lamp, a walnut lamp' } },
          ...Array.from({ length: 20 }, (_, i) => ({
            id: `f${i}`,
            payload: { title: `filler ${i}`, text: i % 3 ? 'oak chair' : 'lamp shade' },
          })),
        ].map((item, i) => ({ ...item, vectors: { text: vec(DIM, i, i % 4) } })),
        { search: { swapShare: 0 } },
      );
    });
    afterAll(async () => {
      await s?.close();
    });
    const search = async () => {
      const r = await s.call('POST', '/v1/search', {
        collection: C,
        text: 'walnut lamp',
        limit: 3,
      });
      expect(r.status, r.text).toBe(200);
      return ids(r);
    };

    it('weights are stored, say when the documents need a rebuild, and a lexical-rebuild job applies them', async () => {
      expect((await search())[0]).toBe('in-body'); // flat: two of each word in the body beat one in the title
      expect((await s.call('GET', `/v1/collections/${C}/lexical`)).json).toEqual({
        fieldWeights: {},
        language: 'english',
        indexLanguage: 'english',
      });
      const put = await s.call('PUT', `/v1/collections/${C}/lexical`, {
        fieldWeights: { title: 4 },
      });
      expect(put.status, put.text).toBe(200);
      expect(put.json).toEqual({
        fieldWeights: { title: 4 },
        language: 'english',
        rebuildNeeded: true,
      });
      expect((await search())[0]).toBe('in-body'); // stored documents are as they were written
      const start = await s.call('POST', '/v1/jobs', {
        name: 'lexical-rebuild',
        payload: { collection: C },
      });
      expect(start.status, start.text).toBe(202);
      const job = await waitForJob(s, start.json.id as string);
      expect(job.state, JSON.stringify(job)).toBe('completed');
      expect(job.result).toEqual({ documents: 22, removed: 0 });
      expect((await search())[0]).toBe('in-title');
      // A write after the change is weighted at once.
      await s.call('POST', '/v1/items', {
        collection: C,
        items: [
          {
            id: 'late',
            payload: { title: 'Walnut lamp walnut lamp', text: 'x' },
            vectors: { text: vec(DIM, 1, 1) },
          },
        ],
      });
      expect((await search())[0]).toBe('late');
      // The same settings again change nothing.
      const again = await s.call('PUT', `/v1/collections/${C}/lexical`, {
        fieldWeights: { title: 4 },
      });
      expect(again.json.rebuildNeeded).toBe(false);
    });

    it('refuses a field BM25 does not read and a weight out of range; dropping the collection drops them', async () => {
      const notText = await s.call('PUT', `/v1/collections/${C}/lexical`, {
        fieldWeights: { price: 2 },
      });
      expect(notText.status).toBe(400);
      expect(notText.json.error.message).toMatch(
        /"price" is not a text field of shop; its BM25 text fields: title, text/,
      );
      const tooBig = await s.call('PUT', `/v1/collections/${C}/lexical`, {
        fieldWeights: { title: 11 },
      });
      expect(tooBig.status).toBe(400);
      const fraction = await s.call('PUT', `/v1/collections/${C}/lexical`, {
        fieldWeights: { title: 1.5 },
      });
      expect(fraction.status).toBe(400);
      expect((await s.call('GET', `/v1/collections/${C}/lexical`)).json).toEqual({
        fieldWeights: { title: 4 },
        language: 'english',
        indexLanguage: 'english',
      });
      expect(
        (await s.call('PUT', `/v1/collections/nope/lexical`, { fieldWeights: {} })).status,
      ).toBe(404);
      expect((await s.call('DELETE', `/v1/collections/${C}`)).status).toBe(200);
      await s.call('POST', '/v1/collections', {
        name: C,
        vectors: { text: { modality: 'text', dim: DIM } },
      });
      expect((await s.call('GET', `/v1/collections/${C}/lexical`)).json).toEqual({
        fieldWeights: {},
        language: 'english',
        indexLanguage: 'english',
      });
    });
  });
});
