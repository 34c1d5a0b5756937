import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAudio } from '../../indexers/decoders/audio.js';
import { resample } from '../../indexers/decoders/resample.js';
import { energySpan } from '../../indexers/decoders/silence.js';
import { SileroVad } from '../../indexers/decoders/vad.js';
import { ChorusError } from '../../src/errors.js';
import { media, mediaDir, wavBytes } from './helpers.js';

const sine = (freq: number, rate: number, seconds: number, amp = 0.5) =>
  Float32Array.from(
    { length: Math.round(rate * seconds) },
    (_, i) => amp * Math.sin((2 * Math.PI * freq * i) / rate),
  );

function rmsError(a: Float32Array, b: Float32Array, from: number, to: number): number {
  let s = 0;
  for (let i = from; i < to; i++) s += (a[i]! - b[i]!) ** 2;
  return Math.sqrt(s / (to - from));
}

async function decodeError(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return e instanceof ChorusError ? e.code : `not a ChorusError: ${String(e)}`;
  }
  return 'no error';
}

describe('resampling', () => {
  it('upsamples and downsamples a sine with small error (away from the edges)', () => {
    for (const [from, to] of [
      [8000, 48000],
      [44100, 16000],
      [16000, 48000],
      [48000, 16000],
    ] as const) {
      const out = resample(sine(440, from, 0.5), from, to);
      expect(out.length).toBe(Math.round(0.5 * to));
      expect(rmsError(out, sine(440, to, 0.5), 200, out.length - 200)).toBeLessThan(0.01);
    }
  });

  it('removes content above the new Nyquist frequency instead of aliasing it', () => {
    const out = resample(sine(7000, 48000, 0.5), 48000, 8000); // 7 kHz cannot exist at 8 kHz
    const rms = Math.sqrt(out.slice(200, -200).reduce((s, x) => s + x * x, 0) / (out.length - 400));
    expect(rms).toBeLessThan(0.02); // input rms is 0.35
  });
});

describe('silence trimming', () => {
  it('energy: finds the sound between padded silence', () => {
    const rate = 16000;
    const pcm = new Float32Array(rate * 2);
    pcm.set(sine(300, rate, 0.5), rate / 2); // 0.5 s of sound starting at 0.5 s
    const span = energySpan(pcm, rate);
    expect(span.audible).toBe(true);
    expect(span.start / rate).toBeGreaterThan(0.4);
    expect(span.start / rate).toBeLessThan(0.5);
    expect(span.end / rate).toBeGreaterThan(1.0);
    expect(span.end / rate).toBeLessThan(1.1);
  });

  describe('Silero VAD', () => {
    let vad: SileroVad;
    beforeAll(async () => (vad = await SileroVad.open()));
    afterAll(() => vad?.close());

    it('finds speech in a spoken sentence and none in a pure tone', async () => {
      const speech = await decodeAudio(media('audio/generated/sentence-weather.wav'), {
        sampleRate: 16000,
        maxSeconds: 60,
        trim: 'none',
      });
      const probs = await vad.probabilities(speech.pcm);
      expect(Math.max(...probs)).toBeGreaterThan(0.8);
      const tone = await vad.probabilities(sine(440, 16000, 1));
      expect(Math.max(...tone)).toBeLessThan(0.3);
    });

    it('trim "vad" cuts the leading and trailing silence of speech; a tone falls back to energy with a note', async () => {
      const raw = await decodeAudio(media('audio/generated/sentence-red-dress.wav'), {
        sampleRate: 16000,
        maxSeconds: 60,
        trim: 'none',
      });
      const trimmed = await decodeAudio(media('audio/generated/sentence-red-dress.wav'), {
        sampleRate: 16000,
        maxSeconds: 60,
        trim: 'vad',
        vad,
      });
      expect(trimmed.pcm.length).toBeLessThan(raw.pcm.length - 0.3 * 16000); // 0.3 s pads on each side, mostly removed
      expect(trimmed.pcm.length).toBeGreaterThan(1.5 * 16000);
      const tone = await decodeAudio(media('audio/generated/tone-440hz.wav'), {
        sampleRate: 16000,
        maxSeconds: 60,
        trim: 'vad',
        vad,
      });
      expect(tone.notes.join(' ')).toMatch(/no speech detected/);
      expect(tone.pcm.length).toBeGreaterThan(0.9 * 16000);
    });
  });
});

describe('decodeAudio on real files', () => {
  it('decodes every spoken digit (8 kHz wav) to mono float PCM at 16 kHz, trimmed', async () => {
    for (const f of mediaDir('audio/digits')) {
      const a = await decodeAudio(media(`audio/digits/${f}`), {
        sampleRate: 16000,
        maxSeconds: 60,
      });
      expect(a.format).toBe('wav');
      expect(a.pcm.length).toBeGreaterThan(0.05 * 16000);
      expect(a.pcm.length).toBeLessThanOrEqual(Math.ceil(a.seconds * 16000) + 1);
      expect(Math.max(...a.pcm.map(Math.abs))).toBeLessThanOrEqual(1.01);
    }
  });

  it('wav, mp3, flac and ogg of the same sentence decode to about the same length; stereo is downmixed', async () => {
    const lengths: number[] = [];
    for (const ext of ['wav', 'mp3', 'flac', 'ogg']) {
      const a = await decodeAudio(media(`audio/generated/sentence-red-dress.${ext}`), {
        sampleRate: 16000,
        maxSeconds: 60,
        trim: 'none',
      });
      expect(a.format).toBe(ext);
      lengths.push(a.pcm.length / 16000);
    }
    // mp3 adds encoder delay and frame padding (~0.1 s); the others are sample-exact.
    for (const l of lengths) expect(Math.abs(l - lengths[0]!)).toBeLessThan(0.15);
    const stereo = await decodeAudio(media('audio/generated/tone-stereo44k.wav'), {
      sampleRate: 16000,
      maxSeconds: 60,
      trim: 'none',
    });
    expect(stereo.pcm.length).toBe(Math.round(0.6 * 16000));
  });

  it('caps audio to the model window with a note, and refuses audio over the hard limit', async () => {
    const long = wavBytes(sine(300, 16000, 12), 16000);
    const capped = await decodeAudio(long, { sampleRate: 16000, maxSeconds: 60, capSeconds: 10 });
    expect(capped.pcm.length).toBe(10 * 16000);
    expect(capped.notes.join(' ')).toMatch(/first 10 s of 12\.0 s/);
    expect(await decodeError(decodeAudio(long, { sampleRate: 16000, maxSeconds: 5 }))).toBe(
      'PAYLOAD_TOO_LARGE',
    );
  });

  it('bad files give typed errors', async () => {
    const opts = { sampleRate: 16000, maxSeconds: 60 };
    expect(await decodeError(decodeAudio(media('bad/empty.wav'), opts))).toBe('VALIDATION');
    expect(await decodeError(decodeAudio(media('bad/truncated.wav'), opts))).toBe('MEDIA_DECODE');
    expect(await decodeError(decodeAudio(media('bad/image-named.wav'), opts))).toBe(
      'UNSUPPORTED_MEDIA',
    );
    expect(await decodeError(decodeAudio(media('bad/garbage.bin'), opts))).toBe(
      'UNSUPPORTED_MEDIA',
    );
    expect(await decodeError(decodeAudio(media('audio/generated/silence.wav'), opts))).toBe(
      'VALIDATION',
    );
  });
});
