import { z } from 'zod';
import type { Candidate } from '../../src/domain/candidate.js';
import { ChorusError } from '../../src/errors.js';
import {
  baseline,
  BaselineConfig,
  baselinePart,
  BaselinePartConfig,
  BASELINE_KINDS,
  DEFAULT_BASELINE,
} from './baseline.js';
import { bm25, Bm25Config } from './bm25.js';
import {
  computeListStats,
  type FeatureContext,
  type ListStats,
  type PrepareInput,
  type PreparedFeature,
  type RowInput,
} from './context.js';
import { ctr, CtrConfig } from './ctr.js';
import { missingModality, MissingModalityConfig } from './missing-modality.js';
import { popularity, PopularityConfig } from './popularity.js';
import { profileSimilarity, ProfileSimilarityConfig } from './profile-similarity.js';
import { rank, RankConfig } from './rank.js';
import { similarityNormalized, SimilarityNormalizedConfig } from './similarity-normalized.js';
import { similarityRaw, SimilarityRawConfig } from './similarity-raw.js';
import { QUERY_KINDS, QUERY_MODALITIES, RANK_SOURCES } from './sources.js';

export type { FeatureContext, ListStats } from './context.js';
export type { BaselineFusion, BaselineKind } from './baseline.js';
export { BASELINE_KINDS, DEFAULT_BASELINE } from './baseline.js';
export { computeListStats } from './context.js';

/**
 * Bump when the meaning or order of features changes: a model only serves rows of its own spec version, and
 * training reads only logged rows of the running version. 2: the RRF baseline feature and per-source score
 * sharpness in the query features. 3: the baseline is the collection's preset fusion (rrf/weighted/dbsf with its
 * weights), split into per-source parts; the query features gain the baseline kind and per-source head gap and
 * agreement between lists.
 */
export const FEATURE_SPEC_VERSION = 4;

/** The single table mapping a feature `type` to its config schema. */
export const FeatureConfig = z.discriminatedUnion('type', [
  SimilarityRawConfig,
  SimilarityNormalizedConfig,
  RankConfig,
  MissingModalityConfig,
  Bm25Config,
  CtrConfig,
  PopularityConfig,
  ProfileSimilarityConfig,
  BaselineConfig,
  BaselinePartConfig,
]);
export type FeatureConfig = z.infer<typeof FeatureConfig>;

export const FeatureSpec = z
  .object({ version: z.number().int().positive(), features: z.array(FeatureConfig).min(1) })
  .strict();
export type FeatureSpec = z.infer<typeof FeatureSpec>;

function describe(c: FeatureConfig): {
  name: string;
  prepare: (p: PrepareInput) => PreparedFeature;
} {
  switch (c.type) {
    case 'similarity_raw':
      return { name: similarityRaw.name(c), prepare: (p) => similarityRaw.prepare(c, p) };
    case 'similarity_norm':
      return {
        name: similarityNormalized.name(c),
        prepare: (p) => similarityNormalized.prepare(c, p),
      };
    case 'rank':
      return { name: rank.name(c), prepare: (p) => rank.prepare(c, p) };
    case 'missing':
      return { name: missingModality.name(c), prepare: (p) => missingModality.prepare(c, p) };
    case 'bm25':
      return { name: bm25.name(), prepare: (p) => bm25.prepare(c, p) };
    case 'ctr':
      return { name: ctr.name(), prepare: (p) => ctr.prepare(c, p) };
    case 'popularity':
      return { name: popularity.name(), prepare: (p) => popularity.prepare(c, p) };
    case 'profile_sim':
      return { name: profileSimilarity.name(c), prepare: (p) => profileSimilarity.prepare(c, p) };
    case 'baseline':
      return { name: baseline.name(), prepare: (p) => baseline.prepare(c, p) };
    case 'baseline_part':
      return { name: baselinePart.name(c), prepare: (p) => baselinePart.prepare(c, p) };
  }
}

/**
 * The default spec: the baseline fusion score; per source its part of the baseline, raw/normalised similarity,
 * rank and missing flag; bm25; item priors; profile similarity.
 */
