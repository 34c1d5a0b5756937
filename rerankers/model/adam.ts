/**
 * Adam over one flat parameter buffer. Written out by hand (not an autograd library): for a model of a few
 * thousand parameters, plain typed-array loops avoid per-op allocation and graph overhead and are the fast path.
 */
export class Adam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  constructor(
    size: number,
    private readonly lr: number,
    private readonly beta1 = 0.9,
    private readonly beta2 = 0.999,
    private readonly eps = 1e-8,
    private readonly weightDecay = 0,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  /** params -= lr * mhat / (sqrt(vhat) + eps); `mask` (optional) freezes entries where it is 0. */
  step(params: Float32Array, grad: Float64Array, scale = 1, mask?: (i: number) => boolean): void {
    this.t++;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    for (let i = 0; i < params.length; i++) {
      if (mask && !mask(i)) continue;
      const g = grad[i]! * scale + this.weightDecay * params[i]!;
      this.m[i] = this.beta1 * this.m[i]! + (1 - this.beta1) * g;
      this.v[i] = this.beta2 * this.v[i]! + (1 - this.beta2) * g * g;
      params[i]! -= (this.lr * (this.m[i]! / c1)) / (Math.sqrt(this.v[i]! / c2) + this.eps);
    }
  }
}
