import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

// The layer rule lives in eslint.config.js (CI runs `npm run lint`); this checks that it still fires, so a broken
// rule cannot pass silently.
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const eslint = new ESLint({ cwd: ROOT });

async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return result!.messages.filter((m) => m.ruleId === 'layers/imports').map((m) => m.message);
}

describe('layer rule (eslint.config.js)', () => {
  it('keeps rerankers/ and indexers/ off the engine, API, storage, jobs and each other', async () => {
    const code = [
      "import { Engine } from '../src/engine/engine.js';",
      "import { openChorusDb } from '../src/storage/index.js';",
      "import { encode } from '../indexers/registry.js';",
      "import { helper } from '../bench/latency.js';",
      'export const all = [Engine, openChorusDb, encode, helper];',
    ].join('\n');
    const errors = await layerErrors('rerankers/probe.ts', code);
    expect(errors).toHaveLength(4);
    expect(errors[0]).toMatch(/not src\/engine/);
    expect(errors[1]).toMatch(/not src\/storage/);
    expect(errors[2]).toMatch(/does not import indexers\//);
    expect(errors[3]).toMatch(/never imports bench\//);
    const fromIndexers = await layerErrors(
      'indexers/probe.ts',
      "export { ChorusConfig } from '../src/config.js';",
    );
    expect(fromIndexers).toEqual([expect.stringMatching(/not src\/config\.js/)]);
  });

  it('lets them use src/domain, src/onnx, src/errors and their own folder', async () => {
    const code = [
      "import type { Candidate } from '../../src/domain/candidate.js';",
      "import { openSession } from '../../src/onnx/session.js';",
      "import { ChorusError } from '../../src/errors.js';",
      "import { Rng } from '../random.js';",
      'export const all = [openSession, ChorusError, Rng];',
      'export type C = Candidate;',
    ].join('\n');
    expect(await layerErrors('rerankers/model/probe.ts', code)).toEqual([]);
  });

  it('keeps src/domain pure and the engine off the outer layers', async () => {
    expect(
      await layerErrors(
        'src/domain/probe.ts',
        "import { x } from '../stores/vector-store.js';\nexport const y = x;",
      ),
    ).toHaveLength(1);
    expect(
      await layerErrors(
        'src/engine/probe.ts',
        "const m = await import('../api/app.js');\nexport const y = m;",
      ),
    ).toEqual([expect.stringMatching(/never imports src\/api/)]);
    // The lexical index is reached through its port in src/domain, not the BM25 implementation.
    expect(
      await layerErrors(
        'src/engine/probe.ts',
        "import type { Bm25Index } from '../lexical/bm25-index.js';\nexport type L = Bm25Index;",
      ),
    ).toEqual([expect.stringMatching(/never imports src\/lexical/)]);
    expect(
      await layerErrors(
        'src/engine/probe.ts',
        "import type { LexicalIndex } from '../domain/lexical.js';\nexport type L = LexicalIndex;",
      ),
    ).toEqual([]);
    // Feedback too: the engine reads the state and ingests events through src/domain/feedback-port.ts.
    expect(
      await layerErrors(
        'src/engine/probe.ts',
        "import { ingestFeedback } from '../feedback/ingest.js';\nexport const i = ingestFeedback;",
      ),
    ).toEqual([expect.stringMatching(/never imports src\/feedback/)]);
    expect(
      await layerErrors(
        'src/engine/probe.ts',
        "import type { FeedbackStatePort } from '../domain/feedback-port.js';\nexport type S = FeedbackStatePort;",
      ),
    ).toEqual([]);
    // src/bench is product code (the `chorus bench` commands), not the top-level bench/ folder.
    expect(
      await layerErrors(
        'src/cli/commands/probe.ts',
        "import { run } from '../../bench/beir-run.js';\nexport const r = run;",
      ),
    ).toEqual([]);
  });
});
