import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClapAudioEncoder } from '../../indexers/encoders/clap-audio.js';
import { OpenWakeWordAudioEncoder } from '../../indexers/encoders/openwakeword-audio.js';
import { modelSettingsFrom } from '../../indexers/model-source.js';
import { code, cosine, fixtureConfig, media, mediaDir, norm, vec, wavBytes } from './helpers.js';

const digits = mediaDir('audio/digits');

describe('openWakeWord offline audio embedder (real learned model)', () => {
  let enc: OpenWakeWordAudioEncoder;
  beforeAll(
    async () =>
      (enc = await OpenWakeWordAudioEncoder.open({ maxSeconds: 60, executionProviders: ['cpu'] })),
  );
  afterAll(() => enc?.close());

  it('embeds spoken digits into unit 192-d vectors in which the same digit by other speakers is nearest', async () => {
    const vectors = (await enc.encode(digits.map((f) => media(`audio/digits/${f}`)))).map(vec);
    expect(enc.dim).toBe(192);
    for (const v of vectors) expect(norm(v)).toBeCloseTo(1, 5);
    // Leave-one-out 1-NN digit accuracy over 30 clips of 10 digits by 6 speakers (chance: 2/29 neighbours share the digit).
    let hits = 0;
    vectors.forEach((v, i) => {
      let best = -1;
      let bestScore = -Infinity;
      vectors.forEach((w, j) => {
        if (i !== j && cosine(v, w) > bestScore) [best, bestScore] = [j, cosine(v, w)];
      });
      if (digits[best]![0] === digits[i]![0]) hits++;
    });
    expect(hits / vectors.length).toBeGreaterThan(0.5);
  });

  it('is deterministic, reads every container, and wav/flac of one sentence agree', async () => {
    const files = ['wav', 'flac', 'ogg', 'mp3'].map((e) =>
      media(`audio/generated/sentence-red-dress.${e}`),
    );
    const [wav, flac, ogg, mp3] = (await enc.encode(files)).map(vec);
    const [again] = (await enc.encode([files[0]!])).map(vec);
    expect(Array.from(again!)).toEqual(Array.from(wav!));
    expect(cosine(wav!, flac!)).toBeGreaterThan(0.999);
    expect(cosine(wav!, ogg!)).toBeGreaterThan(0.95);
    expect(cosine(wav!, mp3!)).toBeGreaterThan(0.95);
    const [other] = (await enc.encode([media('audio/generated/sentence-weather.wav')])).map(vec);
    expect(cosine(wav!, other!)).toBeLessThan(cosine(wav!, ogg!));
  });

  it('bad audio is a per-item error; the rest of the batch is encoded', async () => {
    const out = await enc.encode([
      media('audio/digits/' + digits[0]),
      media('bad/empty.wav'),
      media('bad/truncated.wav'),
      media('bad/image-named.wav'),
      media('audio/generated/silence.wav'),
      wavBytes(new Float32Array(16000 * 61).fill(0.1), 16000), // over maxSeconds
      media('audio/generated/tone-440hz.wav'),
    ]);
    expect(vec(out[0])).toHaveLength(192);
    expect(out.slice(1, 6).map(code)).toEqual([
      'VALIDATION',
      'MEDIA_DECODE',
      'UNSUPPORTED_MEDIA',
      'VALIDATION',
      'PAYLOAD_TOO_LARGE',
    ]);
    expect(vec(out[6])).toHaveLength(192);
  });
});

describe('CLAP audio tower (fixture model, real transformers.js loading)', () => {
  let enc: ClapAudioEncoder;
  beforeAll(async () => {
    enc = await ClapAudioEncoder.load(
      'chorus-test/tiny-clap',
      modelSettingsFrom(fixtureConfig(), { log: () => {} }),
      { maxSeconds: 60 },
    );
  });
  afterAll(() => enc?.close());

  it('encodes real audio at 48 kHz: right dim, unit norm, deterministic, distinct', async () => {
    const files = [
      ...digits.slice(0, 3).map((f) => `audio/digits/${f}`),
      'audio/generated/chirp.wav',
      'audio/generated/pink-noise.wav',
    ];
    const out = (await enc.encode(files.map(media))).map(vec);
    expect(enc.dim).toBe(512);
    for (const v of out) expect(norm(v)).toBeCloseTo(1, 5);
    const [one] = (await enc.encode([media(files[0]!)])).map(vec);
    const [again] = (await enc.encode([media(files[0]!)])).map(vec);
    expect(Array.from(again!)).toEqual(Array.from(one!));
    // Batched and single runs may differ in the last float bits (different kernel paths), never more.
    expect(cosine(one!, out[0]!)).toBeGreaterThan(0.99999);
    for (let i = 1; i < out.length; i++) expect(cosine(out[0]!, out[i]!)).toBeLessThan(0.9999);
  });

  it('cuts audio longer than the 10 s model window with a note', async () => {
    const long = wavBytes(
      Float32Array.from({ length: 16000 * 12 }, (_, i) => 0.3 * Math.sin(i / 5)),
      16000,
    );
    const [v] = await enc.encode([long]);
    expect(vec(v)).toHaveLength(512);
    expect(enc.lastNotes[0]!.join(' ')).toMatch(/first 10 s/);
  });

  it('bad files are per-item errors', async () => {
    const out = await enc.encode([
      media('bad/empty.wav'),
      media('audio/generated/tone-1000hz.wav'),
      media('bad/audio-named.jpg'),
      media('bad/text-named.png'),
    ]);
    expect(code(out[0])).toBe('VALIDATION');
    expect(vec(out[1])).toHaveLength(512);
    expect(vec(out[2])).toHaveLength(512); // a real wav behind a .jpg name is still audio: content decides
    expect(code(out[3])).toBe('UNSUPPORTED_MEDIA');
  });
});
