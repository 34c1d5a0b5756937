/** Context kept before a window's first match, as a share of the window. */
const LEAD = 0.25;

const isSpace = (c: string | undefined) => c !== undefined && /\s/u.test(c);
const isLow = (code: number) => code >= 0xdc00 && code <= 0xdfff;
const isHigh = (code: number) => code >= 0xd800 && code <= 0xdbff;

/**
 * The best window of `text` to show for a hit: at most `length` UTF-16 units holding as many of the matches
 * (`spans`, [start, end)) as fit, a little context before the first, cut at word boundaries where that keeps every
 * match it holds, never inside a surrogate pair. The whole text when it is short enough; its start without matches.
 */
export function snippetWindow(
  text: string,
  spans: readonly (readonly [number, number])[],
  length: number,
): [number, number] {
  if (text.length <= length) return [0, text.length];
  let best = { start: 0, end: length, held: -1, first: 0, last: 0 };
  for (const [anchor] of spans.length > 0 ? spans : [[0, 0] as const]) {
    let start = Math.max(0, anchor - Math.floor(length * LEAD));
    const end = Math.min(text.length, start + length);
    start = Math.max(0, end - length);
    const inside = spans.filter(([a, b]) => a >= start && b <= end);
    if (inside.length > best.held)
      best = {
        start,
        end,
        held: inside.length,
        first: inside[0]?.[0] ?? end,
        last: inside.at(-1)?.[1] ?? start,
      };
  }
  let { start, end } = best;
  // Whole words: start after a space, end before one, without cutting off a match.
  if (start > 0 && !isSpace(text[start - 1])) {
    let s = start;
    while (s < best.first && !isSpace(text[s])) s++;
    if (s < best.first) start = s + 1;
  }
  if (end < text.length && !isSpace(text[end])) {
    let e = end;
    while (e > best.last && !isSpace(text[e - 1])) e--;
    if (e > best.last) end = e - 1;
  }
  if (start < text.length && isLow(text.charCodeAt(start))) start++;
  if (end > 0 && isHigh(text.charCodeAt(end - 1))) end--;
  return [start, Math.max(start, end)];
}

/** Each matched string field's best window (lists of strings are short and keep their element spans only). */
export function snippetsOf(
  hit: {
    payload: Record<string, unknown>;
    highlights?: Record<string, readonly (readonly number[])[]>;
  },
  length: number,
): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const [field, spans] of Object.entries(hit.highlights ?? {})) {
    const text = hit.payload[field];
    if (typeof text !== 'string') continue;
    out[field] = snippetWindow(text, spans as [number, number][], length);
  }
  return out;
}
