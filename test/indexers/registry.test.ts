import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createEncoderRegistry } from '../../indexers/registry.js';
import { loadPretrained, modelSettingsFrom } from '../../indexers/model-source.js';
import { cudaProviderInstalled } from '../../src/onnx/session.js';
import { ChorusError } from '../../src/errors.js';
import { parseConfig } from '../../src/config.js';
import { fixtureConfig, media, vec } from './helpers.js';

const emptyDir = mkdtempSync(path.join(tmpdir(), 'chorus-no-models-'));
afterAll(() => rmSync(emptyDir, { recursive: true, force: true }));

describe('encoder registry', () => {
  it('with every model in CHORUS_MODEL_DIR: all five vectors, and query routes per kind', async () => {
    const reg = await createEncoderRegistry(fixtureConfig(), { settings: { log: () => {} } });
    try {
      expect(reg.missing).toEqual([]);
      expect(
        reg
          .vectorSpecs()
          .map((s) => `${s.vectorName}:${s.dim}:${s.modelId}`)
          .sort(),
      ).toEqual([
        'audio:512:chorus-test/tiny-clap',
        'audio_text:512:chorus-test/tiny-clap',
        'image:512:chorus-test/tiny-clip',
        'image_text:512:chorus-test/tiny-clip',
        'text:384:chorus-test/tiny-text',
      ]);
      const routes = (kind: 'text' | 'image' | 'audio') =>
        reg
          .queryRoutes(kind)
          .map((r) => `${r.encoder.vectorName}->${[...r.vectorNames].sort().join(',')}`)
          .sort();
      expect(routes('text')).toEqual([
        'audio_text->audio,audio_text',
        'image_text->image,image_text',
        'text->text',
      ]);
      expect(routes('image')).toEqual(['image->image,image_text']);
      expect(routes('audio')).toEqual(['audio->audio,audio_text']);
      expect(
        reg
          .forModality('text')
          .map((e) => e.vectorName)
          .sort(),
      ).toEqual(['audio_text', 'image_text', 'text']);
    } finally {
      await reg.close();
    }
  });

  it('offline with no models: reports each missing model with how to provide it, and falls back to what ships', async () => {
    const lines: string[] = [];
    const config = parseConfig({
      dataDir: emptyDir,
      modelDir: emptyDir,
      executionProviders: ['cpu'],
    });
    const reg = await createEncoderRegistry(config, { settings: { log: (l) => lines.push(l) } });
    try {
      expect(reg.missing.map((m) => `${m.vectorName}:${m.modelId}`).sort()).toEqual([
        'audio:Xenova/clap-htsat-unfused',
        'audio_text:Xenova/clap-htsat-unfused',
        'image:Xenova/clip-vit-base-patch32',
        'image_text:Xenova/clip-vit-base-patch32',
        'text:Xenova/all-MiniLM-L6-v2',
      ]);
      const text = reg.missing.find((m) => m.vectorName === 'text')!;
      expect(text.reason).toMatch(
        /^MODEL_MISSING: model "Xenova\/all-MiniLM-L6-v2" is not available/,
      );
      expect(text.reason).toContain(path.join(emptyDir, 'Xenova/all-MiniLM-L6-v2'));
      expect(text.reason).toMatch(/CHORUS_ALLOW_REMOTE_MODELS=true/);
      expect(
        reg
          .vectorSpecs()
          .map((s) => `${s.vectorName}:${s.modelId}:${s.dim}`)
          .sort(),
      ).toEqual(['audio:openwakeword/speech-embedding:192', 'image:chorus/colour-layout-v1:256']);
      expect(reg.queryRoutes('text')).toEqual([]); // text queries go to BM25 only
      expect(lines.join('\n')).toMatch(/lexical \(BM25\)/);
      const [a] = await reg.get('audio')!.encode([media('audio/generated/sentence-numbers.wav')]);
      expect(vec(a)).toHaveLength(192);
    } finally {
      await reg.close();
    }
  });

  it('fallbacks can be turned off, and models.audio can name the offline embedder directly', async () => {
    const config = parseConfig({
      dataDir: emptyDir,
      modelDir: emptyDir,
      executionProviders: ['cpu'],
      models: { audio: 'openwakeword/speech-embedding', enabled: ['image', 'audio'] },
    });
    const reg = await createEncoderRegistry(config, {
      fallbacks: false,
      settings: { log: () => {} },
    });
    try {
      expect(reg.available.map((e) => e.modelId)).toEqual(['openwakeword/speech-embedding']);
      expect(reg.missing.map((m) => m.vectorName).sort()).toEqual(['image', 'image_text']);
    } finally {
      await reg.close();
    }
  });

  it('loadPretrained: remote allowed but no network -> MODEL_MISSING naming the model (no hang)', async () => {
    const settings = modelSettingsFrom(parseConfig({ dataDir: emptyDir }), {
      allowRemoteModels: true,
      log: () => {},
    });
    const { AutoTokenizer } = await import('@huggingface/transformers');
    const started = Date.now();
    const err = await loadPretrained('chorus-test/does-not-exist', settings, (src, o) =>
      AutoTokenizer.from_pretrained(src, o),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ChorusError);
    expect((err as ChorusError).code).toBe('MODEL_MISSING');
    expect((err as ChorusError).message).toMatch(/chorus-test\/does-not-exist.*hub/);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('an unavailable execution provider falls back to the next one with a note', async () => {
    const lines: string[] = [];
    const settings = modelSettingsFrom(fixtureConfig({ executionProviders: ['cuda', 'cpu'] }), {
      log: (l) => lines.push(l),
    });
    const { AutoModel } = await import('@huggingface/transformers');
    const model = await loadPretrained('chorus-test/tiny-text', settings, (src, o) =>
      AutoModel.from_pretrained(src, o),
    );
    await model.dispose();
    // Without the CUDA libraries cuda is skipped up front (noted once per process); with them but no GPU it
    // fails and falls back; on a CUDA machine the first provider works and there is nothing to note.
    if (!cudaProviderInstalled())
      expect(lines.join('\n')).toMatch(
        /cuda skipped: the onnxruntime-node CUDA libraries are not installed/,
      );
    else if (lines.length)
      expect(lines[0]).toMatch(/execution provider cuda unavailable .*falling back to cpu/);
  });
});

describe('registry.itemText', () => {
  it('without speech-to-text the item text passes through unchanged', async () => {
    const config = parseConfig({
      dataDir: emptyDir,
      modelDir: emptyDir,
      executionProviders: ['cpu'],
      models: { enabled: ['text'] },
    });
    const reg = await createEncoderRegistry(config, { settings: { log: () => {} } });
    try {
      expect(reg.transcriber).toBeUndefined();
      expect(
        await reg.itemText('a red dress', media('audio/generated/sentence-red-dress.wav')),
      ).toBe('a red dress');
      expect(await reg.itemText(undefined, undefined)).toBeUndefined();
    } finally {
      await reg.close();
    }
  });

  it('a configured but missing whisper model is reported, not fatal', async () => {
    const config = parseConfig({
      dataDir: emptyDir,
      modelDir: emptyDir,
      executionProviders: ['cpu'],
      models: { enabled: ['text'], speech: 'Xenova/whisper-tiny.en' },
    });
    const reg = await createEncoderRegistry(config, { settings: { log: () => {} } });
    try {
      const speech = reg.missing.find((m) => m.modelId === 'Xenova/whisper-tiny.en');
      expect(speech?.reason).toMatch(
        /^speech-to-text: MODEL_MISSING: model "Xenova\/whisper-tiny.en" is not available/,
      );
    } finally {
      await reg.close();
    }
  });
});
