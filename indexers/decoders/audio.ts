import decode from 'audio-decode';
import { ChorusError } from '../../src/errors.js';
import { sniffMedia } from './media-type.js';
import { resample } from './resample.js';
import { readWav } from './wav.js';
import { energySpan } from './silence.js';
import type { SileroVad } from './vad.js';

export interface AudioDecodeOptions {
  /** The model's sample rate; the audio is resampled to it. */
  sampleRate: number;
  /** Hard limit on the decoded duration (limits.maxAudioSeconds): longer input is a PAYLOAD_TOO_LARGE item error. */
  maxSeconds: number;
  /** How leading/trailing silence is trimmed: energy (any sound), vad (Silero speech detection, energy fallback), none. */
  trim?: 'energy' | 'vad' | 'none';
  vad?: SileroVad;
  /** The model's window: longer audio is cut to this many seconds (from the start) with a note. */
  capSeconds?: number;
}

export interface DecodedAudio {
  pcm: Float32Array;
  sampleRate: number;
  format: string;
  /** Duration of the file as decoded, before trimming and capping. */
  seconds: number;
  notes: string[];
}

/**
 * wav/mp3/flac/ogg bytes -> mono float PCM in -1..1 at `sampleRate`, silence trimmed, capped to the model window.
 * The format is sniffed from the content; every failure is a ChorusError with a per-item reason.
 */
export async function decodeAudio(
  bytes: Uint8Array,
  opts: AudioDecodeOptions,
): Promise<DecodedAudio> {
  const { ext } = await sniffMedia(bytes, 'audio');
  let data: { channelData: Float32Array[]; sampleRate: number };
  try {
    data = (ext === 'wav' ? readWav(bytes) : undefined) ?? (await decode(bytes));
  } catch (e) {
    if (e instanceof ChorusError) throw e;
    throw new ChorusError(
      'MEDIA_DECODE',
      `the ${ext} audio could not be decoded (corrupt or truncated): ${(e as Error).message}`,
    );
  }
  const channels = data.channelData.filter((c) => c.length > 0);
  if (!channels.length || !data.sampleRate)
    throw new ChorusError('MEDIA_DECODE', `the ${ext} audio decoded to no samples`);
  const seconds = channels[0]!.length / data.sampleRate;
  if (seconds > opts.maxSeconds) {
    throw new ChorusError(
      'PAYLOAD_TOO_LARGE',
      `the audio lasts ${seconds.toFixed(1)} s, over the limit of ${opts.maxSeconds} s (limits.maxAudioSeconds)`,
      {
        seconds,
        maxSeconds: opts.maxSeconds,
      },
    );
  }
  const notes: string[] = [];
  let pcm = resample(downmix(channels), data.sampleRate, opts.sampleRate);
  const trim = opts.trim ?? 'energy';
  if (trim !== 'none') pcm = await trimSilence(pcm, opts.sampleRate, trim, opts.vad, notes);
  if (opts.capSeconds && pcm.length > opts.capSeconds * opts.sampleRate) {
    notes.push(
      `audio cut to the model window: first ${opts.capSeconds} s of ${(pcm.length / opts.sampleRate).toFixed(1)} s encoded`,
    );
    pcm = pcm.slice(0, Math.round(opts.capSeconds * opts.sampleRate));
  }
  return { pcm, sampleRate: opts.sampleRate, format: ext, seconds, notes };
}

function downmix(channels: Float32Array[]): Float32Array {
  if (channels.length === 1) return channels[0]!;
  const n = Math.min(...channels.map((c) => c.length));
  const out = new Float32Array(n);
  for (const c of channels) for (let i = 0; i < n; i++) out[i]! += c[i]! / channels.length;
  return out;
}

async function trimSilence(
  pcm: Float32Array,
  rate: number,
  mode: 'energy' | 'vad',
  vad: SileroVad | undefined,
  notes: string[],
): Promise<Float32Array> {
  const energy = energySpan(pcm, rate);
  if (!energy.audible)
    throw new ChorusError('VALIDATION', 'the audio is silent (no frame above -55 dBFS)');
  if (mode === 'vad' && vad) {
    const pcm16k = rate === 16000 ? pcm : resample(pcm, rate, 16000);
    const span = await vad.speechSpan(pcm16k);
    if (span) {
      const k = rate / 16000;
      return pcm.slice(Math.floor(span.start * k), Math.ceil(span.end * k));
    }
    notes.push('no speech detected: trimmed by energy instead');
  }
  return pcm.slice(energy.start, energy.end);
}
