import type { Candidate, RankedHit } from '../src/domain/candidate.js';
import { buildFeatureRows } from './features/index.js';
import type { QueryKind } from './features/sources.js';
import { DbsfReranker } from './fusion/dbsf.js';
import { RrfReranker } from './fusion/rrf.js';
import { WeightedReranker } from './fusion/weighted.js';
import { interleaveVersionTag, teamDraftInterleave } from './interleaving.js';
import type { OnnxReranker } from './onnx-reranker.js';
import { Rng } from './random.js';
import type { Reranker, RerankContext } from './reranker.js';

/** A promotion or rollback that changed which model serves a collection. */
export interface PromotionChange {
  collection: string;
  action: 'promote' | 'rollback';
  version: string | null;
}

/** What the live reranker needs of a model registry (src/model-registry/registry.ts is the one Chorus wires in). */
export interface PromotedModels {
  promotedCollections(): string[];
  promoted(collection: string): { version: string } | undefined;
  openReranker(collection: string, version: string): Promise<OnnxReranker>;
  /** Subscribes to promotions and rollbacks made through this registry; returns the unsubscribe. */
  onChange(listener: (c: PromotionChange) => void | Promise<void>): () => void;
}

export interface LiveRerankerOptions {
  /** Share of traffic (0..1) that interleaves the promoted model with the collection's challenger. */
  interleaveShare?: number;
  seed?: number;
  /** How often to look for promotions made by another process (ms; 0 = never). */
  pollMs?: number;
  log?: (line: string) => void;
}

/**
 * The engine's `model` ranker: holds the promoted ONNX model of each collection and swaps it in place when the
 * registry promotes or rolls back (no restart). Without a promoted model it answers with RRF and says so in the
 * explanation. With a challenger set, `interleaveShare` of requests get a team-draft interleaving of both.
 */
export class LiveReranker implements Reranker {
  readonly name = 'model';
  private readonly serving = new Map<string, OnnxReranker>();
  private readonly challengers = new Map<string, OnnxReranker>();
  /** Without a promoted model the collection's baseline fusion serves (RRF without a preset). */
  private readonly fallbacks = {
    rrf: new RrfReranker(),
    weighted: new WeightedReranker(),
    dbsf: new DbsfReranker(),
  };
  private readonly rng: Rng;
  private lastVersion = 'rrf';
  private unsubscribe?: () => void;
  private poll?: ReturnType<typeof setInterval>;

  constructor(
    private readonly registry: PromotedModels,
    private readonly o: LiveRerankerOptions = {},
  ) {
    this.rng = new Rng(o.seed ?? Date.now());
  }

  private ready: Promise<void> = Promise.resolve();

  /** Promoted versions that could not be opened (e.g. a model format from before an upgrade), per collection. */
  private readonly unservable = new Map<string, string>();

  /**
   * Loads every collection's promoted model and follows registry changes from now on. A promoted model that cannot
   * be opened is reported and skipped: that collection serves its baseline rather than failing every search.
   */
  async start(): Promise<this> {
    this.unsubscribe ??= this.registry.onChange((ch) => this.onChange(ch));
    this.ready = (async () => {
      for (const c of this.registry.promotedCollections())
        await this.reload(c).catch((e: unknown) =>
          this.o.log?.(`collection ${c}: promoted model not served: ${(e as Error).message}`),
        );
    })();
    await this.ready;
    // Promotions from another process (the CLI) land in the shared SQLite registry: poll it cheaply.
    const every = this.o.pollMs ?? 3000;
    if (every > 0 && !this.poll) {
      this.poll = setInterval(
        () =>
          void this.sync().catch((e: unknown) =>
            this.o.log?.(`model sync failed: ${(e as Error).message}`),
          ),
        every,
      );
      this.poll.unref();
    }
    return this;
  }

  /** Reloads any collection whose promoted version differs from the one being served. */
  async sync(): Promise<void> {
    const collections = new Set([...this.registry.promotedCollections(), ...this.serving.keys()]);
    for (const c of collections) {
      const promoted = this.registry.promoted(c)?.version;
      // A version that failed to open is not retried every poll; a new promotion (or rollback) is.
      if (promoted !== undefined && this.unservable.get(c) === promoted) continue;
      if (promoted !== this.serving.get(c)?.version) await this.reload(c);
    }
  }

  /** Version of the model that answered the last request ('rrf' when none); hits carry their own. */
  get version(): string {
    return this.lastVersion;
  }

  versionFor(collection: string): string | undefined {
    return this.serving.get(collection)?.version;
  }

