/**
 * A logistic model of P(relevant | features) fitted to soft targets (the E-step posteriors) by full-batch
 * Adam steps, warm-started across EM iterations. Features are standardised once from the data.
 *
 * Rows may be distinct rows with a count each (observations sharing one feature row): the loss over the
 * observations is then exactly the weighted loss over the distinct rows, with each row's targets summed, so a log
 * that repeats the same lists costs one pass over its distinct rows instead of over every observation.
 */
export class LogisticRelevance {
  private readonly x: Float32Array;
  private readonly n: number;
  private readonly d: number;
  /** Observations per row (all 1 without counts) and their total. */
  private readonly count: Float64Array;
  private readonly total: number;
  private readonly w: Float64Array;
  private b = 0;
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private step = 0;
  /** Each row's logit under the current weights, once computed (predictInto); cleared by every weight update. */
  private readonly z: Float64Array;
  private zFresh = false;

  constructor(
    rows: readonly ArrayLike<number>[],
    private readonly lr = 0.05,
    counts?: ArrayLike<number>,
  ) {
    this.n = rows.length;
    this.d = rows[0]?.length ?? 0;
    const d = this.d;
    this.count = counts ? Float64Array.from(counts) : new Float64Array(this.n).fill(1);
    let total = 0;
    for (let i = 0; i < this.n; i++) total += this.count[i]!;
    this.total = total;
    const mean = new Float64Array(d);
    const sq = new Float64Array(d);
    rows.forEach((r, i) => {
      const c = this.count[i]!;
      for (let j = 0; j < d; j++) {
        mean[j]! += c * r[j]!;
        sq[j]! += c * r[j]! * r[j]!;
      }
    });
    this.x = new Float32Array(this.n * d);
    for (let j = 0; j < d; j++) {
      mean[j]! /= Math.max(1, total);
      const sd = Math.sqrt(Math.max(0, sq[j]! / Math.max(1, total) - mean[j]! * mean[j]!));
      sq[j] = sd > 1e-9 ? 1 / sd : 0;
    }
    rows.forEach((r, i) => {
      for (let j = 0; j < d; j++) this.x[i * d + j] = (r[j]! - mean[j]!) * sq[j]!;
    });
    this.w = new Float64Array(d);
    this.m = new Float64Array(d + 1);
    this.v = new Float64Array(d + 1);
    this.z = new Float64Array(this.n);
  }

  /** Rows the model holds (distinct rows when built with counts). */
  get rows(): number {
    return this.n;
  }

  /** `targets[i]`: the summed soft targets of row i's observations. */
  fit(targets: Float64Array, steps: number): void {
    const { n, d, x, w, count, z } = this;
    const grad = new Float64Array(d + 1);
    for (let s = 0; s < steps; s++) {
      grad.fill(0);
      // The first step's logits are the last prediction's when no update came in between.
      if (!this.zFresh) this.logits();
      for (let i = 0; i < n; i++) {
        const o = i * d;
        const err = count[i]! * sigmoid(z[i]!) - targets[i]!;
        for (let j = 0; j < d; j++) grad[j]! += err * x[o + j]!;
        grad[d]! += err;
      }
      this.step++;
      this.zFresh = false;
      const c1 = 1 - 0.9 ** this.step;
      const c2 = 1 - 0.999 ** this.step;
      for (let j = 0; j <= d; j++) {
        const g = grad[j]! / this.total;
        this.m[j] = 0.9 * this.m[j]! + 0.1 * g;
        this.v[j] = 0.999 * this.v[j]! + 0.001 * g * g;
        const delta = (this.lr * (this.m[j]! / c1)) / (Math.sqrt(this.v[j]! / c2) + 1e-8);
        if (j < d) w[j]! -= delta;
        else this.b -= delta;
      }
    }
  }

  /** P(relevant) of each row under the current weights. */
  predictInto(out: Float64Array): void {
    if (!this.zFresh) this.logits();
    for (let i = 0; i < this.n; i++)
      out[i] = Math.min(1 - 1e-6, Math.max(1e-6, sigmoid(this.z[i]!)));
  }

  private logits(): void {
    const { n, d, x, w, z } = this;
    for (let i = 0; i < n; i++) {
      let s = this.b;
      const o = i * d;
      for (let j = 0; j < d; j++) s += w[j]! * x[o + j]!;
      z[i] = s;
    }
    this.zFresh = true;
  }
}

function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}
