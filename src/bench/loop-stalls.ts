import {
  constants,
  monitorEventLoopDelay,
  PerformanceObserver,
  type IntervalHistogram,
} from 'node:perf_hooks';

/** One kind of GC pause on the serving thread during a phase (ms). */
export interface GcPauses {
  count: number;
  totalMs: number;
  maxMs: number;
}

/**
 * What held the serving thread's event loop during a phase: the loop's delay (how late a 10 ms timer ran, i.e. the
 * longest stall, whatever caused it) and the GC pauses by kind. At a fixed rate one stall of 100 ms delays every
 * request due during it (~15 at 150 req/s, 1% of a 10 s round), so a round's p99 follows its longest stalls: these
 * figures say whether they were GC pauses or other main-thread work.
 */
export interface LoopStalls {
  /** Event-loop delay: the longest, and the 99th percentile of the delays sampled (ms). */
  maxMs: number;
  p99Ms: number;
  /** Scavenges (young generation). */
  minor: GcPauses;
  /** Mark-compact pauses (old generation; incremental marking steps are counted with them). */
  major: GcPauses;
}

const none = (): GcPauses => ({ count: 0, totalMs: 0, maxMs: 0 });
const r1 = (x: number) => Math.round(x * 10) / 10;

/**
 * Watches this thread's event loop and GC from `start()`; `take()` returns what it saw since the last take and
 * starts over. The loop is sampled by a timer every `resolutionMs` (10 ms: ~100 wake-ups a second, nothing
 * measurable beside a search's milliseconds).
 */
export class StallMonitor {
  private readonly delay: IntervalHistogram;
  private readonly observer: PerformanceObserver;
  private minor = none();
  private major = none();
  private running = false;

  constructor(private readonly resolutionMs = 10) {
    this.delay = monitorEventLoopDelay({ resolution: resolutionMs });
    this.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = (e as PerformanceEntry & { detail?: { kind?: number } }).detail?.kind;
        const into =
          kind === constants.NODE_PERFORMANCE_GC_MINOR
            ? this.minor
            : kind === constants.NODE_PERFORMANCE_GC_MAJOR ||
                kind === constants.NODE_PERFORMANCE_GC_INCREMENTAL
              ? this.major
              : undefined;
        if (!into) continue;
        into.count++;
        into.totalMs += e.duration;
        if (e.duration > into.maxMs) into.maxMs = e.duration;
      }
    });
  }

  start(): this {
    if (this.running) return this;
    this.running = true;
    this.delay.enable();
    this.observer.observe({ entryTypes: ['gc'] });
    return this;
  }

  /** What was seen since the last take (GC entries arrive a tick after the pause: await one first). */
  take(): LoopStalls {
    // The histogram holds each interval between the sampling timer's runs: the delay is what exceeds the period.
    const late = (ns: number) =>
      this.delay.count > 0 ? r1(Math.max(0, ns / 1e6 - this.resolutionMs)) : 0;
    const out: LoopStalls = {
      maxMs: late(this.delay.max),
      p99Ms: late(this.delay.percentile(99)),
      minor: rounded(this.minor),
      major: rounded(this.major),
    };
    this.delay.reset();
    this.minor = none();
    this.major = none();
    return out;
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.delay.disable();
    this.observer.disconnect();
  }
}

function rounded(p: GcPauses): GcPauses {
  return { count: p.count, totalMs: r1(p.totalMs), maxMs: r1(p.maxMs) };
}

/** Phases of one kind as one: the worst delays, GC pauses summed (p99 of the delays: the worst phase's). */
export function mergeStalls(of: LoopStalls[]): LoopStalls | undefined {
  if (of.length === 0) return undefined;
  const gc = (pick: (s: LoopStalls) => GcPauses): GcPauses => ({
    count: of.reduce((a, s) => a + pick(s).count, 0),
    totalMs: r1(of.reduce((a, s) => a + pick(s).totalMs, 0)),
    maxMs: Math.max(...of.map((s) => pick(s).maxMs)),
  });
  return {
    maxMs: Math.max(...of.map((s) => s.maxMs)),
    p99Ms: Math.max(...of.map((s) => s.p99Ms)),
    minor: gc((s) => s.minor),
    major: gc((s) => s.major),
  };
}

/** e.g. "loop max 84.2 ms (p99 12.1); GC minor 41 (max 9.8 ms), major 1 (max 31.0 ms)". */
export function stallLine(s: LoopStalls): string {
  return `loop max ${s.maxMs.toFixed(1)} ms (p99 ${s.p99Ms.toFixed(1)}); GC minor ${s.minor.count} (max ${s.minor.maxMs.toFixed(1)} ms), major ${s.major.count} (max ${s.major.maxMs.toFixed(1)} ms)`;
}
