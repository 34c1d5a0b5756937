import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseConfig, type ChorusConfig } from '../../src/config.js';
import { isEncodeFailure, type EncodeResult } from '../../indexers/encoder.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const FIXTURE_MODELS = path.join(ROOT, 'fixtures/models');
export const MEDIA = path.join(ROOT, 'fixtures/media');

export const media = (rel: string): Uint8Array => readFileSync(path.join(MEDIA, rel));
export const mediaDir = (rel: string): string[] => readdirSync(path.join(MEDIA, rel)).sort();

/** Config pointing every model at the generated fixture models, remote loading off. */
export function fixtureConfig(extra: Record<string, unknown> = {}): ChorusConfig {
  return parseConfig({
    dataDir: path.join(ROOT, 'test-output/indexers'),
    modelDir: FIXTURE_MODELS,
    executionProviders: ['cpu'],
    models: {
      text: 'chorus-test/tiny-text',
      image: 'chorus-test/tiny-clip',
      audio: 'chorus-test/tiny-clap',
    },
    ...extra,
  });
}

export function vec(r: EncodeResult | undefined): Float32Array {
  if (!r || isEncodeFailure(r)) throw new Error(`expected a vector, got ${JSON.stringify(r)}`);
  return r;
}

export function code(r: EncodeResult | undefined): string {
  if (!r || !isEncodeFailure(r)) throw new Error('expected a failure, got a vector');
  return r.error.code;
}

export { cosine } from '../../src/domain/vectors.js';

export function norm(a: Float32Array): number {
  return Math.sqrt(a.reduce((s, x) => s + x * x, 0));
}

/** A 16-bit PCM mono WAV from float samples, for tests that need audio of a given length. */
export function wavBytes(pcm: Float32Array, sampleRate: number): Uint8Array {
  const out = Buffer.alloc(44 + pcm.length * 2);
  out.write('RIFF', 0);
  out.writeUInt32LE(36 + pcm.length * 2, 4);
  out.write('WAVEfmt ', 8);
  out.writeUInt32LE(16, 16);
  out.writeUInt16LE(1, 20);
  out.writeUInt16LE(1, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * 2, 28);
  out.writeUInt16LE(2, 32);
  out.writeUInt16LE(16, 34);
  out.write('data', 36);
  out.writeUInt32LE(pcm.length * 2, 40);
  pcm.forEach((v, i) =>
    out.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(v * 32767))), 44 + i * 2),
  );
  return out;
}
