import { CLIPTextModelWithProjection } from '@huggingface/transformers';
import type { ModelSettings } from '../model-source.js';
import { ProjectedTextEncoder } from './projected-text.js';

/** CLIP text tower (default Xenova/clip-vit-base-patch32): item text -> `image_text`; text queries -> `image`. */
export function loadClipTextEncoder(
  modelId: string,
  settings: ModelSettings,
): Promise<ProjectedTextEncoder> {
  return ProjectedTextEncoder.load(modelId, settings, {
    vectorName: 'image_text',
    loadModel: (src, o) => CLIPTextModelWithProjection.from_pretrained(src, o),
    padToMax: true,
    chunks: { maxTokens: 77, overlap: 16 },
  });
}
