import { pipeline } from '@huggingface/transformers';
import { decodeAudio } from '../decoders/audio.js';
import { loadPretrained, type ModelSettings } from '../model-source.js';

/** What the transcriber needs from transformers.js' automatic-speech-recognition pipeline. */
type AsrPipeline = (
  audio: Float32Array,
  options?: Record<string, unknown>,
) => Promise<{ text: string } | { text: string }[]>;

/**
 * Optional speech-to-text (models.speech, e.g. Xenova/whisper-tiny.en): the transcript of an item's audio is
 * appended to its text so spoken words also reach the `text` (and `image_text`/`audio_text`) vectors.
 */
export class WhisperTranscriber {
  private constructor(
    readonly modelId: string,
    private readonly asr: AsrPipeline,
    private readonly maxSeconds: number,
  ) {}

  static async load(
    modelId: string,
    settings: ModelSettings,
    maxSeconds: number,
  ): Promise<WhisperTranscriber> {
    const asr = await loadPretrained(
      modelId,
      settings,
      (src, o) =>
        pipeline(
          'automatic-speech-recognition',
          src,
          o as Parameters<typeof pipeline>[2],
        ) as unknown as Promise<AsrPipeline>,
    );
    return new WhisperTranscriber(modelId, asr, maxSeconds);
  }

  /** Audio bytes -> transcript (long audio is transcribed in 30 s chunks with overlap). */
  async transcribe(bytes: Uint8Array): Promise<string> {
    const { pcm } = await decodeAudio(bytes, {
      sampleRate: 16000,
      maxSeconds: this.maxSeconds,
      trim: 'energy',
    });
    const out = await this.asr(pcm, { chunk_length_s: 30, stride_length_s: 5 });
    return (Array.isArray(out) ? out.map((o) => o.text).join(' ') : out.text).trim();
  }
}
