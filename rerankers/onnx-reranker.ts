import { rankOrder } from './rank-order.js';
import type * as ortTypes from 'onnxruntime-node';
import type { Candidate, Explanation, RankedHit } from '../src/domain/candidate.js';
import { openSession, ort, type ExecutionProvider } from '../src/onnx/session.js';
import { DEFAULT_BASELINE, type BaselineFusion } from './features/baseline.js';
import { weightOf } from './fusion/explain.js';
import {
  buildFeatureRows,
  defaultFeatureSpec,
  FeatureSpec,
  QUERY_FEATURE_NAMES,
  type FeatureRows,
} from './features/index.js';
import type { QueryKind } from './features/sources.js';
import type { FusionModel } from './model/fusion-model.js';
import { ONNX_IO } from './onnx-export.js';
import type { Reranker, RerankContext } from './reranker.js';

export interface OnnxRerankerOptions {
  version: string;
  /** model.onnx bytes or path. */
  onnx: Uint8Array | string;
  /** The trained model (shape, names, feature spec in meta) the ONNX graph was exported from. */
  model: FusionModel;
  executionProviders?: ExecutionProvider[];
  /**
   * ONNX Runtime threads per call (default 1): the model is tiny, a server runs many requests at once, and on a
   * small shared machine handing each call to a thread pool costs more than it saves (bench/rerank-speed).
   */
  intraOpThreads?: number;
  log?: (line: string) => void;
}

export interface RowScores {
  scores: Float32Array;
  /** Per-group scores [n x G]. */
  groupScores?: Float32Array;
  /** The gate [G] (0 for sources the query did not use). */
  gate?: Float32Array;
  /** The bounded residual term [n]. */
  residual?: Float32Array;
  /** Per group: the gate's multiplier of that source's baseline part [G]. */
  reweight?: Float32Array;
  /** Per group: e^v, one more than the weight of that source's normalised score beside the baseline [G]. */
  scoreWeight?: Float32Array;
}

/**
 * The learned fusion reranker served through ONNX Runtime. Providers are tried in order (cuda, then cpu);
 * the one that started is recorded in `executionProvider`. One ONNX call scores every candidate from one flat
 * feature buffer; explanations and logged feature rows are built for the shown `limit` only.
 */
export class OnnxReranker implements Reranker {
  readonly name = 'model';

  private constructor(
    readonly version: string,
    private readonly session: ortTypes.InferenceSession,
    readonly executionProvider: ExecutionProvider,
    readonly model: FusionModel,
    private readonly spec: FeatureSpec,
  ) {
    const names = model.shape.queryFeatureNames;
    this.queryPick =
      names.length === QUERY_FEATURE_NAMES.length &&
      names.every((n, i) => n === QUERY_FEATURE_NAMES[i])
        ? undefined
        : Int32Array.from(names, (n) => QUERY_FEATURE_NAMES.indexOf(n));
  }

  /**
   * Where each of the model's query features sits among the running code's, by name; undefined when the lists are
   * the same. A model trained before query features were added (the level, spec 4) keeps serving.
   */
  private readonly queryPick: Int32Array | undefined;

  /** The running code's query features in the model's own order (0 for a feature this code no longer has). */
  private modelQuery(q: Float32Array): Float32Array | undefined {
    if (q.length !== QUERY_FEATURE_NAMES.length) return undefined;
    const pick = this.queryPick;
    return pick ? Float32Array.from(pick, (i) => (i >= 0 ? q[i]! : 0)) : q;
  }

  static async create(o: OnnxRerankerOptions): Promise<OnnxReranker> {
    const providers = o.executionProviders?.length
      ? o.executionProviders
      : (['cuda', 'cpu'] as ExecutionProvider[]);
    let lastError: unknown;
    for (const provider of providers) {
      try {
        const session = await openSession(o.onnx, {
          executionProviders: [provider],
          intraOpThreads: o.intraOpThreads ?? 1,
        });
        const spec = o.model.meta.featureSpec
          ? FeatureSpec.parse(o.model.meta.featureSpec)
          : defaultFeatureSpec();
        return new OnnxReranker(o.version, session, provider, o.model, spec);
      } catch (e) {
        lastError = e;
        o.log?.(
          `reranker ${o.version}: execution provider ${provider} unavailable (${String((e as Error).message).split('\n')[0]})`,
        );
      }
    }
    throw lastError;
  }

  /** Raw scoring of feature rows (a flat [n x F] buffer or one row per item) in one ONNX call. */
  async scoreRows(
    rows: Float32Array | readonly ArrayLike<number>[],
    query?: ArrayLike<number>,
  ): Promise<RowScores> {
    const { F, Q, G, H } = this.model.o;
    let flat: Float32Array;
    if (rows instanceof Float32Array) flat = rows;
    else {
      flat = new Float32Array(rows.length * F);
      rows.forEach((r, i) => flat.set(r, i * F));
    }
    const n = flat.length / F;
    const feeds: Record<string, ortTypes.Tensor> = {
      [ONNX_IO.features]: new ort.Tensor('float32', flat, [n, F]),
    };
    if (G > 0 && Q > 0)
      feeds[ONNX_IO.query] = new ort.Tensor(
        'float32',
        Float32Array.from(query ?? new Float32Array(Q)),
        [1, Q],
      );
    const out = await this.session.run(feeds);
    return {
      scores: out[ONNX_IO.scores]!.data as Float32Array,
      groupScores: G > 0 ? (out[ONNX_IO.groupScores]!.data as Float32Array) : undefined,
      gate: G > 0 ? (out[ONNX_IO.gate]!.data as Float32Array) : undefined,
      residual: H > 0 ? (out[ONNX_IO.residual]!.data as Float32Array) : undefined,
      reweight: out[ONNX_IO.reweight]?.data as Float32Array | undefined,
      scoreWeight: out[ONNX_IO.scoreWeight]?.data as Float32Array | undefined,
    };
  }

