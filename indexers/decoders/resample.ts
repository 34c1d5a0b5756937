/**
 * Band-limited resampling with a windowed-sinc kernel (Blackman window, 16 zero crossings), the cutoff set
 * below the lower of the two Nyquist frequencies so downsampling does not alias. The kernel is tabulated
 * once and interpolated linearly, which keeps it fast enough for minutes of audio.
 */

const ZERO_CROSSINGS = 16;
const TABLE_RES = 512; // kernel samples per unit of sinc argument
const KERNEL = buildKernel();

function buildKernel(): Float32Array {
  const n = ZERO_CROSSINGS * TABLE_RES + 2;
  const k = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const u = i / TABLE_RES;
    const sinc = u === 0 ? 1 : Math.sin(Math.PI * u) / (Math.PI * u);
    const r = Math.min(1, u / ZERO_CROSSINGS); // 0 at centre .. 1 at the edge
    const w = 0.42 + 0.5 * Math.cos(Math.PI * r) + 0.08 * Math.cos(2 * Math.PI * r); // Blackman, symmetric half
    k[i] = u >= ZERO_CROSSINGS ? 0 : sinc * w;
  }
  return k;
}

function kernelAt(u: number): number {
  const a = Math.abs(u) * TABLE_RES;
  const i = Math.floor(a);
  if (i >= KERNEL.length - 1) return 0;
  const f = a - i;
  return KERNEL[i]! * (1 - f) + KERNEL[i + 1]! * f;
}

export function resample(x: Float32Array, from: number, to: number): Float32Array {
  if (!(from > 0 && to > 0)) throw new Error(`bad sample rates ${from} -> ${to}`);
  if (from === to) return x.slice();
  const ratio = to / from;
  const outLen = Math.max(1, Math.round(x.length * ratio));
  // Cutoff as a fraction of the input Nyquist; 0.95 leaves a transition band.
  const cutoff = Math.min(1, ratio) * 0.95;
  const half = ZERO_CROSSINGS / cutoff; // kernel half-width in input samples
  const g = gcd(Math.round(from), Math.round(to));
  const up = Math.round(to) / g;
  const down = Math.round(from) / g;
  if (Number.isInteger(from) && Number.isInteger(to) && up <= 4096)
    return polyphase(x, outLen, up, down, cutoff, half);
  const out = new Float32Array(outLen);
  for (let n = 0; n < outLen; n++) {
    const t = n / ratio;
    const lo = Math.max(0, Math.ceil(t - half));
    const hi = Math.min(x.length - 1, Math.floor(t + half));
    let acc = 0;
    for (let k = lo; k <= hi; k++) acc += x[k]! * kernelAt(cutoff * (t - k));
    out[n] = acc * cutoff;
  }
  return out;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/**
 * Rational rates (every common pair: 8k, 16k, 22.05k, 44.1k, 48k): output n sits at input time n*down/up, whose
 * fractional part takes only `up` values, so each phase's taps are computed once and the inner loop is a dot product.
 */
function polyphase(
  x: Float32Array,
  outLen: number,
  up: number,
  down: number,
  cutoff: number,
  half: number,
): Float32Array {
  const K = Math.ceil(half);
  const taps = 2 * K;
  const coeffs = new Float32Array(up * taps);
  for (let p = 0; p < up; p++) {
    for (let j = 0; j < taps; j++)
      coeffs[p * taps + j] = kernelAt(cutoff * (p / up + K - 1 - j)) * cutoff;
  }
  const out = new Float32Array(outLen);
  for (let n = 0; n < outLen; n++) {
    const pos = n * down;
    const base = Math.floor(pos / up);
    const p = pos - base * up;
    const start = base - K + 1;
    const c = p * taps;
    let acc = 0;
    if (start >= 0 && start + taps <= x.length) {
      for (let j = 0; j < taps; j++) acc += x[start + j]! * coeffs[c + j]!;
    } else {
      for (let j = 0; j < taps; j++) {
        const k = start + j;
        if (k >= 0 && k < x.length) acc += x[k]! * coeffs[c + j]!;
      }
    }
    out[n] = acc;
  }
  return out;
}
