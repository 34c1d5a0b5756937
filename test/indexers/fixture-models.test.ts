import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateModels } from '../../fixtures/scripts/generate-models.js';

const committed = path.resolve(import.meta.dirname, '../../fixtures/models');

describe('fixture model generator', () => {
  const out = mkdtempSync(path.join(tmpdir(), 'chorus-models-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('regenerates byte-identical ONNX graphs and configs (deterministic)', () => {
    const written = generateModels(out);
    expect(written.filter((f) => f.endsWith('.onnx'))).toHaveLength(6);
    for (const rel of written) {
      const fresh = readFileSync(path.join(out, rel));
      const kept = readFileSync(path.join(committed, rel));
      expect(
        fresh.equals(kept),
        `${rel} differs from the committed copy: rerun fixtures/scripts/generate-models.ts`,
      ).toBe(true);
    }
  });
});
