import { ChorusError } from '../src/errors.js';
import type { ModelJSON } from './model/fusion-model.js';

/**
 * The registry's last line of defence: a model with any non-finite weight, standardisation constant or
 * propensity is refused before anything is written (such a model scores every hit NaN, which JSON sends as null).
 * Walks every number of the model except free-form `meta`, whose propensities are checked by name.
 */
export function assertServableNumbers(model: ModelJSON, propensities?: unknown): void {
  const { meta, ...numbers } = model;
  const bad =
    firstNonFinite(numbers, 'model') ??
    firstNonFinite(meta?.propensities, 'model.meta.propensities') ??
    firstNonFinite(propensities, 'metrics.propensities');
  if (bad)
    throw new ChorusError(
      'CONFLICT',
      `refusing to register a model with a non-finite number at ${bad}`,
      { path: bad },
    );
}

function firstNonFinite(v: unknown, path: string): string | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? undefined : path;
  // A NaN that went through JSON comes back as null: in a weight or propensity array that is the same failure.
  if (v === null) return /propensities|params|mean|invStd/.test(path) ? path : undefined;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView))
    v = Array.from(v as unknown as ArrayLike<number>);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const bad = firstNonFinite(v[i], `${path}[${i}]`);
      if (bad) return bad;
    }
    return undefined;
  }
  if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const bad = firstNonFinite(x, `${path}.${k}`);
      if (bad) return bad;
    }
  }
  return undefined;
}
