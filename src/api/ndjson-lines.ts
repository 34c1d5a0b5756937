/** One line of an NDJSON body: its 1-based number and bytes, or why it could not be read. */
export type NdjsonLine = { line: number; bytes: Buffer } | { line: number; error: string };

/**
 * Splits a byte stream into lines without holding more than one line (plus a chunk) in memory. A line
 * longer than `maxLineBytes` is reported as an error and skipped up to the next newline, so one bad
 * line never stops the rest. Blank lines are skipped; `\r\n` endings are accepted.
 */
export async function* ndjsonLines(
  source: AsyncIterable<Buffer | string>,
  maxLineBytes: number,
): AsyncGenerator<NdjsonLine> {
  let parts: Buffer[] = [];
  let size = 0;
  let line = 0;
  let overlong = false;
  const finish = (tail: Buffer): NdjsonLine | undefined => {
    line++;
    if (overlong) {
      overlong = false;
      return { line, error: `line is longer than ${maxLineBytes} bytes` };
    }
    let bytes = parts.length ? Buffer.concat([...parts, tail]) : tail;
    if (bytes.length && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, -1);
    return bytes.some((b) => b !== 0x20 && b !== 0x09) ? { line, bytes } : undefined;
  };
  for await (const raw of source) {
    let chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    let nl: number;
    while ((nl = chunk.indexOf(0x0a)) !== -1) {
      const head = chunk.subarray(0, nl);
      if (!overlong && size + head.length > maxLineBytes) overlong = true;
      const out = finish(overlong ? Buffer.alloc(0) : head);
      parts = [];
      size = 0;
      if (out) yield out;
      chunk = chunk.subarray(nl + 1);
    }
    if (overlong || size + chunk.length > maxLineBytes) {
      overlong = true;
      parts = [];
      size = 0;
    } else if (chunk.length) {
      parts.push(Buffer.from(chunk)); // copy: the stream may reuse its buffer
      size += chunk.length;
    }
  }
  if (size > 0 || overlong) {
    const out = finish(Buffer.alloc(0));
    if (out) yield out;
  }
}
