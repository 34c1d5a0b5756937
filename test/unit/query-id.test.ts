import { describe, expect, it } from 'vitest';
import { newQueryId } from '../../src/engine/query-id.js';

describe('query ids', () => {
  it('are RFC 9562 version-7 UUIDs that carry the time and increase within the process', () => {
    const before = Date.now();
    const ids = Array.from({ length: 2_000 }, () => newQueryId());
    const after = Date.now();
    for (const id of ids)
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // Sorted as strings = in creation order: inserts land at the right edge of the log's indexes.
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
    const ms = (id: string) => parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    expect(ms(ids[0]!)).toBeGreaterThanOrEqual(before);
    expect(ms(ids.at(-1)!)).toBeLessThanOrEqual(after);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
