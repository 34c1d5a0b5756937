import { AttributeType, DATA_TYPE, ModelProto } from './onnx-schema.js';

/**
 * A small ONNX graph writer. Build a graph op by op, then `toBytes()` gives a serialised ModelProto that
 * onnxruntime (and any ONNX reader) loads.
 *
 * ```ts
 * const g = new GraphBuilder({ name: 'tiny' });                 // opset 17, IR version 8
 * const x = g.input('x', 'float32', ['batch', 4]);               // symbolic 'batch' dimension
 * const w = g.init('w', new Float32Array(8).fill(0.5), [4, 2]);  // initializer (weights)
 * const b = g.init('b', [0.1, -0.2], [2]);                       // number[] means float32
 * const h = g.op('Relu', [g.op('Add', [g.op('MatMul', [x, w]), b])]);
 * g.output(g.op('Softmax', [h], { axis: attr.int(-1) }), 'float32', ['batch', 2], 'probs');
 * const bytes = g.toBytes();                                     // Uint8Array, deterministic
 * ```
 *
 * Values are plain strings (tensor names). `op` returns the name of its single output; `opMulti` returns
 * several. Attributes are typed explicitly with `attr.*` because a JS number cannot say whether `1` is an
 * int or a float, and ONNX rejects the wrong kind. Pass `''` as an input to leave an optional input out.
 * Building mistakes (duplicate names, unknown values, data/shape mismatch) throw plain Errors: they are
 * programming errors, not user input.
 */

export type ElemType = keyof typeof DATA_TYPE;
/** A dimension: a fixed size, or a symbolic name such as 'batch' or 'seq'. */
export type Dim = number | string;
export type TensorData =
  Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | Int8Array | number[];

interface TensorProtoObject {
  name?: string;
  dims: number[];
  data_type: number;
  raw_data: Uint8Array;
}

/** A typed attribute value; build with `attr.*`. */
export type AttrValue =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'ints'; value: number[] }
  | { kind: 'floats'; value: number[] }
  | { kind: 'string'; value: string }
  | { kind: 'strings'; value: string[] }
  | { kind: 'tensor'; value: TensorProtoObject };

export const attr = {
  int: (value: number): AttrValue => ({ kind: 'int', value: checkInt(value) }),
  float: (value: number): AttrValue => ({ kind: 'float', value }),
  ints: (value: number[]): AttrValue => ({ kind: 'ints', value: value.map(checkInt) }),
  floats: (value: number[]): AttrValue => ({ kind: 'floats', value: [...value] }),
  string: (value: string): AttrValue => ({ kind: 'string', value }),
  strings: (value: string[]): AttrValue => ({ kind: 'strings', value: [...value] }),
  /** A tensor attribute (e.g. `Constant`'s `value`, `ConstantOfShape`'s `value`). */
  tensor: (data: TensorData, dims: number[], type?: ElemType): AttrValue => ({
    kind: 'tensor',
    value: tensorProto(undefined, data, dims, type),
  }),
};

export interface GraphBuilderOptions {
  name?: string;
  /** Default-domain opset version (>= 17 recommended; onnxruntime-node 1.30 supports up to 23). */
  opset?: number;
  /** ONNX IR version; 8 pairs with opset 17-18, 9 with 19-20, 10 with 21+. */
  irVersion?: number;
  producer?: string;
  docString?: string;
}

export class GraphBuilder {
  private readonly opts: Required<Omit<GraphBuilderOptions, 'docString'>> & { docString: string };
  private readonly inputs: object[] = [];
  private readonly outputs: object[] = [];
  private readonly initializers: TensorProtoObject[] = [];
  private readonly nodes: object[] = [];
  private readonly metadataProps: { key: string; value: string }[] = [];
  private readonly names = new Set<string>();
  private counter = 0;

  constructor(opts: GraphBuilderOptions = {}) {
    this.opts = {
      name: opts.name ?? 'graph',
      opset: opts.opset ?? 17,
      irVersion: opts.irVersion ?? 8,
      producer: opts.producer ?? 'chorus',
      docString: opts.docString ?? '',
    };
  }

