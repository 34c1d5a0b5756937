import { describe, expect, it } from 'vitest';
import { KeyMap } from '../../src/stores/ann/key-map.js';

describe('KeyMap payloads by key', () => {
  it('keeps a payload while its key lives and forgets it when the key dies', () => {
    const keys = new KeyMap();
    const a = keys.assign('a').key;
    const b = keys.assign('b').key;
    keys.rememberPayload(a, { v: 1 });
    keys.rememberPayload(b, { v: 2 });
    expect(keys.payloadOf(a)).toEqual({ v: 1 });
    // A rewrite takes a fresh key: the old key's payload goes with it, the new key has none yet.
    const a2 = keys.assign('a');
    expect(a2.previous).toBe(a);
    expect(keys.payloadOf(a)).toBeUndefined();
    expect(keys.payloadOf(a2.key)).toBeUndefined();
    // A dead key is never given one.
    keys.rememberPayload(a, { v: 1 });
    expect(keys.payloadOf(a)).toBeUndefined();
    expect(keys.remove('b')).toBe(b);
    expect(keys.payloadOf(b)).toBeUndefined();
  });
});