export function defaultFeatureSpec(): FeatureSpec {
  const features: z.input<typeof FeatureConfig>[] = [{ type: 'baseline' }];
  for (const source of RANK_SOURCES) {
    features.push({ type: 'baseline_part', source });
    if (source === 'bm25') {
      features.push(
        { type: 'bm25' },
        { type: 'similarity_norm', source },
        { type: 'rank', source },
      );
    } else {
      features.push(
        { type: 'similarity_raw', source },
        { type: 'similarity_norm', source },
        { type: 'rank', source },
        { type: 'missing', source },
      );
    }
  }
  features.push({ type: 'ctr' }, { type: 'popularity' });
  for (const source of RANK_SOURCES)
    if (source !== 'bm25') features.push({ type: 'profile_sim', source });
  return FeatureSpec.parse({ version: FEATURE_SPEC_VERSION, features });
}

export function featureNames(spec: FeatureSpec): string[] {
  return spec.features.map((c) => describe(c).name);
}

/**
 * Modality groups for the gate: each stage-1 source owns its similarity/rank/missing features
 * (profile similarity and item priors stay with the MLP). Returns feature indices per group, in spec order.
 */
export function modalityGroups(spec: FeatureSpec): { name: string; features: number[] }[] {
  const groups = new Map<string, number[]>();
  spec.features.forEach((c, i) => {
    // A source's baseline part belongs to the gate's reweighting of the baseline, not to its correction.
    const source =
      c.type === 'bm25'
        ? 'bm25'
        : 'source' in c && c.type !== 'profile_sim' && c.type !== 'baseline_part'
          ? c.source
          : undefined;
    if (!source) return;
    const g = groups.get(source) ?? [];
    g.push(i);
    groups.set(source, g);
  });
  return [...groups].map(([name, features]) => ({ name, features }));
}

/**
 * Query-level feature names (the gate's input): query modality flags, per-source coverage (0 = the query did not
 * use that source, which also masks it out of the gate) and the same as a 0/1 flag, query kind one-hot, per-source score shape (sharpness,
 * head gap), per-source agreement with the other lists' heads, and the baseline fusion's kind. All lie in [0, 1].
 */
export const QUERY_FEATURE_NAMES: readonly string[] = [
  ...QUERY_MODALITIES.map((m) => `query_has:${m}`),
  ...RANK_SOURCES.map((s) => `coverage:${s}`),
  ...RANK_SOURCES.map((s) => `used:${s}`),
  ...QUERY_KINDS.map((k) => `kind:${k}`),
  ...RANK_SOURCES.map((s) => `sharpness:${s}`),
  ...RANK_SOURCES.map((s) => `gap:${s}`),
  ...RANK_SOURCES.map((s) => `agreement:${s}`),
  ...BASELINE_KINDS.map((b) => `baseline:${b}`),
  ...RANK_SOURCES.map((s) => `level:${s}`),
];

export function queryFeatures(list: ListStats, ctx: FeatureContext): Float32Array {
  const out = new Float32Array(QUERY_FEATURE_NAMES.length);
  let i = 0;
  for (const m of QUERY_MODALITIES) out[i++] = ctx.queryModalities.includes(m) ? 1 : 0;
  for (const s of RANK_SOURCES) out[i++] = list.coverage.get(s) ?? 0;
  for (const s of RANK_SOURCES) out[i++] = (list.coverage.get(s) ?? 0) > 0 ? 1 : 0;
  for (const k of QUERY_KINDS) out[i++] = ctx.queryKind === k ? 1 : 0;
  for (const s of RANK_SOURCES) out[i++] = list.sharpness.get(s) ?? 0;
  for (const s of RANK_SOURCES) out[i++] = list.gap.get(s) ?? 0;
  for (const s of RANK_SOURCES) out[i++] = list.agreement.get(s) ?? 0;
  const b = (ctx.baseline ?? DEFAULT_BASELINE).fusion;
  for (const k of BASELINE_KINDS) out[i++] = b === k ? 1 : 0;
  for (const s of RANK_SOURCES)
    out[i++] = Math.min(1, Math.max(0, list.scoreRange.get(s)?.[1] ?? 0));
  return out;
}

/** The 0/1 query features (modality flags, used sources, kind, baseline kind): what weights can be tuned per. */
export const CATEGORICAL_QUERY_FEATURES: readonly number[] = QUERY_FEATURE_NAMES.flatMap((n, i) =>
  /^(query_has|used|kind|baseline):/.test(n) ? [i] : [],
);

/** Index in the query features of a source's level (its list's best raw score), -1 for a source without one. */
export function levelIndex(source: string): number {
  return QUERY_FEATURE_NAMES.indexOf(`level:${source}`);
}

/** Index in the query features of each source's coverage (the gate mask reads it). */
export function coverageIndex(source: string): number {
  return QUERY_FEATURE_NAMES.indexOf(`coverage:${source}`);
}

