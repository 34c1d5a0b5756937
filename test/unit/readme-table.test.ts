import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { END, loadResults, renderTable, replaceSection, START } from '../../bench/readme-rows.js';

const root = path.resolve(import.meta.dirname, '../..');

describe('README benchmark table', () => {
  it('is exactly what bench/results/*.json generate (run `npm run bench:readme` after a benchmark)', () => {
    const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
    const results = loadResults(path.join(root, 'bench', 'results'));
    const section = readme.slice(readme.indexOf(START), readme.indexOf(END) + END.length);
    expect(section).toBe(renderTable(results));
  });

  it('takes every figure from the results: a changed file changes the row, an unknown shape says so', () => {
    const results = loadResults(path.join(root, 'bench', 'results'));
    const beir = structuredClone(results.get('beir.json')!) as Record<
      string,
      Record<string, unknown>
    >;
    beir['beir_scifact:bm25']!.ndcg10 = 0.123456;
    const changed = renderTable(new Map([...results, ['beir.json', beir]]));
    expect(changed).toContain('BM25 nDCG@10 0.123');
    expect(renderTable(results)).not.toContain('BM25 nDCG@10 0.123');
    const broken = renderTable(new Map([['beir.json', { other: 1 }]]));
    expect(broken).toContain('beir.json has a shape this table does not know');
    const latency = renderTable(
      new Map([
        [
          'latency.json',
          {
            '20000': {
              data: 'D20',
              api: { qps: 151, p50: 9, p99: 42, loadAverage: [1, 2] },
              raw: { qps: 160, p99: 40 },
              targets: { p99UnderMs: 50, minQps: 150 },
            },
          },
        ],
      ]),
    );
    // An older file (no fixed-rate phase) still reads, and says its API figures are a closed loop.
    expect(latency).toContain(
      '| `npx tsx bench/latency.ts --n 20000` | D20 | API closed loop (saturation) 151.0 req/s, p50 9.0 ms, p99 42.0 ms',
    );
    expect(latency).toContain('1.00 / 2.00 (API phases)');
    const withRate = renderTable(
      new Map([
        [
          'latency.json',
          {
            '20000': {
              data: 'D20',
              connections: 8,
              api: { qps: 151, p50: 9, p99: 42, loadAverage: [1, 2] },
              rate: { offeredRate: 150, achievedRate: 149.5, p50: 12, p99: 48 },
              raw: { qps: 160, p99: 40 },
              targets: { p99UnderMs: 50, minQps: 150 },
            },
          },
        ],
      ]),
    );
    expect(withRate).toContain(
      'API closed loop (8 clients, saturation) 151.0 req/s, p50 9.0 ms, p99 42.0 ms; fixed rate 150 req/s offered (open loop): 149.5 achieved, p50 12.0 ms, p99 48.0 ms from each request',
    );
    // With several measured rounds the row also gives the range of the API rounds' own p99s (raw and rate rounds
    // are not counted in it).
    const rounds = renderTable(
      new Map([
        [
          'latency.json',
          {
            '20000': {
              data: 'D20',
              connections: 8,
              phases: [
                { kind: 'raw', p99: 99 },
                { kind: 'api', p99: 47.5 },
                { kind: 'rate', p99: 1 },
                { kind: 'api', p99: 38.25 },
                { kind: 'api', p99: 41 },
              ],
              api: { qps: 151, p50: 9, p99: 42, loadAverage: [1, 2] },
              raw: { qps: 160, p99: 40 },
              targets: { p99UnderMs: 50, minQps: 150 },
            },
          },
        ],
      ]),
    );
    expect(rounds).toContain('p50 9.0 ms, p99 42.0 ms (3 rounds: 38.3-47.5 ms)');
  });

  it('shows an A/B run (latency-ab.json) as paired ratios with intervals and the two commits', () => {
    const ci = (ratio: number) => ({ ratio, low: ratio - 0.05, high: ratio + 0.05, rounds: 6 });
    const kind = (qps: number, p99: number) => ({
      qps: { median: qps, min: qps - 5, max: qps + 5 },
      p99: { median: p99, min: p99 - 5, max: p99 + 5 },
    });
    const table = renderTable(
      new Map([
        [
          'latency-ab.json',
          {
            '20000': {
              items: 20000,
              rounds: 6,
              roundSeconds: 10,
              order: 'AB BA AB BA AB BA',
              connections: 8,
              rate: 150,
              a: { commit: 'aaaaaaa', kinds: { api: kind(170, 90) } },
              b: { commit: 'bbbbbbb', kinds: { api: kind(150, 110) } },
              ratios: { api: { qps: ci(0.88), p99: ci(1.22), cpuMs: ci(1.1) } },
              loadAverage: [1.5, 2.5],
            },
          },
        ],
      ]),
    );
    expect(table).toContain(
      'A aaaaaaa vs B bbbbbbb, 6 rounds x 10 s per phase, order AB BA AB BA AB BA',
    );
    expect(table).toContain(
      'API closed loop: B/A req/s 0.880x [0.830, 0.930], p99 1.220x [1.170, 1.270], server CPU/req 1.100x [1.050, 1.150] (medians A 170.0 / B 150.0 req/s, p99 90.0 / 110.0 ms)',
    );
    expect(table).toContain('1.50 / 2.50 (start / end)');
    // An A/B of two settings of one checkout (latency-ab-settings.json): keyed by size and clients, configs shown.
    const run = {
      items: 100000,
      rounds: 4,
      roundSeconds: 10,
      order: 'AB BA AB BA',
      connections: 400,
      a: {
        commit: 'ccccccc',
        kinds: { api: { ...kind(220, 2300), all: { stalls: { p99Ms: 80 } } } },
      },
      b: {
        commit: 'ccccccc',
        config: { limits: { searchConcurrency: 0 } },
        kinds: { api: { ...kind(230, 2310), all: { stalls: { p99Ms: 300 } } } },
      },
      ratios: { api: { qps: ci(1.04), p99: ci(0.96), cpuMs: ci(1.0) } },
      loadAverage: [0.1, 3],
    };
    const settings = renderTable(new Map([['latency-ab-settings.json', { '100000x400': run }]]));
    expect(settings).toContain('--n 100000 --connections 400');
    expect(settings).toContain(
      'A ccccccc config defaults vs B ccccccc config {"limits":{"searchConcurrency":0}}',
    );
    expect(settings).toContain('p99 2300.0 / 2310.0 ms, event-loop stall p99 A 80.0 / B 300.0 ms)');
  });

  it('replaces only the marked section', () => {
    const doc = `# x\n\nbefore\n${START}\nold\n${END}\nafter\n`;
    expect(replaceSection(doc, `${START}\nnew\n${END}`)).toBe(
      `# x\n\nbefore\n${START}\nnew\n${END}\nafter\n`,
    );
    expect(() => replaceSection('# no markers', 'x')).toThrow(/no/);
  });
});
