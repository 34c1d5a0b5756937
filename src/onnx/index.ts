/** Public entry point of the ONNX graph writer (see graph-builder.ts for the API and an example). */
export { GraphBuilder, attr } from './graph-builder.js';
export type { AttrValue, Dim, ElemType, GraphBuilderOptions, TensorData } from './graph-builder.js';
export { DATA_TYPE } from './onnx-schema.js';
