import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { COLLECTION_NAME_PATTERN, MODEL_VERSION_PATTERN } from '../domain/names.js';
import { ChorusError } from '../errors.js';
import { clickthroughsOfQueries } from '../feedback/training-set.js';
import type { ChorusDb, ModelRecord } from '../storage/index.js';
import { FEATURE_SPEC_VERSION } from '../../rerankers/features/index.js';
import { FusionModel, type ModelJSON } from '../../rerankers/model/fusion-model.js';
import { assertServableNumbers } from '../../rerankers/finite-check.js';
import { exportFusionModelToOnnx } from '../../rerankers/onnx-export.js';
import { OnnxReranker } from '../../rerankers/onnx-reranker.js';
import type { ExecutionProvider } from '../onnx/session.js';
import {
  fitFromLogs,
  fitInWorkerThread,
  type FitRequest,
  type FitResult,
} from './fit-from-logs.js';
import {
  compareWithServing,
  judge,
  type PromotionComparison,
} from '../../rerankers/promotion-guard.js';
import type { HeldOutComparison } from '../../rerankers/train-from-logs.js';
import type { PromotedModels, PromotionChange } from '../../rerankers/live-reranker.js';

export interface RegistryOptions {
  db: ChorusDb;
  dataDir: string;
  executionProviders?: ExecutionProvider[];
  log?: (line: string) => void;
}

export type RegistryChange = PromotionChange;

export interface TrainRequest extends FitRequest {
  version?: string;
  notes?: string;
}

/**
 * Model versions per collection: artifacts under `<dataDir>/models/<collection>/<version>/` (model.onnx,
 * model.json, metrics.json), records in the SQLite `models` table. Promote/rollback notify listeners
 * (the LiveReranker) so serving swaps models without a restart.
 */
export class ModelRegistry implements PromotedModels {
  private readonly listeners = new Set<(c: RegistryChange) => void | Promise<void>>();

  constructor(private readonly o: RegistryOptions) {}

  artifactDir(collection: string, version: string): string {
    // Both names become folders: the shared rules keep `..` and separators out, whoever called.
    if (!COLLECTION_NAME_PATTERN.test(collection) || !MODEL_VERSION_PATTERN.test(version)) {
      throw new ChorusError(
        'VALIDATION',
        `not a valid collection/version name: ${JSON.stringify(collection)}/${JSON.stringify(version)}`,
      );
    }
    return path.join(this.o.dataDir, 'models', collection, version);
  }

  /** Trains on the collection's logged feedback in this thread (CLI), saves the artifacts, registers a candidate. */
  train(req: TrainRequest): ModelRecord {
    this.checkBeforeFit(req);
    return this.register(req, fitFromLogs(this.o.db, req));
  }

  /** The same, with the fit in a worker thread so a serving process keeps answering while it trains. */
  async trainInBackground(
    req: TrainRequest,
    opts: { signal?: AbortSignal } = {},
  ): Promise<ModelRecord> {
    this.checkBeforeFit(req);
    const fit = await fitInWorkerThread(this.o.dataDir, req, opts.signal);
    // A cancel that lands while the result crosses back still registers nothing.
    if (opts.signal?.aborted)
      throw new ChorusError('CONFLICT', 'training was cancelled', { cancelled: true });
    return this.register(req, fit);
  }

  /** The cheap refusals, before minutes of fitting: names that would make bad folders, a version already taken. */
  private checkBeforeFit(req: TrainRequest): void {
    if (req.version !== undefined) this.artifactDir(req.collection, req.version);
    else if (!COLLECTION_NAME_PATTERN.test(req.collection))
      throw new ChorusError(
        'VALIDATION',
        `not a valid collection name: ${JSON.stringify(req.collection)}`,
      );
    if (req.version !== undefined && this.o.db.models.get(req.collection, req.version)) {
      throw new ChorusError('CONFLICT', `model ${req.collection}/${req.version} already exists`);
    }
  }

