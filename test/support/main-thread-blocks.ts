import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * The longest event-loop block of this process's main thread, counted in the main thread's own CPU time.
 * A wall-clock delay monitor also counts time the thread sat descheduled, so on a busy 2-core host a bound on it
 * failed on code that never blocked (344 ms against 250 at load 5); the CPU the thread burned between two timer
 * ticks is what a synchronous step costs. Linux reads /proc/thread-self/schedstat (ns on CPU); elsewhere it falls
 * back to the wall-clock delay.
 */
export interface BlockMonitor {
  /** Longest CPU ms the main thread spent between two consecutive ticks. */
  maxCpuMs(): number;
  /** Longest wall-clock ms between two consecutive ticks (for messages). */
  maxWallMs(): number;
  stop(): void;
}

const SCHEDSTAT = '/proc/thread-self/schedstat';

function cpuNs(): number | undefined {
  try {
    return Number(readFileSync(SCHEDSTAT, 'utf8').split(' ')[0]);
  } catch {
    return undefined;
  }
}

export function monitorMainThreadBlocks(tickMs = 5): BlockMonitor {
  if (cpuNs() === undefined) {
    const delay = monitorEventLoopDelay({ resolution: tickMs });
    delay.enable();
    const maxMs = () => delay.max / 1e6;
    return { maxCpuMs: maxMs, maxWallMs: maxMs, stop: () => delay.disable() };
  }
  let lastCpu = cpuNs()!;
  let lastWall = performance.now();
  let maxCpu = 0;
  let maxWall = 0;
  const tick = () => {
    const cpu = cpuNs()!;
    const wall = performance.now();
    maxCpu = Math.max(maxCpu, (cpu - lastCpu) / 1e6);
    maxWall = Math.max(maxWall, wall - lastWall);
    lastCpu = cpu;
    lastWall = wall;
  };
  const timer = setInterval(tick, tickMs);
  return {
    maxCpuMs: () => maxCpu,
    maxWallMs: () => maxWall,
    stop: () => {
      tick();
      clearInterval(timer);
    },
  };
}
