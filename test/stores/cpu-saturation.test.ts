import { describe, expect, it } from 'vitest';
import { CpuSaturation } from '../../src/stores/ann/cpu-saturation.js';

/** A fake clock and CPU meter: `run(ms, cores)` spends `ms` of wall time with `cores` busy. */
function meter() {
  let now = 0;
  let cpuMicros = 0;
  return {
    opts: {
      cores: 2,
      enter: 0.8,
      leave: 0.65,
      windowMs: 100,
      nowMs: () => now,
      cpuMicros: () => cpuMicros,
    },
    run(ms: number, busyCores: number) {
      now += ms;
      cpuMicros += ms * busyCores * 1000;
    },
  };
}

describe('CpuSaturation', () => {
  it('counts as saturated from the enter share, and stays so until the share falls below leave', () => {
    const m = meter();
    const sat = new CpuSaturation(m.opts);
    m.run(100, 1.2); // 0.6 of 2 cores
    expect(sat.isSaturated()).toBe(false);
    m.run(100, 1.7); // 0.85
    expect(sat.isSaturated()).toBe(true);
    m.run(100, 1.4); // 0.7: between leave and enter, keeps its state
    expect(sat.isSaturated()).toBe(true);
    m.run(100, 1.2); // 0.6
    expect(sat.isSaturated()).toBe(false);
    m.run(100, 1.4); // 0.7 again: not enough to enter
    expect(sat.isSaturated()).toBe(false);
  });

  it('judges only whole windows, and a pause reads as idle', () => {
    const m = meter();
    const sat = new CpuSaturation(m.opts);
    m.run(100, 2);
    expect(sat.isSaturated()).toBe(true);
    m.run(50, 0); // inside the next window: unchanged
    expect(sat.isSaturated()).toBe(true);
    m.run(5_000, 0); // the first call after a long pause measures the pause
    expect(sat.isSaturated()).toBe(false);
  });

  it('refuses thresholds without hysteresis', () => {
    expect(() => new CpuSaturation({ enter: 0.5, leave: 0.5 })).toThrow(
      /leave must be below enter/,
    );
  });
});
