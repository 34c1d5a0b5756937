import { availableParallelism } from 'node:os';

export interface CpuSaturationOptions {
  /** Cores the process may use (default: availableParallelism()). */
  cores?: number;
  /** Share of the cores (0..1) at which the process counts as saturating them. */
  enter?: number;
  /** Share below which it stops counting (hysteresis: enter > leave). */
  leave?: number;
  /** Shortest window the share is measured over (ms). */
  windowMs?: number;
  /** This process's CPU time so far in microseconds (all threads); tests inject their own. */
  cpuMicros?: () => number;
  nowMs?: () => number;
}

const processCpuMicros = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};

/**
 * Whether this process keeps the machine's cores busy: its own CPU time (every thread) over the last window as a
 * share of the cores, with hysteresis. Read lazily (at most one getrusage per window), so an idle process costs
 * nothing and its first call after a pause measures the pause: not saturated.
 */
export class CpuSaturation {
  private readonly cores: number;
  private readonly enter: number;
  private readonly leave: number;
  private readonly windowMs: number;
  private readonly cpuMicros: () => number;
  private readonly nowMs: () => number;
  private lastMs: number;
  private lastCpu: number;
  private saturated = false;

  constructor(o: CpuSaturationOptions = {}) {
    this.cores = o.cores ?? availableParallelism();
    this.enter = o.enter ?? 0.8;
    this.leave = o.leave ?? 0.65;
    this.windowMs = o.windowMs ?? 100;
    this.cpuMicros = o.cpuMicros ?? processCpuMicros;
    this.nowMs = o.nowMs ?? (() => performance.now());
    if (!(this.leave < this.enter)) throw new Error('CpuSaturation: leave must be below enter');
    this.lastMs = this.nowMs();
    this.lastCpu = this.cpuMicros();
  }

  /** The process's CPU share of the cores over the last completed window, or undefined inside one. */
  private share(): number | undefined {
    const now = this.nowMs();
    const wall = now - this.lastMs;
    if (wall < this.windowMs) return undefined;
    const cpu = this.cpuMicros();
    const share = (cpu - this.lastCpu) / 1000 / (wall * this.cores);
    this.lastMs = now;
    this.lastCpu = cpu;
    return share;
  }

  isSaturated(): boolean {
    const share = this.share();
    if (share !== undefined)
      this.saturated = this.saturated ? share > this.leave : share >= this.enter;
    return this.saturated;
  }
}
