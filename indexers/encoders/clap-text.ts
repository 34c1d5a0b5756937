import { ClapTextModelWithProjection } from '@huggingface/transformers';
import type { ModelSettings } from '../model-source.js';
import { ProjectedTextEncoder } from './projected-text.js';

/** CLAP text tower (default Xenova/clap-htsat-unfused): item text -> `audio_text`; text queries -> `audio`. */
export function loadClapTextEncoder(
  modelId: string,
  settings: ModelSettings,
): Promise<ProjectedTextEncoder> {
  return ProjectedTextEncoder.load(modelId, settings, {
    vectorName: 'audio_text',
    loadModel: (src, o) => ClapTextModelWithProjection.from_pretrained(src, o),
    padToMax: false,
    chunks: { maxTokens: 128, overlap: 24 },
  });
}