  executionProviderFor(collection: string): string | undefined {
    return this.serving.get(collection)?.executionProvider;
  }

  async setChallenger(collection: string, version: string | undefined): Promise<void> {
    const old = this.challengers.get(collection);
    if (version)
      this.challengers.set(collection, await this.registry.openReranker(collection, version));
    else this.challengers.delete(collection);
    await old?.close();
  }

  async rerank(candidates: Candidate[], ctx: RerankContext): Promise<RankedHit[]> {
    await this.ready;
    const model = this.pick(ctx.collection);
    if (!model) {
      const fallback = this.fallbacks[ctx.baseline?.fusion ?? 'rrf'];
      this.lastVersion = fallback.version;
      // Log the feature rows even while no model serves: they are what the first model trains on.
      const fr =
        ctx.features ??
        buildFeatureRows(candidates, {
          queryKind: ctx.queryKind as QueryKind,
          queryModalities: ctx.queryModalities,
          baseline: ctx.baseline,
        });
      const rowOf = new Map(candidates.map((c, i) => [c.id, fr.rows[i]!]));
      const queryFeatures = Array.from(fr.queryFeatures);
      const hits = await fallback.rerank(candidates, ctx);
      const shown = ctx.limit ?? hits.length;
      // Rows are copied for the shown hits only (they are what the impression logs).
      return hits.map((h, i) =>
        i < shown
          ? {
              ...h,
              features: Array.from(rowOf.get(h.id) ?? []),
              queryFeatures,
              explanation: { ...h.explanation, ranker: fallback.version },
            }
          : { ...h, explanation: { ...h.explanation, ranker: fallback.version } },
      );
    }
    const challenger = ctx.collection ? this.challengers.get(ctx.collection) : undefined;
    const share = this.o.interleaveShare ?? 0;
    if (challenger && share > 0 && this.rng.next() < share) {
      const [a, b] = await Promise.all([
        model.rerank(candidates, ctx),
        challenger.rerank(candidates, ctx),
      ]);
      const { hits, teams } = teamDraftInterleave(a, b, this.rng);
      const tag = interleaveVersionTag(model.version, challenger.version, teams);
      this.lastVersion = tag;
      return hits.map((h) => ({ ...h, explanation: { ...h.explanation, ranker: tag } }));
    }
    this.lastVersion = model.version;
    return model.rerank(candidates, ctx);
  }

  async close(): Promise<void> {
    this.unsubscribe?.();
    if (this.poll) clearInterval(this.poll);
    for (const r of [...this.serving.values(), ...this.challengers.values()]) await r.close();
    this.serving.clear();
    this.challengers.clear();
  }

  private pick(collection: string | undefined): OnnxReranker | undefined {
    if (collection) return this.serving.get(collection);
    // Without a collection in the context, a single served model is unambiguous.
    return this.serving.size === 1 ? [...this.serving.values()][0] : undefined;
  }

  private async onChange(ch: PromotionChange): Promise<void> {
    try {
      await this.reload(ch.collection);
    } catch (e) {
      this.o.log?.(
        `collection ${ch.collection}: promoted model not served: ${(e as Error).message}`,
      );
      return;
    }
    this.o.log?.(
      `collection ${ch.collection}: ${ch.action} -> serving ${this.versionFor(ch.collection) ?? 'baseline (rrf)'}`,
    );
  }

  private reloads: Promise<void> = Promise.resolve();

  /** Reloads run one at a time (a registry event and a poll may race), each against the registry's state then. */
  private reload(collection: string): Promise<void> {
    const next = this.reloads.then(() => this.reloadNow(collection));
    this.reloads = next.catch(() => {});
    return next;
  }

  /** Opens the promoted version first, then swaps the reference: requests in flight finish on the old one. */
  private async reloadNow(collection: string): Promise<void> {
    const rec = this.registry.promoted(collection);
    const old = this.serving.get(collection);
    if (rec) {
      if (old?.version === rec.version) return;
      try {
        this.serving.set(collection, await this.registry.openReranker(collection, rec.version));
        this.unservable.delete(collection);
      } catch (e) {
        // Never keep serving a model the registry no longer promotes: fall back to the baseline.
        this.unservable.set(collection, rec.version);
        this.serving.delete(collection);
        if (old) setTimeout(() => void old.close().catch(() => {}), 5_000).unref();
        throw e;
      }
    } else this.serving.delete(collection);
    // Give in-flight requests on the old session a moment before releasing it.
    if (old) setTimeout(() => void old.close().catch(() => {}), 5_000).unref();
  }
}
