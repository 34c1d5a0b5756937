import { Rng } from '../random.js';

/**
 * A multimodal world in vectors, for end-to-end simulations through the engine (not a fixed candidate set):
 * items carry `text`, `image`, `audio` vectors (projections of a hidden topic vector, some modalities missing);
 * each intent is a point near a topic, with graded relevance (0..4) by closeness in the hidden space. A query
 * of an intent sends the vectors its kind reaches, each a noisy projection of the intent, and how noisy depends
 * on the kind AND on the intent (reliability varies by query, not only by kind). Fresh noise per session.
 * Item popularity is independent of relevance.
 */
export type VectorName = 'text' | 'image' | 'audio';
export type IntentKind = 'text' | 'image' | 'audio';

export interface WorldItem {
  id: string;
  payload: { title: string; popularity: number };
  vectors: Partial<Record<VectorName, number[]>>;
}

export interface Intent {
  id: string;
  kind: IntentKind;
  latent: Float64Array;
  /** Query noise per vector the intent's queries send (lower = more reliable). */
  noise: Partial<Record<VectorName, number>>;
  grades: Map<string, number>;
}

export interface VectorWorld {
  dim: number;
  items: WorldItem[];
  /** Projection per vector name from the hidden space. */
  project: Record<VectorName, Float64Array[]>;
}

export interface VectorWorldOptions {
  items?: number;
  topics?: number;
  dim?: number;
  seed?: number;
  /**
   * Standard deviation of each intent's log noise factor per vector (default 0.5): how much a modality's
   * reliability varies between queries of one kind. 0 makes reliability a function of the kind alone.
   */
  reliabilitySpread?: number;
}

const LATENT = 12;
/** Base query noise by kind and vector (the reliable modality of each kind is sharp, the others blurred). */
const BASE_NOISE: Record<IntentKind, Partial<Record<VectorName, number>>> = {
  text: { text: 0.15, image: 0.6, audio: 0.8 },
  image: { image: 0.15, text: 0.7 },
  audio: { audio: 0.15, text: 0.7 },
};

function unit(v: Float64Array): Float64Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  return v.map((x) => x / n);
}

function projectVec(P: Float64Array[], z: Float64Array, noise: number, rng: Rng): number[] {
  const out = P.map((row) => row.reduce((a, w, j) => a + w * z[j]!, 0) + rng.normal() * noise);
  const n = Math.sqrt(out.reduce((a, x) => a + x * x, 0)) || 1;
  return out.map((x) => x / n);
}

export class VectorWorldGen {
  readonly world: VectorWorld;
  private readonly latents: Float64Array[];
  private readonly centers: Float64Array[];
  private readonly spread: number;

  constructor(o: VectorWorldOptions = {}) {
    const rng = new Rng(o.seed ?? 1);
    this.spread = o.reliabilitySpread ?? 0.5;
    const dim = o.dim ?? 16;
    const nItems = o.items ?? 1500;
    const topics = o.topics ?? 40;
    this.centers = Array.from({ length: topics }, () =>
      unit(Float64Array.from({ length: LATENT }, () => rng.normal())),
    );
    const project = Object.fromEntries(
      (['text', 'image', 'audio'] as const).map((m) => [
        m,
        Array.from({ length: dim }, () =>
          Float64Array.from({ length: LATENT }, () => rng.normal() / Math.sqrt(LATENT)),
        ),
      ]),
    ) as Record<VectorName, Float64Array[]>;
    this.latents = [];
    const items: WorldItem[] = [];
    for (let i = 0; i < nItems; i++) {
      const c = this.centers[rng.int(topics)]!;
      const z = unit(c.map((x) => x + rng.normal() * 0.45));
      this.latents.push(z);
      const vectors: WorldItem['vectors'] = { text: projectVec(project.text, z, 0.15, rng) };
      if (rng.next() < 0.75) vectors.image = projectVec(project.image, z, 0.15, rng);
      if (rng.next() < 0.55) vectors.audio = projectVec(project.audio, z, 0.15, rng);
      items.push({
        id: `it${i}`,
        payload: { title: `item ${i}`, popularity: rng.int(100) },
        vectors,
      });
    }
    this.world = { dim, items, project };
  }

  /** `n` intents (kinds in rotation), each graded against every item by closeness in the hidden space. */
  intents(n: number, seed: number, prefix = 'q'): Intent[] {
    const rng = new Rng(seed);
    const kinds: IntentKind[] = ['text', 'image', 'audio'];
    return Array.from({ length: n }, (_, q) => {
      const kind = kinds[q % 3]!;
      const c = this.centers[rng.int(this.centers.length)]!;
      const latent = unit(c.map((x) => x + rng.normal() * 0.3));
      // Per-intent reliability: each vector's noise scaled by a log-normal factor.
      const noise: Intent['noise'] = {};
      for (const [m, s] of Object.entries(BASE_NOISE[kind]))
        noise[m as VectorName] = s * Math.exp(rng.normal() * this.spread);
      const sims = this.latents
        .map((z, i) => ({ i, s: z.reduce((a, x, j) => a + x * latent[j]!, 0) }))
        .sort((a, b) => b.s - a.s);
      const grades = new Map<string, number>();
      // Graded by rank of closeness: 3 perfect, 6 highly, 12 fairly, 24 marginally relevant.
      const bands = [3, 6, 12, 24];
      let r = 0;
      bands.forEach((count, b) => {
        for (let k = 0; k < count; k++, r++) grades.set(`it${sims[r]!.i}`, 4 - b);
      });
      return { id: `${prefix}${q}`, kind, latent, noise, grades };
    });
  }

  /** One session's query vectors for an intent (fresh noise each call). */
  queryVectors(intent: Intent, rng: Rng): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const [m, s] of Object.entries(intent.noise))
      out[m] = projectVec(this.world.project[m as VectorName], intent.latent, s!, rng);
    return out;
  }
}
