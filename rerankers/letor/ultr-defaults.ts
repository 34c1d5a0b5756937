// The ULTR benchmark's options and defaults, apart from the benchmark so `chorus --help` shows them without loading it.
import type { LossName } from '../model/losses.js';
import { DEFAULT_CLICK_BY_GRADE, DEFAULT_EXAMINATION } from './click-simulation.js';

export interface UltrBenchOptions {
  train?: string;
  vali?: string;
  test?: string;
  data?: string;
  /** Queries of the synthetic dataset used when no data is given. */
  syntheticQueries?: number;
  runs: number;
  seed: number;
  sessions: number;
  examination: number[];
  clickByGrade: number[];
  propensity: 'em' | 'true';
  loss: LossName;
  hidden: number;
  epochs: number;
  out?: string;
  log?: (line: string) => void;
}

export const ULTR_DEFAULTS: UltrBenchOptions = {
  runs: 5,
  seed: 1,
  sessions: 20_000,
  examination: DEFAULT_EXAMINATION,
  clickByGrade: DEFAULT_CLICK_BY_GRADE,
  propensity: 'em',
  loss: 'listwise',
  hidden: 16,
  epochs: 40,
  syntheticQueries: 1000,
};
