import type { RankedResponse } from '../../engine/two-stage.js';

/**
 * A payload string as one line of a terminal: line breaks and tabs become spaces (a title taken from a `.txt` file
 * ends with one, which split the hit over two lines) and control characters are dropped (a stored payload is client
 * data: escape sequences must not reach the terminal).
 */
export function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  return s.replace(/[\u0000-\u001f\u007f-\u009f\s]+/g, ' ').trim();
}

/** Human-readable ranked list: rank, id, score, title, and each source's share of the score. */
export function printRanked(
  r: RankedResponse,
  out: NodeJS.WritableStream = process.stdout,
  /** Rank of the first hit minus one (a later page). */
  offset = 0,
): void {
  out.write(
    `query ${r.queryId}  ranker ${r.ranker.name}  sources ${r.sources.join(', ') || '-'}\n`,
  );
  for (const note of r.notes) out.write(`  note: ${note}\n`);
  if (r.hits.length === 0) out.write('  no results\n');
  r.hits.forEach((h, i) => {
    const title = oneLine(
      typeof h.payload.title === 'string'
        ? h.payload.title
        : typeof h.payload.text === 'string'
          ? h.payload.text
          : '',
    );
    const shares = Object.entries(h.explanation.shares)
      .sort((a, b) => b[1] - a[1])
      .map(([s, v]) => `${s} ${(v * 100).toFixed(0)}%`)
      .join(', ');
    out.write(
      `${String(offset + i + 1).padStart(3)}. ${h.id}  ${h.score.toFixed(4)}  ${title.slice(0, 60)}${shares ? `  [${shares}]` : ''}\n`,
    );
    for (const [field, window] of Object.entries(h.snippets ?? {}))
      if (field !== 'title')
        out.write(`       ${oneLine(field)}: ${snippetLine(h, field, window)}\n`);
  });
  // Facet values are client data, printed on one line each like titles.
  for (const [field, values] of Object.entries(r.facets ?? {}))
    out.write(
      `  ${oneLine(field)}: ${values.map((v) => `${oneLine(String(v.value)).slice(0, 40)} ${v.count}`).join(', ') || '-'}\n`,
    );
  const timings = Object.entries(r.timings)
    .map(([k, v]) => `${k} ${v.toFixed(1)}ms`)
    .join(', ');
  out.write(`  timings: ${timings}\n`);
}

/** A snippet as one terminal line: its text with the matches in [brackets], "…" where the field goes on. */
function snippetLine(
  h: RankedResponse['hits'][number],
  field: string,
  [start, end]: [number, number],
): string {
  const text = h.payload[field] as string;
  let line = '';
  let at = start;
  for (const span of h.highlights?.[field] ?? []) {
    if (span.length !== 2) continue;
    const [a, b] = span;
    if (a < at || b > end) continue;
    line += `${text.slice(at, a)}[${text.slice(a, b)}]`;
    at = b;
  }
  line += text.slice(at, end);
  return `${start > 0 ? '…' : ''}${oneLine(line)}${end < text.length ? '…' : ''}`;
}