  async rerank(candidates: Candidate[], ctx: RerankContext): Promise<RankedHit[]> {
    if (candidates.length === 0) return [];
    const given = ctx.features;
    const fr =
      given &&
      given.specVersion === this.spec.version &&
      given.rows.length === candidates.length &&
      given.names.length === this.model.o.F
        ? given
        : buildFeatureRows(
            candidates,
            {
              queryKind: ctx.queryKind as QueryKind,
              queryModalities: ctx.queryModalities,
              baseline: ctx.baseline,
            },
            this.spec,
          );
    return this.rankRows(candidates, fr, ctx.limit, ctx.baseline);
  }

  /** Ranks candidates whose feature rows are already built; explains (and attaches rows to) the first `limit` only. */
  async rankRows(
    candidates: readonly Candidate[],
    fr: FeatureRows,
    limit = candidates.length,
    baseline = DEFAULT_BASELINE,
  ): Promise<RankedHit[]> {
    const query = this.modelQuery(fr.queryFeatures);
    const r = await this.scoreRows(fr.data, query);
    const n = candidates.length;
    // Float32 scores can tie where the baseline's double-precision scores do not: break ties by the exact
    // baseline, then by id, so an untrained model reproduces the baseline's order exactly.
    const exact = this.model.shape.baseline ? fr.baselineScores : undefined;
    const order = rankOrder(r.scores, candidates, exact);
    const queryFeatures = Array.from(fr.queryFeatures);
    const shown = Math.min(n, Math.max(0, limit));
    return order.map((i, rank): RankedHit => {
      const c = candidates[i]!;
      if (rank >= shown)
        return {
          id: c.id,
          score: r.scores[i]!,
          payload: c.payload,
          explanation: { scores: {}, shares: {}, ranker: this.version },
        };
      return {
        id: c.id,
        score: r.scores[i]!,
        payload: c.payload,
        explanation: this.explain(c, i, fr, r, baseline, query),
        features: Array.from(fr.rows[i]!),
        queryFeatures,
      };
    });
  }

  /**
   * Per used source: its reweighted part of the baseline plus its gated correction; the residual's share is
   * reported apart. `gate` is the query's weighting of the used sources: preset weight times the learned multiplier
   * of its baseline part, plus the learned weight of its normalised score, normalised. Sources the query never used
   * get no row.
   */
  private explain(
    c: Candidate,
    i: number,
    fr: FeatureRows,
    r: RowScores,
    baseline: BaselineFusion,
    /** The list's query features in the model's order (modelQuery), computed once per list. */
    query: ArrayLike<number> | undefined,
  ): Explanation {
    const groups = this.model.shape.groups;
    const G = groups.length;
    const used = this.model.usedGroups(query);
    const scores: Record<string, number> = {};
    for (const s in c.sources) scores[s] = c.sources[s]!.score;
    const b = this.model.shape.baseline;
    const wb = this.model.baselineWeight;
    const contrib: Record<string, number> = {};
    const weight: Record<string, number> = {};
    const usedNames: string[] = [];
    let weightSum = 0;
    for (let g = 0; g < G; g++) {
      if (!used[g]) continue;
      const name = groups[g]!.name;
      usedNames.push(name);
      const mult = r.reweight?.[g] ?? 1;
      const partAt = b?.parts?.[g] ?? -1;
      const scoreWeight = (r.scoreWeight?.[g] ?? 1) - 1;
      const normAt = b?.scoreParts?.[g] ?? -1;
      const fromBaseline =
        (partAt >= 0 ? wb * mult * fr.rows[i]![partAt]! : 0) +
        (normAt >= 0 ? wb * scoreWeight * fr.rows[i]![normAt]! : 0);
      contrib[name] = fromBaseline + (r.gate?.[g] ?? 0) * (r.groupScores?.[i * G + g] ?? 0);
      weight[name] = b?.parts
        ? weightOf(name, baseline.weights) * mult + scoreWeight
        : (r.gate?.[g] ?? 0);
      weightSum += weight[name];
    }
    const gate: Record<string, number> = {};
    for (const k in weight) gate[k] = weightSum > 0 ? weight[k]! / weightSum : 0;
    const residual = r.residual?.[i] ?? 0;
    let mass = 0;
    for (const k in contrib) mass += Math.abs(contrib[k]!);
    const shares: Record<string, number> = {};
    for (const k in contrib) shares[k] = mass > 0 ? Math.abs(contrib[k]!) / mass : 0;
    const total = mass + Math.abs(residual);
    const e: Explanation = {
      scores,
      shares,
      ranker: this.version,
      used: usedNames,
      gate,
      residualShare: total > 0 ? Math.abs(residual) / total : 0,
    };
    if (b) e.baseline = baseline.fusion;
    return e;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
