import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { createProgressReporter } from '../../src/indexing/progress.js';

/** A writable that says it is (or is not) a terminal and keeps what was written. */
function stream(isTTY: boolean): NodeJS.WriteStream & { text: () => string } {
  const chunks: string[] = [];
  const w = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(chunk.toString());
      cb();
    },
  }) as unknown as NodeJS.WriteStream & { text: () => string };
  Object.assign(w, { isTTY, columns: 160, rows: 40, text: () => chunks.join('') });
  return w;
}

describe('progress reporting', () => {
  it('draws a bar with items/s, ETA and the error count on a TTY', async () => {
    const out = stream(true);
    const r = createProgressReporter({ stream: out });
    r.update({ total: 100, done: 0, failed: 0, resumed: 20 });
    await new Promise((res) => setTimeout(res, 120));
    r.update({ total: 100, done: 30, failed: 2, resumed: 20 });
    r.stop();
    const text = out.text();
    expect(text).toMatch(/50\/100 items/);
    expect(text).toMatch(/\d+(\.\d)? items\/s/);
    expect(text).toMatch(/ETA \d+s/);
    expect(text).toMatch(/errors 2/);
  });

  it('prints plain periodic lines when not a TTY, and the last state on stop', () => {
    // A fake clock: with the real one, a stall of 50 ms between two back-to-back updates (a loaded box, a GC pause)
    // printed an extra line.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const out = stream(false);
      const r = createProgressReporter({ stream: out, intervalMs: 50 });
      r.update({ total: 10, done: 1, failed: 0, resumed: 0 });
      vi.advanceTimersByTime(49);
      r.update({ total: 10, done: 2, failed: 0, resumed: 0 }); // within the interval: not printed
      vi.advanceTimersByTime(11);
      r.update({ total: 10, done: 5, failed: 1, resumed: 0 });
      r.update({ total: 10, done: 10, failed: 1, resumed: 0 });
      r.stop();
      r.stop(); // idempotent
      const lines = out.text().trim().split('\n');
      expect(lines).toHaveLength(3);
      expect(lines[0]).toMatch(/^indexing: 1\/10 items, [\d.]+ items\/s, ETA \d+s, errors 0$/);
      expect(lines[1]).toMatch(/^indexing: 5\/10 items/);
      expect(lines[2]).toMatch(/^indexing: 10\/10 items, .*errors 1$/);
      expect(out.text().includes(String.fromCharCode(27))).toBe(false); // no terminal escapes in logs
    } finally {
      vi.useRealTimers();
    }
  });
});
