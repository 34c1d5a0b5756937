import type { Rng } from '../random.js';

/** Examination probability by displayed rank (0-based), the defaults of `chorus bench ultr`. */
export const DEFAULT_EXAMINATION = [0.68, 0.61, 0.48, 0.34, 0.28, 0.2, 0.11, 0.1, 0.08, 0.06];
/** Click probability given examination, by relevance grade 0..4. */
export const DEFAULT_CLICK_BY_GRADE = [0.1, 0.16, 0.28, 0.52, 1.0];

/**
 * Maps a label of a dataset with `maxGrade + 1` grades onto the 5-entry click vector evenly
 * (e.g. grades 0..2 -> entries 0, 2, 4), so binary or 3-grade data use the same defaults.
 */
export function clickProbability(
  grade: number,
  maxGrade: number,
  byGrade: readonly number[] = DEFAULT_CLICK_BY_GRADE,
): number {
  const top = byGrade.length - 1;
  if (maxGrade <= 0) return byGrade[0]!;
  const g = Math.max(0, Math.min(maxGrade, grade));
  const idx = Math.round((g / maxGrade) * top);
  return byGrade[idx]!;
}

export interface PbmSimulationOptions {
  examination?: readonly number[];
  clickByGrade?: readonly number[];
  maxGrade: number;
}

/**
 * One session of the position-based click model on a shown list: each position k is examined with
 * examination[k] (0 beyond the vector) and an examined item is clicked with its grade's probability.
 */
export function simulatePbmClicks(
  gradesShown: readonly number[],
  rng: Rng,
  o: PbmSimulationOptions,
): boolean[] {
  const exam = o.examination ?? DEFAULT_EXAMINATION;
  return gradesShown.map((g, k) => {
    const e = exam[k] ?? 0;
    return rng.next() < e && rng.next() < clickProbability(g, o.maxGrade, o.clickByGrade);
  });
}
