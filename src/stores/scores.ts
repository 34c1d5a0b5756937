import type { Distance } from '../domain/modality.js';

/**
 * Turns a backend distance into a similarity where higher is better, the same on every backend:
 * cosine -> cosine similarity, dot -> dot product, l2 -> negated Euclidean distance.
 */
export function lanceDistanceToScore(distance: Distance, d: number): number {
  switch (distance) {
    case 'cosine':
      return 1 - d; // LanceDB cosine distance is 1 - cos
    case 'dot':
      return 1 - d; // LanceDB dot distance is 1 - dot
    case 'l2':
      return -Math.sqrt(Math.max(0, d)); // LanceDB l2 is squared
  }
}