  private register(req: TrainRequest, fit: FitResult): ModelRecord {
    assertServableNumbers(fit.model, fit.metrics.propensities);
    const model = FusionModel.fromJSON(fit.model);
    const record = this.o.db.models.register({
      collection: req.collection,
      version: req.version,
      metrics: fit.metrics,
      featureSpec: model.meta.featureSpec as Record<string, unknown>,
      trainedFrom: fit.trainedFrom,
      trainedTo: fit.trainedTo,
      notes: req.notes,
    });
    const dir = this.artifactDir(req.collection, record.version);
    mkdirSync(dir, { recursive: true });
    model.meta.version = record.version;
    writeFileSync(
      path.join(dir, 'model.onnx'),
      exportFusionModelToOnnx(model, {
        'chorus.version': record.version,
        'chorus.featureSpecVersion': String(FEATURE_SPEC_VERSION),
      }),
    );
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify(model.toJSON()));
    writeFileSync(path.join(dir, 'metrics.json'), JSON.stringify(fit.metrics, null, 2));
    // The guard's evidence for a later promote against another model: its queries and, when cross-fitted, the fold
    // models that never saw them (held-out.ts; every impression's id then, ~40 bytes each).
    writeFileSync(
      path.join(dir, 'heldout.json'),
      JSON.stringify(
        fit.guardFolds ? { folds: fit.guardFolds } : { queryIds: fit.heldOutQueryIds },
      ),
    );
    this.o.db.raw
      .prepare('UPDATE models SET artifact_path = ? WHERE collection = ? AND version = ?')
      .run(dir, req.collection, record.version);
    this.o.log?.(
      `trained ${req.collection}/${record.version}: validation nDCG@10 ${fit.metrics.validationNdcg10.toFixed(4)} on ${fit.metrics.validationLists} lists`,
    );
    return this.o.db.models.get(req.collection, record.version)!;
  }

  list(collection?: string): ModelRecord[] {
    return this.o.db.models.list(collection);
  }

  get(collection: string, version: string): ModelRecord {
    const r = this.o.db.models.get(collection, version);
    if (!r) throw new ChorusError('NOT_FOUND', `model ${collection}/${version} does not exist`);
    return r;
  }

  /**
   * The promotion guard's comparison: the candidate vs the ranker serving the collection now, counterfactually on
   * the candidate's held-out queries. Against the baseline (no model promoted) it is the one made at training
   * time; against another model it re-reads those queries' impressions from the log.
   */
  compare(collection: string, version: string): PromotionComparison {
    const rec = this.get(collection, version);
    const heldOut = rec.metrics.heldOut as HeldOutComparison | undefined;
    if (!heldOut) {
      const none = { estimate: 0, low: 0, high: 0 };
      const c: HeldOutComparison = {
        metric: 'ips-clicks@10',
        queries: 0,
        impressions: 0,
        candidate: none,
        baseline: { ranker: 'rrf', ...none },
        difference: none,
      };
      return judge(version, c, { ranker: 'rrf', version: null });
    }
    const serving = this.promoted(collection);
    if (!serving || serving.version === version)
      return judge(version, heldOut, { ranker: heldOut.baseline.ranker, version: null });
    const model = this.loadModel(collection, version);
    const servingModel = this.loadModel(collection, serving.version);
    const dir = rec.artifactPath ?? this.artifactDir(collection, version);
    const file = path.join(dir, 'heldout.json');
    const stored = existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as {
          queryIds?: string[];
          folds?: { queryIds: string[]; model: ModelJSON }[];
        })
      : {};
    // Stored events keep their envelope: only the server's own (or validated) rows are compared on, as in training.
    const events = this.o.db.events.iteratePacked({
      collection,
      from: rec.trainedFrom ?? undefined,
      to: rec.trainedTo === null ? undefined : rec.trainedTo + 1,
    });
    return compareWithServing(
      {
        version,
        model,
        heldOutQueryIds: stored.queryIds ?? [],
        queries: heldOut.queries,
        ...(stored.folds
          ? {
              folds: stored.folds.map((f) => ({
                queryIds: f.queryIds,
                model: FusionModel.fromJSON(f.model),
              })),
            }
          : {}),
      },
      { version: serving.version, model: servingModel },
      (keep) => clickthroughsOfQueries(events, keep),
    );
  }

  /**
   * Serves `version` after the promotion guard: refused (PROMOTION_REFUSED, 409, with both estimates) unless the
   * candidate beats the serving ranker on held-out queries; `force` overrides and is recorded in the history.
   */
  async promote(
    collection: string,
    version: string,
    opts: { force?: boolean } = {},
  ): Promise<{ previous: string | null; forced: boolean; comparison: PromotionComparison }> {
    this.loadModel(collection, version); // refuse to promote what cannot be served
    const comparison = this.compare(collection, version);
    if (!comparison.better && !opts.force) {
      const c = comparison;
      throw new ChorusError(
        'PROMOTION_REFUSED',
        `model ${collection}/${version} is not better than the serving ${c.serving.version ?? c.serving.ranker} on ${c.queries} held-out queries ` +
          `(${c.metric}: candidate ${c.candidate.estimate.toFixed(4)} [${c.candidate.low.toFixed(4)}, ${c.candidate.high.toFixed(4)}], ` +
          `serving ${c.serving.estimate.toFixed(4)} [${c.serving.low.toFixed(4)}, ${c.serving.high.toFixed(4)}])` +
          `${c.outlook ? `; ${c.outlook.message}` : ''}; promote with force to override`,
        comparison,
      );
    }
    const forced = !comparison.better;
    const r = this.o.db.models.promote(collection, version, Date.now(), {
      forced,
      details: { ...comparison },
    });
    await this.emit({ collection, action: 'promote', version });
    return { previous: r.previous, forced, comparison };
  }

  async rollback(collection: string): Promise<{ from: string | null; to: string | null }> {
    const r = this.o.db.models.rollback(collection);
    await this.emit({ collection, action: 'rollback', version: r.to });
    return r;
  }

  promoted(collection: string): ModelRecord | undefined {
    return this.o.db.models.promoted(collection);
  }

  /** Collections that have a promoted model now. */
  promotedCollections(): string[] {
    return [
      ...new Set(
        this.o.db.models
          .list()
          .filter((m) => m.status === 'promoted')
          .map((m) => m.collection),
      ),
    ];
  }

  loadModel(collection: string, version: string): FusionModel {
    const rec = this.get(collection, version);
    const dir = rec.artifactPath ?? this.artifactDir(collection, version);
    const file = path.join(dir, 'model.json');
    if (!existsSync(file))
      throw new ChorusError(
        'MODEL_MISSING',
        `model ${collection}/${version} has no artifacts in its model folder`,
      );
    return FusionModel.fromJSON(JSON.parse(readFileSync(file, 'utf8')) as ModelJSON);
  }

  /** Opens a version for serving through ONNX Runtime. */
  async openReranker(collection: string, version: string): Promise<OnnxReranker> {
    const model = this.loadModel(collection, version);
    const dir = this.get(collection, version).artifactPath ?? this.artifactDir(collection, version);
    return OnnxReranker.create({
      version,
      onnx: path.join(dir, 'model.onnx'),
      model,
      executionProviders: this.o.executionProviders,
      log: this.o.log,
    });
  }

  onChange(listener: (c: RegistryChange) => void | Promise<void>): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private async emit(c: RegistryChange): Promise<void> {
    for (const l of this.listeners) await l(c);
  }
}
