/** Wall time per stage of one request, in milliseconds, reported in responses and to /metrics. */
export type StageObserver = (stage: string, seconds: number) => void;

export class StageTimer {
  readonly timings: Record<string, number> = {};
  /** How each stage-1 list ran where the store plans it (vector name -> 'graph' | 'exact' | 'graph>exact'). */
  readonly plans: Record<string, string> = {};

  constructor(private readonly observe?: StageObserver) {}

  async time<T>(stage: string, fn: () => Promise<T> | T): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      const ms = performance.now() - t0;
      this.timings[stage] = Math.round(((this.timings[stage] ?? 0) + ms) * 1000) / 1000;
      this.observe?.(stage, ms / 1000);
    }
  }
}
