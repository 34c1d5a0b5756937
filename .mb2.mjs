import { exactSearch } from 'usearch';
import { openSync } from 'node:fs';
import { readRowsAt } from './src/stores/ann/row-rescore.mjs';
const B = '/work/tmp/lat100k-f16/lancedb/bench.ann/';
const dim = 512; const fd = openSync(B + 'v1-42c78cfa62ff.f32', 'r');
const keys = Array.from({ length: 100 }, (_, i) => (i * 997) % 100000);
const rows = new Float32Array(100 * dim); const q = new Float32Array(dim).fill(0.1);
for (let rep = 0; rep < 3; rep++) {
  let t = performance.now(); for (let i = 0; i < 300; i++) readRowsAt(fd, dim, keys, rows); const tr = (performance.now() - t) / 300;
  t = performance.now(); for (let i = 0; i < 300; i++) exactSearch(rows, q, dim, 100, 'cos', 1); const te = (performance.now() - t) / 300;
  t = performance.now(); for (let i = 0; i < 300; i++) { for (let r = 0; r < 100; r++) { let dot = 0, vv = 0; const at = r * dim; for (let j = 0; j < dim; j++) { const x = rows[at + j]; dot += x * q[j]; vv += x * x; } } } const tj = (performance.now() - t) / 300;
  console.log('read 100 rows', tr.toFixed(3), 'ms; exactSearch', te.toFixed(3), 'ms; js cos', tj.toFixed(3), 'ms');
}
