import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeInBatches } from '../batching.js';
import { decodeAudio } from '../decoders/audio.js';
import type { SileroVad } from '../decoders/vad.js';
import type { EncodeResult, Encoder, EncoderInput } from '../encoder.js';
import { openSession, ort, type SessionOptions } from '../../src/onnx/session.js';
import { l2normalize } from '../vector-math.js';

/** The model id Chorus records for vectors made by this encoder (and accepts in models.audio). */
export const OPENWAKEWORD_MODEL_ID = 'openwakeword/speech-embedding';
export const OPENWAKEWORD_DIR = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../models/openwakeword',
);

const RATE = 16000;
const WINDOW = 76; // mel frames per embedding window (~775 ms)
const STEP = 8; // frames between windows (80 ms)
const MIN_SAMPLES = 512 + (WINDOW - 1) * 160; // samples for exactly one window
const EMB = 96;

export interface OpenWakeWordOptions extends SessionOptions {
  maxSeconds: number;
  /** Audio beyond this is cut (with a note); the cost is linear in length. */
  capSeconds?: number;
  batchSize?: number;
  trim?: 'energy' | 'vad' | 'none';
  vad?: SileroVad;
}

/**
 * A real, offline, learned audio embedding: openWakeWord's melspectrogram and Google's speech-embedding
 * models (MIT, shipped in indexers/models/openwakeword). 16 kHz audio gives one 96-d embedding per 80 ms;
 * a clip's vector is the concatenated mean and max of its window embeddings (192-d), L2-normalised. Trained
 * on speech, so it separates spoken content and voices best; it is not a general sound-event model like CLAP.
 */
export class OpenWakeWordAudioEncoder implements Encoder {
  readonly modality = 'audio' as const;
  readonly vectorName: string;
  readonly modelId = OPENWAKEWORD_MODEL_ID;
  readonly dim = 2 * EMB;
  lastNotes: string[][] = [];

  private constructor(
    private readonly mel: ort.InferenceSession,
    private readonly emb: ort.InferenceSession,
    private readonly opts: OpenWakeWordOptions,
    vectorName: string,
  ) {
    this.vectorName = vectorName;
  }

  static async open(
    opts: OpenWakeWordOptions,
    vectorName = 'audio',
  ): Promise<OpenWakeWordAudioEncoder> {
    const mel = await openSession(path.join(OPENWAKEWORD_DIR, 'melspectrogram.onnx'), opts);
    const emb = await openSession(path.join(OPENWAKEWORD_DIR, 'embedding_model.onnx'), opts);
    return new OpenWakeWordAudioEncoder(mel, emb, opts, vectorName);
  }

  async encode(batch: EncoderInput[]): Promise<EncodeResult[]> {
    this.lastNotes = batch.map(() => []);
    return encodeInBatches(
      batch,
      async (input, i) => {
        if (typeof input === 'string') throw new Error('audio encoders take bytes, not text');
        const audio = await decodeAudio(input, {
          sampleRate: RATE,
          maxSeconds: this.opts.maxSeconds,
          capSeconds: this.opts.capSeconds ?? 60,
          trim: this.opts.trim ?? 'energy',
          ...(this.opts.vad ? { vad: this.opts.vad } : {}),
        });
        this.lastNotes[i] = audio.notes;
        return audio.pcm;
      },
      (pcms) => this.embed(pcms),
      { batchSize: this.opts.batchSize ?? 8, decodeConcurrency: 2 },
    );
  }

  /** 16 kHz PCM clips -> pooled vectors. The mel model runs per clip (lengths differ); all windows share one embedding run. */
  async embed(pcms: Float32Array[]): Promise<Float32Array[]> {
    const mels: Float32Array[] = [];
    const counts: number[] = [];
    for (const pcm of pcms) {
      const frames = await this.melFrames(centrePad(pcm, MIN_SAMPLES));
      const n = Math.floor((frames.length / 32 - WINDOW) / STEP) + 1;
      counts.push(n);
      const windows = new Float32Array(n * WINDOW * 32);
      for (let w = 0; w < n; w++)
        windows.set(frames.subarray(w * STEP * 32, (w * STEP + WINDOW) * 32), w * WINDOW * 32);
      mels.push(windows);
    }
    const total = counts.reduce((a, b) => a + b, 0);
    const all = new Float32Array(total * WINDOW * 32);
    let off = 0;
    for (const m of mels) {
      all.set(m, off);
      off += m.length;
    }
    const out = await this.emb.run({
      input_1: new ort.Tensor('float32', all, [total, WINDOW, 32, 1]),
    });
    const e = out.conv2d_19!.data as Float32Array;
    let row = 0;
    return counts.map((n) => {
      const v = new Float32Array(2 * EMB).fill(0);
      v.fill(-Infinity, EMB);
      for (let w = 0; w < n; w++, row++) {
        for (let d = 0; d < EMB; d++) {
          const x = e[row * EMB + d]!;
          v[d]! += x / n;
          if (x > v[EMB + d]!) v[EMB + d] = x;
        }
      }
      return l2normalize(v);
    });
  }

  private async melFrames(pcm: Float32Array): Promise<Float32Array> {
    // The model expects int16-scale samples, and openWakeWord rescales its output by /10 + 2.
    const x = Float32Array.from(pcm, (v) => v * 32767);
    const r = await this.mel.run({ input: new ort.Tensor('float32', x, [1, x.length]) });
    return Float32Array.from(r.output!.data as Float32Array, (v) => v / 10 + 2);
  }

  async close(): Promise<void> {
    await this.mel.release();
    await this.emb.release();
  }
}

/** Short clips are padded with silence on both sides to one full embedding window. */
function centrePad(pcm: Float32Array, min: number): Float32Array {
  if (pcm.length >= min) return pcm;
  const out = new Float32Array(min);
  out.set(pcm, Math.floor((min - pcm.length) / 2));
  return out;
}
