import type { Modality } from '../src/domain/modality.js';
import { ChorusError } from '../src/errors.js';
import type { Encoder } from './encoder.js';
import { ClapAudioEncoder } from './encoders/clap-audio.js';
import { loadClapTextEncoder } from './encoders/clap-text.js';
import { ClipImageEncoder } from './encoders/clip-image.js';
import { loadClipTextEncoder } from './encoders/clip-text.js';
import { COLOUR_LAYOUT_MODEL_ID, ColourLayoutImageEncoder } from './encoders/image-colour.js';
import { OPENWAKEWORD_MODEL_ID, OpenWakeWordAudioEncoder } from './encoders/openwakeword-audio.js';
import { TransformersTextEncoder } from './encoders/text-transformers.js';
import { WhisperTranscriber } from './encoders/whisper-transcriber.js';
import { modelSettingsFrom, type EncoderConfig, type ModelSettings } from './model-source.js';

/** A configured model that could not be loaded, with the reason (e.g. MODEL_MISSING: which model, how to provide it). */
export interface MissingEncoder {
  vectorName: string;
  modelId: string;
  reason: string;
}

/** Encode the query with `encoder`, then search each of `vectorNames` (they share the encoder's embedding space). */
export interface QueryRoute {
  encoder: Encoder;
  vectorNames: string[];
}

/** What the collection schema needs to know about each vector. */
export interface VectorSpec {
  vectorName: string;
  modality: Modality;
  modelId: string;
  dim: number;
}

export interface RegistryOptions {
  /** Overrides for the model settings derived from config (log, intraOpThreads, cacheDir...). */
  settings?: Partial<ModelSettings>;
  /**
   * When CLIP or CLAP is missing, serve `image` with the colour-layout descriptor and `audio` with the offline
   * openWakeWord embedder instead (default true). Text has no model fallback: search falls back to BM25.
   */
  fallbacks?: boolean;
}

/**
 * Maps vector names to encoders, built from the configuration (EncoderConfig).
 *
 * Item side: `forModality('text')` lists the encoders that read an item's text (`text`, `image_text`,
 * `audio_text`); `forModality('image')` / `forModality('audio')` those that read its media.
 *
 * Query side: `queryRoutes(kind)` says how to encode a query of that kind and which vectors to search:
 * - text query: text encoder -> `text`; CLIP text tower -> `image`, `image_text`; CLAP text tower -> `audio`, `audio_text`
 * - image query: CLIP image tower -> `image`, `image_text` (colour-layout fallback -> `image` only)
 * - audio query: CLAP audio tower -> `audio`, `audio_text` (openWakeWord fallback -> `audio` only)
 * A route only lists vectors made by the same model as its encoder, so scores are comparable.
 */
export class EncoderRegistry {
  constructor(
    readonly available: Encoder[],
    readonly missing: MissingEncoder[],
    /** Optional speech-to-text (models.speech): transcripts feed the item's text. */
    readonly transcriber?: WhisperTranscriber,
    /** Human-readable lines on fallbacks taken, for logs and the quickstart banner. */
    readonly notes: string[] = [],
  ) {}

  /**
   * One line per missing model, its vectors together (CLIP's `image` and `image_text` fail for one reason): what
   * `serve` and `index` print (the reasons are long; one line per vector repeated them).
   */
  missingLines(): string[] {
    const byModel = new Map<string, MissingEncoder[]>();
    for (const m of this.missing) {
      const list = byModel.get(m.modelId) ?? [];
      list.push(m);
      byModel.set(m.modelId, list);
    }
    return [...byModel].map(
      ([modelId, ms]) =>
        `${ms.map((m) => m.vectorName).join(' + ')} (${modelId}) unavailable: ${ms[0]!.reason}`,
    );
  }

  get(vectorName: string): Encoder | undefined {
    return this.available.find((e) => e.vectorName === vectorName);
  }

  /** Encoders that read this modality of an item. */
  forModality(modality: Modality): Encoder[] {
    return this.available.filter((e) => e.modality === modality);
  }

  queryRoutes(kind: Modality): QueryRoute[] {
    return this.forModality(kind).map((encoder) => ({
      encoder,
      vectorNames: this.available
        .filter((e) => e.modelId === encoder.modelId)
        .map((e) => e.vectorName),
    }));
  }

