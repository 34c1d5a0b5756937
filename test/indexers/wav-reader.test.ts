import decode from 'audio-decode';
import { describe, expect, it } from 'vitest';
import { readWav } from '../../indexers/decoders/wav.js';
import { media, mediaDir } from './helpers.js';

function floatWav(channels: Float32Array[], rate: number): Uint8Array {
  const frames = channels[0]!.length;
  const out = Buffer.alloc(44 + frames * channels.length * 4);
  out.write('RIFF', 0);
  out.writeUInt32LE(out.length - 8, 4);
  out.write('WAVEfmt ', 8);
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(3, 20); // IEEE float
  out.writeUInt16LE(channels.length, 22);
  out.writeUInt32LE(rate, 24);
  out.writeUInt32LE(rate * 4 * channels.length, 28);
  out.writeUInt16LE(4 * channels.length, 32);
  out.writeUInt16LE(32, 34);
  out.write('data', 36);
  out.writeUInt32LE(frames * channels.length * 4, 40);
  for (let f = 0; f < frames; f++)
    channels.forEach((c, k) => out.writeFloatLE(c[f]!, 44 + (f * channels.length + k) * 4));
  return out;
}

describe('WAV reader', () => {
  it('reads 16-bit PCM exactly as the general decoder does (mono 8 kHz, stereo 44.1 kHz)', async () => {
    for (const rel of [
      ...mediaDir('audio/digits')
        .slice(0, 5)
        .map((f) => `audio/digits/${f}`),
      'audio/generated/tone-stereo44k.wav',
    ]) {
      const bytes = media(rel);
      const mine = readWav(bytes)!;
      const theirs = await decode(bytes);
      expect(mine.sampleRate).toBe(theirs.sampleRate);
      expect(mine.channelData.length).toBe(theirs.channelData.length);
      mine.channelData.forEach((c, k) => {
        expect(c.length).toBe(theirs.channelData[k]!.length);
        let maxDiff = 0;
        for (let i = 0; i < c.length; i++)
          maxDiff = Math.max(maxDiff, Math.abs(c[i]! - theirs.channelData[k]![i]!));
        expect(maxDiff).toBeLessThan(1e-4);
      });
    }
  });

  it('reads IEEE-float stereo WAVs sample-exactly', () => {
    const left = Float32Array.from({ length: 100 }, (_, i) => Math.sin(i / 3) * 0.5);
    const right = Float32Array.from({ length: 100 }, (_, i) => -i / 200);
    const r = readWav(floatWav([left, right], 22050))!;
    expect(r.sampleRate).toBe(22050);
    expect(Array.from(r.channelData[0]!)).toEqual(Array.from(left));
    expect(Array.from(r.channelData[1]!)).toEqual(Array.from(right));
  });

  it('refuses truncated files and leaves non-WAV bytes to others', () => {
    expect(() => readWav(media('bad/truncated.wav'))).toThrow(/truncated/);
    expect(readWav(media('formats/product.png'))).toBeUndefined();
  });
});
