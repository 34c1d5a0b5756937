import type { RankedResponse } from '../../engine/two-stage.js';

/** Human-readable ranked list: rank, id, score, title, and each source's share of the score. */
export function printRanked(r: RankedResponse, out: NodeJS.WritableStream = process.stdout): void {
  out.write(
    `query ${r.queryId}  ranker ${r.ranker.name}  sources ${r.sources.join(', ') || '-'}\n`,
  );
  for (const note of r.notes) out.write(`  note: ${note}\n`);
  if (r.hits.length === 0) out.write('  no results\n');
  r.hits.forEach((h, i) => {
    const title =
      typeof h.payload.title === 'string'
        ? h.payload.title
        : typeof h.payload.text === 'string'
          ? h.payload.text
          : '';
    const shares = Object.entries(h.explanation.shares)
      .sort((a, b) => b[1] - a[1])
      .map(([s, v]) => `${s} ${(v * 100).toFixed(0)}%`)
      .join(', ');
    out.write(
      `${String(i + 1).padStart(3)}. ${h.id}  ${h.score.toFixed(4)}  ${title.slice(0, 60)}${shares ? `  [${shares}]` : ''}\n`,
    );
  });
  const timings = Object.entries(r.timings)
    .map(([k, v]) => `${k} ${v.toFixed(1)}ms`)
    .join(', ');
  out.write(`  timings: ${timings}\n`);
}
