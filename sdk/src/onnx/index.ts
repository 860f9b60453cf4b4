export { type BuildOptions, buildOnnxGraphModel, buildOnnxModel, IR_VERSION, OPSET_VERSION, OUTPUT_NAME } from './build.ts'
export { OnnxFormatError, OnnxInputError, UnsupportedOpError } from './errors.ts'
export { createTsEvaluator, SUPPORTED_OPS, type TsEvaluator } from './evaluator.ts'
export { createMlpEvaluator, type MlpEvaluator } from './mlp.ts'
export { type MlpPlan, mlpPlan } from './mlp-plan.ts'
export {
  DATA_TYPE_CODES,
  type DenseLayer,
  type EmbeddingSpec,
  type NetworkSpec,
  type OnnxAttribute,
  type OnnxGraph,
  type OnnxModel,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
  type Quantization,
  type TensorData,
  type TensorDataType,
} from './model.ts'
export { dequantize, type QuantizedMatrix, quantizePerChannel } from './quantize.ts'
export { parseOnnxModel } from './reader.ts'
export { encodeOnnxModel } from './writer.ts'
