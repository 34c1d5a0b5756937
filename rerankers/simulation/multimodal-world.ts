import type { Candidate } from '../../src/domain/candidate.js';
import type { QueryKind } from '../features/sources.js';
import { Rng } from '../random.js';

/**
 * A judged multimodal world for tests and the multimodal benchmark, where each modality's reliability depends
 * on the query kind: for visual (image) queries the image similarities track relevance and text is noise; for
 * text queries the reverse (with BM25 helping); for audio queries the audio towers. Every query has a pool of
 * items with graded relevance 0..4; each source retrieves its top-K of the pool by its own noisy similarity.
 * Item popularity is drawn independently of relevance.
 */
export interface WorldQuery {
  queryId: string;
  kind: QueryKind;
  queryModalities: string[];
  candidates: Candidate[];
  /** Graded relevance by item id (0..4). */
  labels: Map<string, number>;
}

export interface WorldOptions {
  queries: number;
  poolSize?: number;
  perSource?: number;
  seed?: number;
}

type Source = 'text' | 'image' | 'image_text' | 'audio' | 'audio_text' | 'bm25';

/** How strongly each source's similarity tracks relevance, by query kind (0 = pure noise). */
const RELIABILITY: Record<'text' | 'image' | 'audio', Partial<Record<Source, number>>> = {
  text: { text: 1.0, bm25: 0.7, image: 0.1, image_text: 0.3, audio_text: 0.2 },
  image: { image: 1.0, image_text: 0.4, text: 0.05 },
  audio: { audio: 1.0, audio_text: 0.4, text: 0.05 },
};
/** Which sources a query of each kind can reach (see ARCHITECTURE "Engine: two stages"). */
const REACHES: Record<'text' | 'image' | 'audio', Source[]> = {
  text: ['text', 'bm25', 'image', 'image_text', 'audio_text'],
  image: ['image', 'image_text', 'text'],
  audio: ['audio', 'audio_text', 'text'],
};
const GRADE_SHARES = [0.55, 0.2, 0.12, 0.08, 0.05];

export function generateMultimodalWorld(o: WorldOptions): WorldQuery[] {
  const rng = new Rng(o.seed ?? 3);
  const pool = o.poolSize ?? 80;
  const K = o.perSource ?? 30;
  const kinds = ['text', 'image', 'audio'] as const;
  const out: WorldQuery[] = [];
  for (let q = 0; q < o.queries; q++) {
    const kind = kinds[q % 3]!;
    const items = Array.from({ length: pool }, (_, i) => {
      const u = rng.next();
      let grade = 0;
      for (let acc = 0; grade < 4 && u > (acc += GRADE_SHARES[grade]!);) grade++;
      return {
        id: `i${q}-${i}`,
        grade,
        has: { text: rng.next() < 0.9, image: rng.next() < 0.7, audio: rng.next() < 0.5 },
        // Independent of the grade: a prior derived from relevance would leak the label to whatever reads it.
        popularity: Math.log1p(rng.int(70)),
      };
    });
    const sources: Map<string, Candidate['sources']> = new Map(items.map((it) => [it.id, {}]));
    for (const s of REACHES[kind]) {
      const needs = s === 'image' ? 'image' : s === 'audio' ? 'audio' : 'text';
      const reliability = RELIABILITY[kind][s] ?? 0;
      const scored = items
        .filter((it) => it.has[needs])
        .map((it) => ({
          it,
          score: reliability * it.grade * 0.25 + rng.normal() * 0.35 + (s === 'bm25' ? 2 : 0.3),
        }))
        .sort((a, b) => b.score - a.score)
        .slice(0, K);
      scored.forEach(({ it, score }, rank) => {
        sources.get(it.id)![s] = {
          source: s,
          score: s === 'bm25' ? Math.max(0, score * 4) : score,
          rank,
        };
      });
    }
    const candidates: Candidate[] = items
      .filter((it) => Object.keys(sources.get(it.id)!).length > 0)
      .map((it) => ({
        id: it.id,
        payload: {},
        sources: sources.get(it.id)!,
        hasVectors: [
          ...(it.has.text ? ['text', 'image_text', 'audio_text'] : []),
          ...(it.has.image ? ['image'] : []),
          ...(it.has.audio ? ['audio'] : []),
        ],
        priors: { popularity: it.popularity },
      }));
    out.push({
      queryId: `q${q}`,
      kind,
      queryModalities: [kind],
      candidates,
      labels: new Map(items.map((it) => [it.id, it.grade])),
    });
  }
  return out;
}
