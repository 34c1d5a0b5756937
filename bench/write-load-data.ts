// Catalogue items shaped like real precomputed embeddings, for bench/write-load: each vector space has a shared
// mean direction and an anisotropic spectrum (a few dominant directions, as sentence/CLIP embeddings do), items
// fall in topic clusters, and an item's vectors in different spaces share its topic (cross-modal correlation).
// Values are rounded to 5 decimals, as JSON clients typically send them.
import { closeSync, existsSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Rng } from '../rerankers/random.js';

export interface VectorSpace {
  name: string;
  dim: number;
}

export const DEFAULT_SPACES: VectorSpace[] = [
  { name: 'text', dim: 384 },
  { name: 'image', dim: 512 },
  { name: 'image_text', dim: 512 },
];

const WORDS =
  'amber linen walnut cedar copper velvet indigo marble canvas leather ceramic woollen silver olive cobalt ivory'.split(
    ' ',
  );
const KINDS =
  'lamp chair table jacket kettle vase rug mug scarf sofa shelf bowl clock mirror desk boot'.split(
    ' ',
  );

interface Space {
  spec: VectorSpace;
  scale: Float32Array;
  centroids: Float32Array[];
}

export class CatalogueGenerator {
  private readonly spaces: Space[];
  private readonly topics: number;

  constructor(
    spaces: VectorSpace[] = DEFAULT_SPACES,
    private readonly seed = 17,
    topics = 256,
  ) {
    this.topics = topics;
    const rng = new Rng(seed);
    this.spaces = spaces.map((spec) => {
      // Per-dimension spread decays with the index (anisotropic), around a common mean direction.
      const scale = Float32Array.from({ length: spec.dim }, (_, d) => 1 / Math.sqrt(1 + d / 8));
      const mean = Float32Array.from({ length: spec.dim }, () => rng.normal() * 0.6);
      const centroids = Array.from({ length: topics }, () => {
        const c = Float32Array.from(
          { length: spec.dim },
          (_, d) => mean[d]! + rng.normal() * scale[d]!,
        );
        return normalize(c);
      });
      return { spec, scale, centroids };
    });
  }

  get seedValue(): number {
    return this.seed;
  }

  /** Item `n`, deterministic in (seed, n): id, text, payload and one vector per space. */
  item(n: number): {
    id: string;
    text: string;
    payload: Record<string, unknown>;
    vectors: Record<string, number[]>;
  } {
    const rng = new Rng(this.seed * 1_000_003 + n);
    const topic = rng.int(this.topics);
    const vectors: Record<string, number[]> = {};
    for (const s of this.spaces) {
      const c = s.centroids[topic]!;
      const v = new Float32Array(s.spec.dim);
      for (let d = 0; d < v.length; d++) v[d] = c[d]! + 0.45 * s.scale[d]! * rng.normal();
      normalize(v);
      vectors[s.spec.name] = Array.from(v, (x) => Math.round(x * 1e5) / 1e5);
    }
    const word = WORDS[topic % WORDS.length]!;
    const kind = KINDS[(topic >> 4) % KINDS.length]!;
    return {
      id: `item-${n}`,
      text: `${word} ${kind} number ${n}, topic ${topic}: a ${word} ${kind} for the catalogue`,
      payload: {
        title: `${word} ${kind} ${n}`,
        topic,
        price: Math.round(rng.next() * 50_000) / 100,
      },
      vectors,
    };
  }
}

/** Bumped whenever CatalogueGenerator's output changes (cached request bodies of an older version are unused). */
const BODIES_VERSION = 1;

/**
 * The `POST /v1/items` bodies of items 0..items-1 in batches, serialised once and cached as one NDJSON file in the
 * temp dir (one body per line; JSON.stringify never emits a raw newline), then read back as Buffers.
 */
export function requestBodies(
  gen: CatalogueGenerator,
  collection: string,
  items: number,
  batch: number,
): Buffer[] {
  const file = path.join(
    os.tmpdir(),
    `chorus-write-load-v${BODIES_VERSION}-s${gen.seedValue}-${collection}-${items}x${batch}.ndjson`,
  );
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp`;
    const fd = openSync(tmp, 'w');
    try {
      for (let start = 0; start < items; start += batch) {
        const list = Array.from({ length: Math.min(batch, items - start) }, (_, i) =>
          gen.item(start + i),
        );
        writeSync(fd, JSON.stringify({ collection, items: list }) + '\n');
      }
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  }
  const all = readFileSync(file);
  const out: Buffer[] = [];
  for (let at = 0; at < all.length;) {
    const end = all.indexOf(10, at);
    out.push(all.subarray(at, end));
    at = end + 1;
  }
  if (out.length !== Math.ceil(items / batch)) throw new Error(`${file}: wrong number of bodies`);
  return out;
}

function normalize(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n) || 1;
  for (let i = 0; i < v.length; i++) v[i] = v[i]! / n;
  return v;
}
