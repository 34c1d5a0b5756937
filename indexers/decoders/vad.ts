import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openSession, ort, type SessionOptions } from '../../src/onnx/session.js';

export const SILERO_VAD_PATH = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../models/silero-vad/silero_vad.onnx',
);

const SR = 16000;
const CHUNK = 512; // 32 ms at 16 kHz
const CONTEXT = 64;

/** Silero VAD: speech probability for each 32 ms chunk of 16 kHz audio. Sequential (the model is recurrent). */
export class SileroVad {
  private constructor(private readonly session: ort.InferenceSession) {}

  static async open(opts: SessionOptions = {}): Promise<SileroVad> {
    return new SileroVad(
      await openSession(SILERO_VAD_PATH, { ...opts, intraOpThreads: opts.intraOpThreads ?? 1 }),
    );
  }

  async probabilities(pcm16k: Float32Array): Promise<Float32Array> {
    let state: ort.Tensor = new ort.Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]);
    const sr = new ort.Tensor('int64', BigInt64Array.from([BigInt(SR)]), []);
    const n = Math.floor(pcm16k.length / CHUNK);
    const probs = new Float32Array(n);
    const x = new Float32Array(CONTEXT + CHUNK);
    for (let c = 0; c < n; c++) {
      x.copyWithin(0, CHUNK); // last 64 samples of the previous input become the context
      if (c === 0) x.fill(0, 0, CONTEXT);
      x.set(pcm16k.subarray(c * CHUNK, (c + 1) * CHUNK), CONTEXT);
      const r = await this.session.run({
        input: new ort.Tensor('float32', x.slice(), [1, CONTEXT + CHUNK]),
        state,
        sr,
      });
      state = r.stateN as ort.Tensor;
      probs[c] = (r.output!.data as Float32Array)[0]!;
    }
    return probs;
  }

  /** The span (in samples) from the first to the last speech chunk, padded by 96 ms; undefined when nothing is speech. */
  async speechSpan(
    pcm16k: Float32Array,
    threshold = 0.5,
  ): Promise<{ start: number; end: number } | undefined> {
    const probs = await this.probabilities(pcm16k);
    const first = probs.findIndex((p) => p >= threshold);
    if (first < 0) return undefined;
    let last = first;
    for (let i = probs.length - 1; i > first; i--)
      if (probs[i]! >= threshold) {
        last = i;
        break;
      }
    const pad = 3 * CHUNK;
    return {
      start: Math.max(0, first * CHUNK - pad),
      end: Math.min(pcm16k.length, (last + 1) * CHUNK + pad),
    };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
