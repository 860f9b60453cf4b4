/** Bytes that are not a well-formed ONNX model (corrupt, truncated, or missing required parts). */
export class OnnxFormatError extends Error {
  override name = 'OnnxFormatError'
}

/** The model is valid ONNX but uses an op (or op variant) the TS evaluator does not run; fall back to onnxruntime. */
export class UnsupportedOpError extends Error {
  override name = 'UnsupportedOpError'
  readonly op: string

  constructor(op: string, detail: string) {
    super(`unsupported op '${op}': ${detail}`)
    this.op = op
  }
}

/** Inputs passed to an evaluator do not match the model (missing, wrong type or length, index out of range). */
export class OnnxInputError extends Error {
  override name = 'OnnxInputError'
}
