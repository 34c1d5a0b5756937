import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEncoderRegistry, type EncoderRegistry } from '../../indexers/registry.js';
import { TransformersTextEncoder } from '../../indexers/encoders/text-transformers.js';
import { modelSettingsFrom } from '../../indexers/model-source.js';
import { code, cosine, fixtureConfig, norm, vec } from './helpers.js';

const LONG = Array.from(
  { length: 120 },
  (_, i) =>
    `Sentence number ${i} talks about ${i % 2 ? 'red dresses' : 'running shoes'} and summer.`,
).join(' ');

describe('text encoders on the fixture models (real transformers.js loading)', () => {
  let reg: EncoderRegistry;
  beforeAll(async () => {
    reg = await createEncoderRegistry(
      fixtureConfig({
        models: {
          text: 'chorus-test/tiny-text',
          image: 'chorus-test/tiny-clip',
          audio: 'chorus-test/tiny-clap',
          enabled: ['text', 'image', 'audio'],
        },
      }),
      {
        settings: { log: () => {} },
      },
    );
  });
  afterAll(() => reg?.close());

  it.each(['text', 'image_text', 'audio_text'])(
    '%s: same input -> same vector, different -> different, unit norm',
    async (name) => {
      const enc = reg.get(name)!;
      expect(enc.modality).toBe('text');
      expect(enc.dim).toBe(name === 'text' ? 384 : 512);
      const [a, b, c] = await enc.encode([
        'a red summer dress',
        'a red summer dress',
        'blue running shoes for men',
      ]);
      expect(vec(a)).toHaveLength(enc.dim);
      expect(Array.from(vec(a))).toEqual(Array.from(vec(b)));
      expect(cosine(vec(a), vec(c))).toBeLessThan(0.99);
      expect(norm(vec(a))).toBeCloseTo(1, 5);
    },
  );

  it('cleans text before encoding: HTML, NFKC and whitespace variants give the same vector', async () => {
    const enc = reg.get('text')!;
    const [plain, html, wide] = await enc.encode([
      'Red dress, size 10',
      '<p>Red <b>dress</b>, size&nbsp;10</p><script>var x = "ignored";</script>',
      'Ｒｅｄ   dress,\u0007 size 10', // full-width letters (NFKC), a control char, extra spaces
    ]);
    expect(cosine(vec(plain), vec(html))).toBeGreaterThan(0.9999);
    expect(cosine(vec(plain), vec(wide))).toBeGreaterThan(0.9999);
  });

  it('chunks long text with overlap and pools the chunks: the vector reflects the whole document', async () => {
    const enc = reg.get('text')!;
    const firstPart = LONG.slice(0, 400);
    const [long, head] = await enc.encode([LONG, firstPart]);
    expect(norm(vec(long))).toBeCloseTo(1, 5);
    expect(cosine(vec(long), vec(head))).toBeLessThan(0.999);
    expect(cosine(vec(long), vec(head))).toBeGreaterThan(0); // related, not identical
  });

  it('bad text is a per-item error and the rest of the batch is encoded', async () => {
    const enc = reg.get('text')!;
    const out = await enc.encode([
      'ok text',
      '',
      '   \n\t ',
      new Uint8Array([0xff, 0xfe, 0xfd]),
      new Uint8Array([1, 0, 2, 0]),
      new TextEncoder().encode('bytes are fine too'),
    ]);
    expect(vec(out[0])).toHaveLength(384);
    expect(code(out[1])).toBe('VALIDATION');
    expect(code(out[2])).toBe('VALIDATION');
    expect(code(out[3])).toBe('MEDIA_DECODE');
    expect(code(out[4])).toBe('UNSUPPORTED_MEDIA');
    expect(
      cosine(vec(out[5]), (await enc.encode(['bytes are fine too']))[0] as Float32Array),
    ).toBeGreaterThan(0.9999);
  });

  it('dtype q8 loads onnx/model_quantized.onnx: close to fp32 but not identical', async () => {
    const settings = modelSettingsFrom(fixtureConfig(), { dtype: 'q8', log: () => {} });
    const q8 = await TransformersTextEncoder.load('chorus-test/tiny-text', settings);
    try {
      const [q] = await q8.encode(['a red summer dress']);
      const [f] = await reg.get('text')!.encode(['a red summer dress']);
      const c = cosine(vec(q), vec(f));
      expect(c).toBeGreaterThan(0.98);
      expect(c).toBeLessThan(0.999999);
      // Different vectors, so a different recorded model id: a collection built with one refuses the other.
      expect(q8.modelId).toBe('chorus-test/tiny-text@q8');
      expect(reg.get('text')!.modelId).toBe('chorus-test/tiny-text');
    } finally {
      await q8.close();
    }
  });
});
