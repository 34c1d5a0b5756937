import { ChorusError } from '../../src/errors.js';

/**
 * Text clean-up before tokenising: HTML stripped, NFKC, control characters removed, whitespace collapsed.
 * Bytes must be UTF-8; text that is empty after clean-up is a per-item VALIDATION error.
 */

const ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

export function decodeTextBytes(input: string | Uint8Array): string {
  if (typeof input === 'string') return input;
  if (input.byteLength === 0) throw new ChorusError('VALIDATION', 'the text is empty (0 bytes)');
  if (input.subarray(0, 4096).includes(0))
    throw new ChorusError('UNSUPPORTED_MEDIA', 'binary content where text was expected');
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(input);
  } catch {
    throw new ChorusError('MEDIA_DECODE', 'the text is not valid UTF-8');
  }
}

/** True when the text looks like markup (a tag or an entity), so stripping cannot hurt plain text with a stray `<`. */
function looksLikeHtml(s: string): boolean {
  return /<\/?[a-z][\w-]*(\s[^<>]*)?\/?>|<!--|&(#\d+|#x[0-9a-f]+|[a-z]+);/i.test(s);
}

export function stripHtml(s: string): string {
  if (!looksLikeHtml(s)) return s;
  return s
    .replace(/<(script|style|noscript|template)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(
      /<\/?(p|div|br|li|ul|ol|h[1-6]|tr|td|th|section|article|header|footer|blockquote)\b[^>]*>/gi,
      '\n',
    )
    .replace(/<[^>]+>/g, '')
    .replace(/&(#\d+|#x[0-9a-f]+|[a-z]+);/gi, (m, e: string) => {
      if (e[0] === '#') {
        const code =
          e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
        return Number.isFinite(code) && code > 0 && code < 0x110000
          ? String.fromCodePoint(code)
          : ' ';
      }
      return ENTITIES[e.toLowerCase()] ?? m;
    });
}

export function normalizeText(input: string | Uint8Array): string {
  const text = stripHtml(decodeTextBytes(input))
    .normalize('NFKC')
    .replace(
      // eslint-disable-next-line no-control-regex -- removing control characters is the point
      /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\ufeff]/g,
      ' ',
    )
    .replace(/[ \t\u00a0\u3000]+/g, ' ')
    .replace(/ *\r?\n[\s]*/g, '\n')
    .trim();
  if (!text) throw new ChorusError('VALIDATION', 'the text is empty after clean-up');
  return text;
}

/**
 * Splits token ids into windows of at most `size` tokens that overlap by `overlap` tokens, so a sentence cut
 * at a boundary is whole in one of the two windows. Short inputs give one window.
 */
export function tokenWindows(ids: number[], size: number, overlap: number): number[][] {
  if (size <= 0) throw new Error('window size must be positive');
  const step = Math.max(1, size - Math.max(0, Math.min(overlap, size - 1)));
  if (ids.length <= size) return [ids];
  const windows: number[][] = [];
  for (let start = 0; ; start += step) {
    windows.push(ids.slice(start, start + size));
    if (start + size >= ids.length) break;
  }
  return windows;
}

export interface ChunkingTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): number[];
  decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
}

/**
 * Tokenizer-aware chunking: the text is tokenised once (no special tokens), cut into overlapping windows of
 * `maxTokens` (leaving room for the model's special tokens), and each window decoded back to text for the model.
 * `maxChunks` bounds the work for very long documents (the tail beyond it is dropped).
 */
export function chunkText(
  text: string,
  tok: ChunkingTokenizer,
  maxTokens: number,
  overlap: number,
  maxChunks = 32,
): string[] {
  const ids = tok.encode(text, { add_special_tokens: false });
  if (ids.length <= maxTokens) return [text];
  return tokenWindows(ids, maxTokens, overlap)
    .slice(0, maxChunks)
    .map((w) => tok.decode(w, { skip_special_tokens: true }).trim())
    .filter(Boolean);
}
