/**
 * A logistic model of P(relevant | features) fitted to soft targets (the E-step posteriors) by full-batch
 * Adam steps, warm-started across EM iterations. Features are standardised once from the data.
 */
export class LogisticRelevance {
  private readonly x: Float32Array;
  private readonly n: number;
  private readonly d: number;
  private readonly w: Float64Array;
  private b = 0;
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private step = 0;

  constructor(
    rows: readonly ArrayLike<number>[],
    private readonly lr = 0.05,
  ) {
    this.n = rows.length;
    this.d = rows[0]?.length ?? 0;
    const d = this.d;
    const mean = new Float64Array(d);
    const sq = new Float64Array(d);
    for (const r of rows)
      for (let j = 0; j < d; j++) {
        mean[j]! += r[j]!;
        sq[j]! += r[j]! * r[j]!;
      }
    this.x = new Float32Array(this.n * d);
    for (let j = 0; j < d; j++) {
      mean[j]! /= Math.max(1, this.n);
      const sd = Math.sqrt(Math.max(0, sq[j]! / Math.max(1, this.n) - mean[j]! * mean[j]!));
      sq[j] = sd > 1e-9 ? 1 / sd : 0;
    }
    rows.forEach((r, i) => {
      for (let j = 0; j < d; j++) this.x[i * d + j] = (r[j]! - mean[j]!) * sq[j]!;
    });
    this.w = new Float64Array(d);
    this.m = new Float64Array(d + 1);
    this.v = new Float64Array(d + 1);
  }

  fit(targets: Float64Array, steps: number): void {
    const { n, d, x, w } = this;
    const grad = new Float64Array(d + 1);
    for (let s = 0; s < steps; s++) {
      grad.fill(0);
      for (let i = 0; i < n; i++) {
        let z = this.b;
        const o = i * d;
        for (let j = 0; j < d; j++) z += w[j]! * x[o + j]!;
        const err = sigmoid(z) - targets[i]!;
        for (let j = 0; j < d; j++) grad[j]! += err * x[o + j]!;
        grad[d]! += err;
      }
      this.step++;
      const c1 = 1 - 0.9 ** this.step;
      const c2 = 1 - 0.999 ** this.step;
      for (let j = 0; j <= d; j++) {
        const g = grad[j]! / n;
        this.m[j] = 0.9 * this.m[j]! + 0.1 * g;
        this.v[j] = 0.999 * this.v[j]! + 0.001 * g * g;
        const delta = (this.lr * (this.m[j]! / c1)) / (Math.sqrt(this.v[j]! / c2) + 1e-8);
        if (j < d) w[j]! -= delta;
        else this.b -= delta;
      }
    }
  }

  predictInto(out: Float64Array): void {
    const { n, d, x, w } = this;
    for (let i = 0; i < n; i++) {
      let z = this.b;
      const o = i * d;
      for (let j = 0; j < d; j++) z += w[j]! * x[o + j]!;
      out[i] = Math.min(1 - 1e-6, Math.max(1e-6, sigmoid(z)));
    }
  }
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}
