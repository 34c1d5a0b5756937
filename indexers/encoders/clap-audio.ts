import {
  AutoProcessor,
  ClapAudioModelWithProjection,
  Tensor,
  type PreTrainedModel,
  type Processor,
} from '@huggingface/transformers';
import { encodeInBatches } from '../batching.js';
import { decodeAudio } from '../decoders/audio.js';
import type { SileroVad } from '../decoders/vad.js';
import type { EncodeResult, Encoder, EncoderInput } from '../encoder.js';
import { loadPretrained, type ModelSettings, recordedModelId } from '../model-source.js';
import { normalizedRows } from '../vector-math.js';

export interface AudioEncoderOptions {
  maxSeconds: number;
  batchSize?: number;
  decodeConcurrency?: number;
  trim?: 'energy' | 'vad' | 'none';
  vad?: SileroVad;
}

/**
 * CLAP audio tower (default Xenova/clap-htsat-unfused): audio bytes -> `audio` vector (`audio_embeds`,
 * L2-normalised). Audio is decoded to mono at the model's rate (48 kHz), trimmed, and cut to the model's
 * window (10 s, from the start, with a note) so the feature extractor never takes its random crop.
 */
export class ClapAudioEncoder implements Encoder {
  readonly modality = 'audio' as const;
  readonly vectorName = 'audio';
  dim = 0;
  /** Notes from the last encode call (e.g. audio cut to the model window), one list per input. */
  lastNotes: string[][] = [];

  private constructor(
    readonly modelId: string,
    private readonly processor: Processor,
    private readonly model: PreTrainedModel,
    private readonly sampleRate: number,
    private readonly windowSeconds: number,
    private readonly opts: AudioEncoderOptions & { batchSize: number; decodeConcurrency: number },
  ) {}

  static async load(
    modelId: string,
    settings: ModelSettings,
    opts: AudioEncoderOptions,
  ): Promise<ClapAudioEncoder> {
    const processor = await loadPretrained(modelId, settings, (src, o) =>
      AutoProcessor.from_pretrained(src, o),
    );
    const model = await loadPretrained(modelId, settings, (src, o) =>
      ClapAudioModelWithProjection.from_pretrained(src, o),
    );
    const fe =
      (processor as unknown as { feature_extractor?: { config: Record<string, number> } })
        .feature_extractor?.config ?? {};
    const rate = fe.sampling_rate ?? 48000;
    const windowSeconds = (fe.nb_max_samples ?? rate * 10) / rate;
    const enc = new ClapAudioEncoder(
      recordedModelId(modelId, settings.dtype),
      processor,
      model,
      rate,
      windowSeconds,
      { batchSize: 4, decodeConcurrency: 2, ...opts },
    );
    const probe = Float32Array.from({ length: rate }, (_, i) => 0.1 * Math.sin(i / 7));
    enc.dim = (await enc.embed([probe]))[0]!.length;
    return enc;
  }

  async encode(batch: EncoderInput[]): Promise<EncodeResult[]> {
    this.lastNotes = batch.map(() => []);
    return encodeInBatches(
      batch,
      async (input, i) => {
        if (typeof input === 'string') throw new Error('audio encoders take bytes, not text');
        const audio = await decodeAudio(input, {
          sampleRate: this.sampleRate,
          maxSeconds: this.opts.maxSeconds,
          capSeconds: this.windowSeconds,
          trim: this.opts.trim ?? 'energy',
          ...(this.opts.vad ? { vad: this.opts.vad } : {}),
        });
        this.lastNotes[i] = audio.notes;
        return audio.pcm;
      },
      (pcms) => this.embed(pcms),
      { batchSize: this.opts.batchSize, decodeConcurrency: this.opts.decodeConcurrency },
    );
  }

  async embed(pcms: Float32Array[]): Promise<Float32Array[]> {
    const feats: Tensor[] = [];
    for (const pcm of pcms)
      feats.push(((await this.processor(pcm)) as { input_features: Tensor }).input_features);
    const dims = feats[0]!.dims;
    const per = feats[0]!.data.length;
    const data = new Float32Array(per * feats.length);
    feats.forEach((f, k) => data.set(f.data as Float32Array, k * per));
    const input_features = new Tensor('float32', data, [feats.length, ...dims.slice(1)]);
    const { audio_embeds } = (await this.model({ input_features })) as { audio_embeds: Tensor };
    const [b, d] = audio_embeds.dims as [number, number];
    return normalizedRows(audio_embeds.data as Float32Array, b, d);
  }

  async close(): Promise<void> {
    await this.model.dispose();
  }
}