  /** Declares a graph input and returns its name. */
  input(name: string, type: ElemType, dims: Dim[]): string {
    this.claim(name);
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Adds an initializer (a constant weight tensor) and returns its name. `number[]` is stored as float32. */
  init(name: string, data: TensorData, dims: number[], type?: ElemType): string {
    this.claim(name);
    this.initializers.push(tensorProto(name, data, dims, type));
    return name;
  }

  /** An initializer with a generated name, for small constants such as axes or shapes. */
  constant(data: TensorData, dims: number[], type?: ElemType): string {
    return this.init(this.fresh('const'), data, dims, type);
  }

  /** Adds a node with one output and returns the output's name (`opts.output` names it explicitly). */
  op(
    opType: string,
    inputs: string[],
    attrs: Record<string, AttrValue> = {},
    opts: { output?: string; domain?: string } = {},
  ): string {
    const [out] = this.opMulti(opType, inputs, opts.output ? [opts.output] : 1, attrs, opts);
    return out!;
  }

  /** Adds a node with several outputs (a count for generated names, or the names themselves). */
  opMulti(
    opType: string,
    inputs: string[],
    outputs: number | string[],
    attrs: Record<string, AttrValue> = {},
    opts: { domain?: string } = {},
  ): string[] {
    for (const i of inputs)
      if (i !== '' && !this.names.has(i)) throw new Error(`${opType}: unknown input value '${i}'`);
    const outNames =
      typeof outputs === 'number'
        ? Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase()))
        : outputs;
    for (const o of outNames) this.claim(o);
    this.nodes.push({
      name: this.fresh(`${opType}_node`, false),
      op_type: opType,
      domain: opts.domain ?? '',
      input: inputs,
      output: outNames,
      attribute: Object.entries(attrs).map(([name, v]) => attributeProto(name, v)),
    });
    return outNames;
  }

  /** Declares a graph output. When `name` differs from `value`'s name an Identity node renames it. */
  output(value: string, type: ElemType, dims: Dim[], name: string = value): string {
    if (!this.names.has(value)) throw new Error(`output: unknown value '${value}'`);
    const out = name === value ? value : this.op('Identity', [value], {}, { output: name });
    this.outputs.push(valueInfo(out, type, dims));
    return out;
  }

  /** Free-form key/value metadata stored in the model (e.g. feature names, a model version). */
  metadata(key: string, value: string): this {
    this.metadataProps.push({ key, value });
    return this;
  }

  /** The ModelProto as a plain object (ONNX field names), before encoding. */
  toModel(): Record<string, unknown> {
    return {
      ir_version: this.opts.irVersion,
      producer_name: this.opts.producer,
      producer_version: '1',
      model_version: 1,
      doc_string: this.opts.docString,
      opset_import: [{ domain: '', version: this.opts.opset }],
      metadata_props: this.metadataProps,
      graph: {
        name: this.opts.name,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    };
  }

  /** Serialises the model. The same build steps give the same bytes. */
  toBytes(): Uint8Array {
    if (this.outputs.length === 0) throw new Error('graph has no outputs');
    return ModelProto.encode(ModelProto.fromObject(this.toModel())).finish();
  }

  private claim(name: string): void {
    if (!name) throw new Error('value names must be non-empty');
    if (this.names.has(name)) throw new Error(`duplicate value name '${name}'`);
    this.names.add(name);
  }

  private fresh(prefix: string, value = true): string {
    let name: string;
    do name = `${prefix}_${this.counter++}`;
    while (value && this.names.has(name));
    return name;
  }
}

function checkInt(v: number): number {
  if (!Number.isSafeInteger(v)) throw new Error(`integer attribute expected, got ${v}`);
  return v;
}

function valueInfo(name: string, type: ElemType, dims: Dim[]): object {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: DATA_TYPE[type],
        shape: {
          dim: dims.map((d) =>
            typeof d === 'number' ? { dim_value: checkInt(d) } : { dim_param: d },
          ),
        },
      },
    },
  };
}

function inferType(data: TensorData): ElemType {
  if (Array.isArray(data) || data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Int8Array) return 'int8';
  return 'uint8';
}

/** Tensor bytes go to raw_data, little-endian (the byte order of every platform Node runs on). */
function tensorProto(
  name: string | undefined,
  data: TensorData,
  dims: number[],
  type?: ElemType,
): TensorProtoObject {
  const elemType = type ?? inferType(data);
  const typed = Array.isArray(data) ? toTyped(data, elemType) : data;
  const count = dims.reduce((a, b) => a * checkInt(b), 1);
  if (typed.length !== count)
    throw new Error(
      `tensor ${name ?? '(attribute)'}: ${typed.length} values for shape [${dims.join(',')}]`,
    );
  if (elemType === 'bool' && !(typed instanceof Uint8Array))
    throw new Error('bool tensors take a Uint8Array of 0/1');
  const raw = new Uint8Array(
    typed.buffer.slice(typed.byteOffset, typed.byteOffset + typed.byteLength),
  );
  return {
    ...(name ? { name } : {}),
    dims: [...dims],
    data_type: DATA_TYPE[elemType],
    raw_data: raw,
  };
}

function toTyped(data: number[], type: ElemType): Exclude<TensorData, number[]> {
  switch (type) {
    case 'float32':
      return Float32Array.from(data);
    case 'float64':
      return Float64Array.from(data);
    case 'int64':
      return BigInt64Array.from(data, (v) => BigInt(checkInt(v)));
    case 'int32':
      return Int32Array.from(data);
    case 'int8':
      return Int8Array.from(data);
    case 'uint8':
    case 'bool':
      return Uint8Array.from(data);
  }
}

function attributeProto(name: string, v: AttrValue): object {
  switch (v.kind) {
    case 'int':
      return { name, type: AttributeType.INT, i: v.value };
    case 'float':
      return { name, type: AttributeType.FLOAT, f: v.value };
    case 'ints':
      return { name, type: AttributeType.INTS, ints: v.value };
    case 'floats':
      return { name, type: AttributeType.FLOATS, floats: v.value };
    case 'string':
      return { name, type: AttributeType.STRING, s: new TextEncoder().encode(v.value) };
    case 'strings':
      return {
        name,
        type: AttributeType.STRINGS,
        strings: v.value.map((s) => new TextEncoder().encode(s)),
      };
    case 'tensor':
      return { name, type: AttributeType.TENSOR, t: v.value };
  }
}
