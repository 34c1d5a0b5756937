import { mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LoginThrottle } from '../../src/admin/admin-auth.js';
import { mediaPath } from '../../src/admin/api/playground.js';
import { scoreRanking } from '../../src/admin/evaluation.js';
import { readCookie, SessionStore } from '../../src/admin/sessions.js';

describe('admin sessions', () => {
  it('expire after the idle timeout and after the absolute lifetime', () => {
    let now = 1_000;
    const store = new SessionStore({ idleMs: 100, maxAgeMs: 250, now: () => now });
    const s = store.create();
    now += 90;
    expect(store.get(s.id)?.id).toBe(s.id);
    now += 90; // touched at +90, now +180: still within idle
    expect(store.get(s.id)).toBeDefined();
    now += 80; // +260: past the absolute lifetime
    expect(store.get(s.id)).toBeUndefined();
    const t = store.create();
    now += 101;
    expect(store.get(t.id)).toBeUndefined();
    expect(s.id).not.toBe(t.id);
    expect(s.csrf).not.toBe(s.id);
  });

  it('reads one cookie out of a header', () => {
    expect(readCookie('a=1; chorus_admin=abc%3D; b=2', 'chorus_admin')).toBe('abc=');
    expect(readCookie('chorus_adminx=1', 'chorus_admin')).toBeUndefined();
    expect(readCookie(undefined, 'chorus_admin')).toBeUndefined();
  });
});

describe('media paths', () => {
  it('resolve inside the recorded root (realpath) and refuse to leave it, symlinks included', async () => {
    const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'chorus-media-')));
    try {
      const root = path.join(dir, 'corpus');
      mkdirSync(path.join(root, 'a'), { recursive: true });
      writeFileSync(path.join(root, 'a/b.jpg'), 'jpg');
      writeFileSync(path.join(dir, 'secret.jpg'), 'outside');
      symlinkSync(path.join(dir, 'secret.jpg'), path.join(root, 'link.jpg'));
      const rec = (image?: string) => ({
        root: { id: 1, name: 'corpus', path: root },
        image,
        hash: 'h',
        indexedAt: 0,
      });
      expect(await mediaPath(rec('a/b.jpg'), 'image')).toBe(path.join(root, 'a/b.jpg'));
      expect(await mediaPath(rec('../secret.jpg'), 'image')).toBeUndefined();
      expect(await mediaPath(rec(path.join(dir, 'secret.jpg')), 'image')).toBeUndefined();
      expect(await mediaPath(rec('link.jpg'), 'image')).toBeUndefined();
      expect(await mediaPath(rec('a/b.jpg'), 'audio')).toBeUndefined();
      expect(await mediaPath(undefined, 'image')).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('offline metrics of one ranking', () => {
  it('scores nDCG against every judged item (returned or not), MRR and recall', () => {
    const grades = new Map([
      ['a', 3],
      ['b', 0],
      ['c', 1],
      ['z', 2],
    ]);
    const m = scoreRanking(['b', 'a', 'x', 'c'], grades, 10);
    const dcg = 7 / Math.log2(3) + 1 / Math.log2(5);
    const idcg = 7 + 3 / Math.log2(3) + 1 / Math.log2(4);
    expect(m.ndcg).toBeCloseTo(dcg / idcg, 12);
    expect(m.mrr).toBe(0.5);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    expect(scoreRanking(['q'], new Map([['q', 0]]), 10)).toEqual({ ndcg: 0, mrr: 0, recall: 0 });
  });
});

describe('login throttle', () => {
  it('blocks a client after too many failures in the window, then lets it try again', () => {
    let now = 0;
    const t = new LoginThrottle(3, 1000, () => now);
    for (let i = 0; i < 3; i++) t.fail('a');
    expect(t.blocked('a')).toBe(true);
    expect(t.blocked('b')).toBe(false);
    now = 1001;
    expect(t.blocked('a')).toBe(false);
  });
});
