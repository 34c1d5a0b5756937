import { parseCsv } from '../../indexing/csv.js';

/** One input record: its 1-based line and the raw event object (not yet validated). */
export interface RawEvent {
  line: number;
  value: unknown;
}

/** Numeric CSV columns; `items` is `id1|id2|...` (positions 0, 1, ...) for impressions. */
const NUMERIC = new Set(['timestamp', 'dwellMs', 'position']);

/**
 * Feedback records from JSON Lines (one event per line) or CSV with a header naming the event fields
 * (type,eventId,collection,userId,queryId,itemId,timestamp,dwellMs,position,items). Unparseable lines come back as
 * records with a string `error` so the caller reports them with the rest.
 */
export function* readFeedbackRecords(
  text: string,
  format: 'jsonl' | 'csv',
): Generator<RawEvent | { line: number; error: string }> {
  if (format === 'jsonl') {
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i]!.trim();
      if (!l) continue;
      try {
        yield { line: i + 1, value: JSON.parse(l) as unknown };
      } catch (e) {
        yield { line: i + 1, error: `not JSON: ${(e as Error).message}` };
      }
    }
    return;
  }
  let header: string[] | undefined;
  try {
    for (const row of parseCsv(text)) {
      if (!header) {
        header = row.fields.map((f) => f.trim());
        continue;
      }
      if (row.fields.length === 1 && row.fields[0] === '') continue;
      if (row.fields.length !== header.length) {
        yield {
          line: row.line,
          error: `${row.fields.length} fields, the header has ${header.length}`,
        };
        continue;
      }
      const o: Record<string, unknown> = {};
      header.forEach((name, k) => {
        const v = row.fields[k]!;
        if (v === '') return;
        if (name === 'items') o.items = v.split('|').map((id, position) => ({ id, position }));
        else o[name] = NUMERIC.has(name) && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
      });
      yield { line: row.line, value: o };
    }
  } catch (e) {
    yield { line: (e as { line?: number }).line ?? 0, error: (e as Error).message };
  }
}
