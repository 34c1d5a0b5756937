// microbench: f32 vs f16 graph search at 100k (same queries), plus rescore cost
import { Index } from 'usearch';
import { openSync } from 'node:fs';
import { readRowsAt, rescore } from './src/stores/ann/row-rescore.mjs';
const A = '/work/tmp/lat100k/lancedb/bench.ann/', B = '/work/tmp/lat100k-f16/lancedb/bench.ann/';
const vecs = [['v0', 384, 'v0-4e3621bd844d.f32'], ['v1', 512, 'v1-42c78cfa62ff.f32'], ['v2', 512, 'v2-aff94c639a43.f32']];
for (const [v, dim, rows] of vecs) {
  const ef = dim > 384 ? 192 : 128;
  const mk = (q, f) => { const i = new Index({ dimensions: dim, metric: 'cos', quantization: q, connectivity: 16, expansion_add: 128, expansion_search: ef, multi: false }); i.view(f); return i; };
  const g32 = mk('f32', A + v + '-1.usearch'), g16 = mk('f16', B + v + '-1.usearch');
  const fd = openSync(B + rows, 'r');
  // queries: stored rows perturbed
  const qs = [];
  for (let j = 0; j < 300; j++) { const into = new Float32Array(dim); readRowsAt(fd, dim, [j * 301], into); for (let d = 0; d < dim; d++) into[d] += (Math.random() - 0.5) * 0.05; qs.push(into); }
  for (const g of [g32, g16]) for (const q of qs.slice(0, 50)) g.search(q, 100, 1); // warm
  for (let rep = 0; rep < 2; rep++) {
    let t = performance.now(); for (const q of qs) g32.search(q, 100, 1); const t32 = (performance.now() - t) / qs.length;
    t = performance.now(); for (const q of qs) g16.search(q, 100, 1); const t16 = (performance.now() - t) / qs.length;
    t = performance.now(); for (const q of qs) rescore(g16.search(q, 100, 1), q, dim, 'cos', (k, into) => readRowsAt(fd, dim, k, into)); const t16r = (performance.now() - t) / qs.length;
    console.log(v, dim, 'ef', ef, 'f32', t32.toFixed(2), 'f16', t16.toFixed(2), 'f16+rescore', t16r.toFixed(2), 'ms/search');
  }
}
