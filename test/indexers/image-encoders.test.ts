import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClipImageEncoder } from '../../indexers/encoders/clip-image.js';
import { ColourLayoutImageEncoder } from '../../indexers/encoders/image-colour.js';
import { decodeImage } from '../../indexers/decoders/image.js';
import { modelSettingsFrom } from '../../indexers/model-source.js';
import type { Encoder } from '../../indexers/encoder.js';
import { code, cosine, fixtureConfig, media, mediaDir, norm, vec } from './helpers.js';

const photos = mediaDir('images').filter((f) => f.endsWith('.jpg'));

describe('image decoding (sharp)', () => {
  it('decodes every supported format to RGB and applies EXIF orientation', async () => {
    for (const f of [
      'product.jpg',
      'product.png',
      'product.webp',
      'product.gif',
      'product.avif',
      'product.tiff',
    ]) {
      const d = await decodeImage(media(`formats/${f}`), { maxPixels: 1e8, shortSide: 0 });
      expect(d.image.channels).toBe(3);
      expect([d.width, d.height]).toEqual([192, 256]);
    }
    const rotated = await decodeImage(media('formats/product-exif-rotated.jpg'), {
      maxPixels: 1e8,
      shortSide: 0,
    });
    expect([rotated.image.width, rotated.image.height]).toEqual([192, 256]); // stored 256x192, displayed upright
  });

  it('takes the first frame of an animated gif', async () => {
    const d = await decodeImage(media('formats/animated-red-then-blue.gif'), {
      maxPixels: 1e8,
      shortSide: 0,
    });
    expect([d.image.width, d.image.height]).toEqual([64, 64]);
    const [r, , b] = d.image.data;
    expect(r).toBeGreaterThan(180);
    expect(b).toBeLessThan(60);
  });
});

describe.each([
  ['CLIP image tower (fixture model, real loading code)', 'clip'],
  ['colour-layout descriptor (offline)', 'colour'],
])('%s', (_name, kind) => {
  let enc: Encoder & { close?: () => Promise<void> };
  beforeAll(async () => {
    enc =
      kind === 'clip'
        ? await ClipImageEncoder.load(
            'chorus-test/tiny-clip',
            modelSettingsFrom(fixtureConfig(), { log: () => {} }),
            { maxPixels: 4_000_000 },
          )
        : new ColourLayoutImageEncoder({ maxPixels: 4_000_000 });
  });
  afterAll(() => enc?.close?.());

  it('encodes real product photos: right dim, unit norm, deterministic, distinct per photo', async () => {
    const bytes = photos.slice(0, 8).map((f) => media(`images/${f}`));
    const out = (await enc.encode(bytes)).map(vec);
    const one = (await enc.encode([bytes[0]!])).map(vec);
    const again = (await enc.encode([bytes[0]!])).map(vec);
    expect(out).toHaveLength(8);
    for (const v of out) {
      expect(v).toHaveLength(enc.dim);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    expect(Array.from(again[0]!)).toEqual(Array.from(one[0]!));
    expect(cosine(one[0]!, out[0]!)).toBeGreaterThan(0.99999); // batched vs single: last float bits at most
    for (let i = 1; i < out.length; i++) expect(cosine(out[0]!, out[i]!)).toBeLessThan(0.9999);
  });

  it('the same picture in another format or orientation encodes to (almost) the same vector', async () => {
    const [jpg, png, webp, rotated] = (
      await enc.encode(
        ['product.jpg', 'product.png', 'product.webp', 'product-exif-rotated.jpg'].map((f) =>
          media(`formats/${f}`),
        ),
      )
    ).map(vec);
    expect(cosine(jpg!, png!)).toBeGreaterThan(0.95);
    expect(cosine(jpg!, webp!)).toBeGreaterThan(0.95);
    expect(cosine(jpg!, rotated!)).toBeGreaterThan(0.97);
    // A really rotated picture (no EXIF fix-up) is further away than the EXIF-tagged one.
    const turned = await sharp(media('formats/product.jpg')).rotate(90).jpeg().toBuffer();
    expect(cosine(jpg!, vec((await enc.encode([turned]))[0]))).toBeLessThan(cosine(jpg!, rotated!));
  });

  it('bad files are per-item errors; the good items in the batch are still encoded', async () => {
    const huge = await sharp({
      create: { width: 2100, height: 2100, channels: 3, background: '#808080' },
    })
      .png()
      .toBuffer();
    const out = await enc.encode([
      media('images/' + photos[0]),
      media('bad/empty.jpg'),
      media('bad/truncated.jpg'),
      media('bad/audio-named.jpg'),
      media('bad/text-named.png'),
      media('bad/unsupported.bmp'),
      media('bad/garbage.bin'),
      huge,
      'a string is not an image',
      media('formats/product.webp'),
    ]);
    expect(vec(out[0])).toHaveLength(enc.dim);
    expect(out.slice(1, 9).map(code)).toEqual([
      'VALIDATION',
      'MEDIA_DECODE',
      'UNSUPPORTED_MEDIA',
      'UNSUPPORTED_MEDIA',
      'UNSUPPORTED_MEDIA',
      'UNSUPPORTED_MEDIA',
      'PAYLOAD_TOO_LARGE',
      'INTERNAL',
    ]);
    expect(vec(out[9])).toHaveLength(enc.dim);
  });
});
