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
    expect(latency).toContain(
      '| `npx tsx bench/latency.ts --n 20000` | D20 | API 151.0 req/s, p50 9.0 ms, p99 42.0 ms',
    );
    expect(latency).toContain('1.00 / 2.00 (API phases)');
  });

  it('replaces only the marked section', () => {
    const doc = `# x\n\nbefore\n${START}\nold\n${END}\nafter\n`;
    expect(replaceSection(doc, `${START}\nnew\n${END}`)).toBe(
      `# x\n\nbefore\n${START}\nnew\n${END}\nafter\n`,
    );
    expect(() => replaceSection('# no markers', 'x')).toThrow(/no/);
  });
});
