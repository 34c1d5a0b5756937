import { AutoTokenizer } from '@huggingface/transformers';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { chunkText, normalizeText, stripHtml, tokenWindows } from '../../indexers/decoders/text.js';
import { detectModality } from '../../indexers/decoders/media-type.js';
import { FIXTURE_MODELS, media } from './helpers.js';

describe('text clean-up', () => {
  it('strips markup (scripts, styles, comments, tags), decodes entities, keeps block breaks', () => {
    const html =
      '<html><head><style>p{color:red}</style></head><body><h1>Red&nbsp;Dress</h1><!-- hidden --><p>Size &lt;10&gt; &amp; up &#8211; &#x2713;</p><script>alert(1)</script></body></html>';
    expect(normalizeText(html)).toBe('Red Dress\nSize <10> & up – ✓');
  });

  it('leaves plain text with a stray < alone', () => {
    expect(stripHtml('3 < 4 and 5 > 2')).toBe('3 < 4 and 5 > 2');
  });

  it('applies NFKC, drops control and zero-width characters, collapses whitespace', () => {
    expect(
      normalizeText('ﬁne\u200b ｔｅｘｔ\u0000\u0007  with\t\ttabs\r\n\r\n\nand ① lines '),
    ).toBe('fine text with tabs\nand 1 lines');
  });
});

describe('tokenizer-aware chunking', () => {
  it('tokenWindows: overlapping windows that cover every token', () => {
    const ids = Array.from({ length: 25 }, (_, i) => i);
    const w = tokenWindows(ids, 10, 3);
    expect(w.map((x) => [x[0], x.at(-1)])).toEqual([
      [0, 9],
      [7, 16],
      [14, 23],
      [21, 24],
    ]);
    expect(tokenWindows([1, 2, 3], 10, 3)).toEqual([[1, 2, 3]]);
  });

  it('chunkText with a real WordPiece tokenizer: each chunk fits the window and neighbours overlap', async () => {
    const tok = await AutoTokenizer.from_pretrained(
      path.join(FIXTURE_MODELS, 'chorus-test/tiny-text'),
      { local_files_only: true },
    );
    const text = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    const chunks = chunkText(text, tok, 40, 8);
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks)
      expect(tok.encode(c, { add_special_tokens: false }).length).toBeLessThanOrEqual(41);
    expect(chunks[0]).toMatch(/^word0 /);
    expect(chunks.at(-1)).toMatch(/word59$/);
    expect(chunkText('short text', tok, 40, 8)).toEqual(['short text']);
  });
});

describe('media sniffing by content', () => {
  it('detects the modality from bytes, whatever the extension says', async () => {
    expect(await detectModality(media('bad/audio-named.jpg'))).toBe('audio');
    expect(await detectModality(media('bad/image-named.wav'))).toBe('image');
    expect(await detectModality(media('formats/product.avif'))).toBe('image');
    expect(await detectModality(media('audio/generated/sentence-red-dress.ogg'))).toBe('audio');
    expect(await detectModality(media('bad/text-named.png'))).toBeUndefined();
    expect(await detectModality(media('bad/empty.jpg'))).toBeUndefined();
  });
});