  /**
   * The text to encode for an item: its own text, plus the transcript of its audio when speech-to-text is
   * configured (models.speech), so spoken words reach `text`, `image_text` and `audio_text`. A failed
   * transcription leaves the item's text as it is (the audio itself still gets its own per-item result).
   */
  async itemText(
    text: string | undefined,
    audio: Uint8Array | undefined,
  ): Promise<string | undefined> {
    if (!audio || !this.transcriber) return text;
    let transcript: string;
    try {
      transcript = await this.transcriber.transcribe(audio);
    } catch {
      return text;
    }
    if (!transcript) return text;
    return text ? `${text}\n${transcript}` : transcript;
  }

  vectorSpecs(): VectorSpec[] {
    return this.available.map((e) => ({
      vectorName: e.vectorName,
      modality: e.modality,
      modelId: e.modelId,
      dim: e.dim,
    }));
  }

  async close(): Promise<void> {
    await Promise.all(this.available.map((e) => e.close?.()));
  }
}

function reasonOf(e: unknown): string {
  return e instanceof ChorusError ? `${e.code}: ${e.message}` : String((e as Error)?.message ?? e);
}

/** Loads every enabled encoder; never throws for a missing model (it is reported in `missing`). */
export async function createEncoderRegistry(
  config: EncoderConfig,
  opts: RegistryOptions = {},
): Promise<EncoderRegistry> {
  const settings = modelSettingsFrom(config, opts.settings);
  const fallbacks = opts.fallbacks ?? true;
  const enabled = new Set(config.models.enabled);
  const { maxImagePixels, maxAudioSeconds } = config.limits;
  const available: Encoder[] = [];
  const missing: MissingEncoder[] = [];
  const notes: string[] = [];
  const sessionOpts = {
    executionProviders: settings.executionProviders,
    intraOpThreads: settings.intraOpThreads,
    log: settings.log,
  };

  const attempt = async (
    vectorNames: string[],
    modelId: string,
    load: () => Promise<Encoder[]>,
  ): Promise<boolean> => {
    try {
      available.push(...(await load()));
      return true;
    } catch (e) {
      for (const vectorName of vectorNames)
        missing.push({ vectorName, modelId, reason: reasonOf(e) });
      return false;
    }
  };

  if (enabled.has('text')) {
    const id = config.models.text;
    const ok = await attempt(['text'], id, async () => [
      await TransformersTextEncoder.load(id, settings),
    ]);
    if (!ok)
      notes.push(`text: ${id} is not available; text search uses lexical (BM25) matching only`);
  }

  if (enabled.has('image')) {
    const id = config.models.image;
    const colour = () => new ColourLayoutImageEncoder({ maxPixels: maxImagePixels });
    if (id === COLOUR_LAYOUT_MODEL_ID) available.push(colour());
    else {
      const ok = await attempt(['image', 'image_text'], id, async () => [
        await ClipImageEncoder.load(id, settings, { maxPixels: maxImagePixels }),
        await loadClipTextEncoder(id, settings),
      ]);
      if (!ok && fallbacks) {
        available.push(colour());
        notes.push(
          `image: ${id} is not available; images are matched by the colour-layout descriptor (${COLOUR_LAYOUT_MODEL_ID}), and text queries do not reach images`,
        );
      }
    }
  }

  if (enabled.has('audio')) {
    const id = config.models.audio;
    const oww = () =>
      OpenWakeWordAudioEncoder.open({ ...sessionOpts, maxSeconds: maxAudioSeconds });
    if (id === OPENWAKEWORD_MODEL_ID) await attempt(['audio'], id, async () => [await oww()]);
    else {
      const ok = await attempt(['audio', 'audio_text'], id, async () => [
        await ClapAudioEncoder.load(id, settings, { maxSeconds: maxAudioSeconds }),
        await loadClapTextEncoder(id, settings),
      ]);
      if (!ok && fallbacks) {
        const fell = await attempt(['audio'], OPENWAKEWORD_MODEL_ID, async () => [await oww()]);
        if (fell)
          notes.push(
            `audio: ${id} is not available; audio is embedded offline by ${OPENWAKEWORD_MODEL_ID} (speech-trained), and text queries do not reach audio`,
          );
      }
    }
  }

  let transcriber: WhisperTranscriber | undefined;
  if (config.models.speech) {
    const id = config.models.speech;
    try {
      transcriber = await WhisperTranscriber.load(id, settings, maxAudioSeconds);
    } catch (e) {
      missing.push({ vectorName: 'text', modelId: id, reason: `speech-to-text: ${reasonOf(e)}` });
    }
  }
  for (const line of notes) settings.log(line);
  return new EncoderRegistry(available, missing, transcriber, notes);
}
