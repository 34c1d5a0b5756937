import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { GraphBuilder, attr } from '../../src/onnx/index.js';

/** Deterministic pseudo-random floats so expected values are computed, not hard-coded. */
function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  });
}

async function run(
  bytes: Uint8Array,
  feeds: Record<string, ort.Tensor>,
): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return (await session.run(feeds)) as Record<string, ort.Tensor>;
  } finally {
    await session.release();
  }
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++)
    expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(tol);
}

describe('GraphBuilder -> onnxruntime-node', () => {
  it('MatMul + Add + Relu with a symbolic batch dimension', async () => {
    const [B, I, O] = [3, 4, 5];
    const w = rand(I * O, 1);
    const b = rand(O, 2);
    const g = new GraphBuilder({ name: 'mlp' });
    const x = g.input('x', 'float32', ['batch', I]);
    const y = g.op('Relu', [
      g.op('Add', [g.op('MatMul', [x, g.init('w', w, [I, O])]), g.init('b', b, [O])]),
    ]);
    g.output(y, 'float32', ['batch', O], 'y');
    const xs = rand(B * I, 3);
    const out = await run(g.toBytes(), { x: new ort.Tensor('float32', xs, [B, I]) });
    const expected: number[] = [];
    for (let r = 0; r < B; r++)
      for (let c = 0; c < O; c++) {
        let s = b[c]!;
        for (let k = 0; k < I; k++) s += xs[r * I + k]! * w[k * O + c]!;
        expected.push(Math.max(0, s));
      }
    expect(out.y!.dims).toEqual([B, O]);
    expectClose(out.y!.data as Float32Array, expected);
    expect(expected.some((v) => v === 0) && expected.some((v) => v > 0)).toBe(true);
  });

  it('Softmax over the last axis (int attribute)', async () => {
    const g = new GraphBuilder();
    const x = g.input('x', 'float32', ['n', 6]);
    g.output(g.op('Softmax', [x], { axis: attr.int(-1) }), 'float32', ['n', 6], 'p');
    const xs = rand(12, 4).map((v) => v * 8);
    const out = await run(g.toBytes(), { x: new ort.Tensor('float32', xs, [2, 6]) });
    const expected: number[] = [];
    for (let r = 0; r < 2; r++) {
      const row = Array.from(xs.subarray(r * 6, r * 6 + 6));
      const m = Math.max(...row);
      const e = row.map((v) => Math.exp(v - m));
      const z = e.reduce((a, c) => a + c, 0);
      expected.push(...e.map((v) => v / z));
    }
    expectClose(out.p!.data as Float32Array, expected);
  });

  it('Gather (int64 input) + ReduceMean (axes as an int64 input, opset 18)', async () => {
    const V = 10;
    const H = 3;
    const table = rand(V * H, 5);
    const g = new GraphBuilder({ opset: 18 });
    const ids = g.input('ids', 'int64', ['batch', 'seq']);
    const emb = g.op('Gather', [g.init('table', table, [V, H]), ids], { axis: attr.int(0) });
    const mean = g.op('ReduceMean', [emb, g.constant(BigInt64Array.from([1n]), [1])], {
      keepdims: attr.int(0),
    });
    g.output(mean, 'float32', ['batch', H], 'mean');
    const idv = BigInt64Array.from([1n, 4n, 9n, 0n, 0n, 7n]);
    const out = await run(g.toBytes(), { ids: new ort.Tensor('int64', idv, [2, 3]) });
    const expected: number[] = [];
    for (let r = 0; r < 2; r++)
      for (let h = 0; h < H; h++) {
        let s = 0;
        for (let t = 0; t < 3; t++) s += table[Number(idv[r * 3 + t]!) * H + h]!;
        expected.push(s / 3);
      }
    expect(out.mean!.dims).toEqual([2, H]);
    expectClose(out.mean!.data as Float32Array, expected);
  });

  it('Sigmoid, Concat, Mul, a float attribute, a tensor attribute and two outputs', async () => {
    const g = new GraphBuilder({ opset: 17 });
    const a = g.input('a', 'float32', ['n', 2]);
    const b = g.input('b', 'float32', ['n', 3]);
    const cat = g.op('Concat', [a, b], { axis: attr.int(1) });
    const scale = g.op('Constant', [], { value: attr.tensor([2.5], [1]) });
    const lr = g.op('LeakyRelu', [g.op('Mul', [cat, scale])], { alpha: attr.float(0.25) });
    g.output(g.op('Sigmoid', [lr]), 'float32', ['n', 5], 'sig');
    g.output(cat, 'float32', ['n', 5], 'cat');
    const av = rand(4, 6);
    const bv = rand(6, 7);
    const out = await run(g.toBytes(), {
      a: new ort.Tensor('float32', av, [2, 2]),
      b: new ort.Tensor('float32', bv, [2, 3]),
    });
    const catExp: number[] = [];
    for (let r = 0; r < 2; r++)
      catExp.push(...av.subarray(r * 2, r * 2 + 2), ...bv.subarray(r * 3, r * 3 + 3));
    const sigExp = catExp.map((v) => {
      const m = v * 2.5;
      const l = m >= 0 ? m : 0.25 * m;
      return 1 / (1 + Math.exp(-l));
    });
    expectClose(out.cat!.data as Float32Array, catExp);
    expectClose(out.sig!.data as Float32Array, sigExp);
  });

  it('ints/floats/string attributes and metadata survive a round trip', async () => {
    const g = new GraphBuilder({ opset: 17 });
    const x = g.input('x', 'float32', [1, 1, 4, 4]);
    const pooled = g.op('AveragePool', [x], {
      kernel_shape: attr.ints([2, 2]),
      strides: attr.ints([2, 2]),
      auto_pad: attr.string('NOTSET'),
    });
    // Resize takes scales as a float tensor input; its mode is a string attribute.
    const up = g.op('Resize', [pooled, '', g.constant([1, 1, 2, 2], [4])], {
      mode: attr.string('nearest'),
    });
    g.output(up, 'float32', [1, 1, 4, 4], 'up');
    g.metadata('feature_names', 'a,b,c');
    const xs = Float32Array.from({ length: 16 }, (_, i) => i);
    const session = await ort.InferenceSession.create(g.toBytes());
    const out = (await session.run({ x: new ort.Tensor('float32', xs, [1, 1, 4, 4]) })).up!;
    const expected: number[] = [];
    for (let r = 0; r < 4; r++)
      for (let c = 0; c < 4; c++) {
        const pr = Math.floor(r / 2) * 2;
        const pc = Math.floor(c / 2) * 2;
        expected.push(
          (xs[pr * 4 + pc]! +
            xs[pr * 4 + pc + 1]! +
            xs[(pr + 1) * 4 + pc]! +
            xs[(pr + 1) * 4 + pc + 1]!) /
            4,
        );
      }
    expectClose(out.data as Float32Array, expected);
    await session.release();
  });

  it('writes the same bytes for the same build, and rejects building mistakes', () => {
    const build = () => {
      const g = new GraphBuilder();
      const x = g.input('x', 'float32', ['n', 2]);
      g.output(
        g.op('Relu', [g.op('Mul', [x, g.constant([1.5, 2], [2])])]),
        'float32',
        ['n', 2],
        'y',
      );
      return g.toBytes();
    };
    expect(Buffer.from(build()).equals(Buffer.from(build()))).toBe(true);
    const g = new GraphBuilder();
    g.input('x', 'float32', [2]);
    expect(() => g.input('x', 'float32', [2])).toThrow(/duplicate/);
    expect(() => g.op('Relu', ['nope'])).toThrow(/unknown input/);
    expect(() => g.init('w', [1, 2, 3], [2, 2])).toThrow(/3 values/);
    expect(() => attr.int(1.5)).toThrow(/integer/);
    expect(() => new GraphBuilder().toBytes()).toThrow(/no outputs/);
  });
});