export interface FeatureRows {
  specVersion: number;
  names: string[];
  /** All rows in one flat buffer [n x F], row-major: what the ONNX model takes in one call. */
  data: Float32Array;
  /** One row per candidate, in the candidates' order: views into `data` (no copies). */
  rows: Float32Array[];
  queryFeatures: Float32Array;
  /** The baseline fusion score of each candidate in double precision (breaks float32 ties as the baseline would). */
  baselineScores: Float64Array;
}

/** The one place feature rows are built: the engine at serving time and the training-set builder both call it. */
export function buildFeatureRows(
  candidates: readonly Candidate[],
  ctx: FeatureContext,
  spec: FeatureSpec = DEFAULT_SPEC,
): FeatureRows {
  const extractors = extractorsOf(spec);
  const F = extractors.length;
  const baselineScores = new Float64Array(candidates.length);
  const list = computeListStats(candidates, ctx.baseline ?? DEFAULT_BASELINE, baselineScores);
  const rows = preparedRows(extractors, list, ctx);
  const data = new Float32Array(candidates.length * F);
  const views: Float32Array[] = new Array<Float32Array>(candidates.length);
  for (let i = 0; i < candidates.length; i++) {
    const o = i * F;
    rows.fill(candidates[i]!, baselineScores[i]!, data, o);
    views[i] = data.subarray(o, o + F);
  }
  return {
    specVersion: spec.version,
    names: extractors.map((e) => e.name),
    data,
    rows: views,
    queryFeatures: queryFeatures(list, ctx),
    baselineScores,
  };
}

/**
 * The rows of the chosen candidates only (`pick`: indices into `candidates`), with list statistics and query features
 * over the whole list: the same values buildFeatureRows gives those candidates. The impression log needs the shown
 * ten of a few hundred candidates.
 */
export function buildFeatureRowsFor(
  candidates: readonly Candidate[],
  pick: readonly number[],
  ctx: FeatureContext,
  spec: FeatureSpec = DEFAULT_SPEC,
): { rows: Float32Array[]; queryFeatures: Float32Array } {
  const extractors = extractorsOf(spec);
  const baselineScores = new Float64Array(candidates.length);
  const list = computeListStats(candidates, ctx.baseline ?? DEFAULT_BASELINE, baselineScores);
  const prepared = preparedRows(extractors, list, ctx);
  const F = extractors.length;
  const rows = pick.map((i) => {
    const row = new Float32Array(F);
    prepared.fill(candidates[i]!, baselineScores[i]!, row, 0);
    return row;
  });
  return { rows, queryFeatures: queryFeatures(list, ctx) };
}

/**
 * The spec's extractors prepared for one list: `fill` writes a candidate's row at `out[o..o+F)`, given its baseline
 * score (computeListStats gives them). Each source the spec reads is looked up once per candidate, not once per
 * feature reading it.
 */
function preparedRows(
  extractors: readonly Extractor[],
  list: ListStats,
  ctx: FeatureContext,
): { fill: (c: Candidate, baseline: number, out: Float32Array, o: number) => void } {
  const sources: string[] = [];
  const slot = (source: string) => {
    const k = sources.indexOf(source);
    return k >= 0 ? k : sources.push(source) - 1;
  };
  const fns = extractors.map((e) => e.prepare({ list, ctx, slot }));
  const row: RowInput = { candidate: undefined as unknown as Candidate, hits: [], baseline: 0 };
  const F = fns.length;
  return {
    fill(c, baseline, out, o) {
      row.candidate = c;
      row.baseline = baseline;
      for (let k = 0; k < sources.length; k++) row.hits[k] = c.sources[sources[k]!];
      for (let f = 0; f < F; f++) out[o + f] = fns[f]!(row);
    },
  };
}

type Extractor = ReturnType<typeof describe>;

function extractorsOf(spec: FeatureSpec): Extractor[] {
  if (spec.version !== FEATURE_SPEC_VERSION) {
    throw new ChorusError(
      'CONFLICT',
      `feature spec version ${spec.version} is not the running version ${FEATURE_SPEC_VERSION}`,
    );
  }
  return spec === DEFAULT_SPEC ? DEFAULT_EXTRACTORS : spec.features.map(describe);
}

const DEFAULT_SPEC = defaultFeatureSpec();
const DEFAULT_EXTRACTORS = DEFAULT_SPEC.features.map(describe);

/** Impressions log the query-level features under this key of `features`, beside one row per item id. */
export { QUERY_FEATURES_KEY } from '../../src/domain/clickthrough.js';
