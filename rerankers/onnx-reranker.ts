import type * as ortTypes from 'onnxruntime-node';
import type { Candidate, RankedHit } from '../src/domain/candidate.js';
import { openSession, ort } from '../indexers/onnx-session.js';
import { buildFeatureRows, defaultFeatureSpec, FeatureSpec, QUERY_FEATURE_NAMES, type FeatureRows } from './features/index.js';
import type { QueryKind } from './features/sources.js';
import type { FusionModel } from './model/fusion-model.js';
import { ONNX_IO } from './onnx-export.js';
import type { Reranker, RerankContext } from './reranker.js';

export type ExecutionProvider = 'cuda' | 'cpu';

export interface OnnxRerankerOptions {
  version: string;
  /** model.onnx bytes or path. */
  onnx: Uint8Array | string;
  /** The trained model (shape, names, feature spec in meta) the ONNX graph was exported from. */
  model: FusionModel;
  executionProviders?: ExecutionProvider[];
  log?: (line: string) => void;
}

/**
 * The learned fusion reranker served through ONNX Runtime. Providers are tried in order (cuda, then cpu);
 * the one that started is recorded in `executionProvider`.
 */
export class OnnxReranker implements Reranker {
  readonly name = 'model';

  private constructor(
    readonly version: string,
    private readonly session: ortTypes.InferenceSession,
    readonly executionProvider: ExecutionProvider,
    readonly model: FusionModel,
    private readonly spec: FeatureSpec,
  ) {}

  static async create(o: OnnxRerankerOptions): Promise<OnnxReranker> {
    const providers = o.executionProviders?.length ? o.executionProviders : (['cuda', 'cpu'] as ExecutionProvider[]);
    let lastError: unknown;
    for (const provider of providers) {
      try {
        const session = await openSession(o.onnx, { executionProviders: [provider] });
        const spec = o.model.meta.featureSpec ? FeatureSpec.parse(o.model.meta.featureSpec) : defaultFeatureSpec();
        return new OnnxReranker(o.version, session, provider, o.model, spec);
      } catch (e) {
        lastError = e;
        o.log?.(`reranker ${o.version}: execution provider ${provider} unavailable (${String((e as Error).message).split('\n')[0]})`);
      }
    }
    throw lastError;
  }

  /** Raw scoring of feature rows: scores, per-group scores [n x G] and the gate [G]. */
  async scoreRows(rows: readonly ArrayLike<number>[], query?: ArrayLike<number>): Promise<{ scores: Float32Array; groupScores?: Float32Array; gate?: Float32Array; mlp?: Float32Array }> {
    const { F, Q, G, H } = this.model.o;
    const flat = new Float32Array(rows.length * F);
    rows.forEach((r, i) => flat.set(r, i * F));
    const feeds: Record<string, ortTypes.Tensor> = { [ONNX_IO.features]: new ort.Tensor('float32', flat, [rows.length, F]) };
    if (G > 0 && Q > 0) feeds[ONNX_IO.query] = new ort.Tensor('float32', Float32Array.from(query ?? new Float32Array(Q)), [1, Q]);
    const out = await this.session.run(feeds);
    return {
      scores: out[ONNX_IO.scores]!.data as Float32Array,
      groupScores: G > 0 ? (out[ONNX_IO.groupScores]!.data as Float32Array) : undefined,
      gate: G > 0 ? (out[ONNX_IO.gate]!.data as Float32Array) : undefined,
      mlp: H > 0 ? (out[ONNX_IO.mlp]!.data as Float32Array) : undefined,
    };
  }

  async rerank(candidates: Candidate[], ctx: RerankContext): Promise<RankedHit[]> {
    if (candidates.length === 0) return [];
    const fr = buildFeatureRows(candidates, { queryKind: ctx.queryKind as QueryKind, queryModalities: ctx.queryModalities }, this.spec);
    return this.rankRows(candidates, fr);
  }

  /** Ranks candidates whose feature rows are already built (the engine logs the same rows with the impression). */
  async rankRows(candidates: readonly Candidate[], fr: FeatureRows): Promise<RankedHit[]> {
    const r = await this.scoreRows(fr.rows, fr.queryFeatures.length === QUERY_FEATURE_NAMES.length ? fr.queryFeatures : undefined);
    const groups = this.model.shape.groups.map((g) => g.name);
    const G = groups.length;
    const queryFeatures = Array.from(fr.queryFeatures);
    const hits = candidates.map((c, i): RankedHit => {
      const scores: Record<string, number> = {};
      const shares: Record<string, number> = {};
      let mass = 0;
      for (let g = 0; g < G; g++) {
        const s = r.groupScores![i * G + g]!;
        scores[groups[g]!] = s;
        mass += Math.abs((shares[groups[g]!] = r.gate![g]! * s));
      }
      if (r.mlp) {
        scores.mlp = shares.mlp = r.mlp[i]!;
        mass += Math.abs(r.mlp[i]!);
      }
      for (const k in shares) shares[k] = mass > 0 ? Math.abs(shares[k]!) / mass : 0;
      return {
        id: c.id,
        score: r.scores[i]!,
        payload: c.payload,
        explanation: { scores, shares, ranker: this.version },
        features: Array.from(fr.rows[i]!),
        queryFeatures,
      };
    });
    return hits.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
