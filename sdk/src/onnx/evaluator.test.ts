import { describe, expect, it } from 'vitest'
import { buildOnnxModel } from './build.ts'
import { OnnxInputError, UnsupportedOpError } from './errors.ts'
import { createTsEvaluator } from './evaluator.ts'
import type { OnnxAttribute, OnnxNode, OnnxTensor, OnnxValueInfo } from './model.ts'
import { graphModel, randomInputs, randomNetwork } from './testing.ts'

const f32 = (name: string, dims: number[], values: number[]): OnnxTensor => ({
  name,
  dataType: 'float32',
  dims,
  data: Float32Array.from(values),
})
const i8 = (name: string, dims: number[], values: number[]): OnnxTensor => ({ name, dataType: 'int8', dims, data: Int8Array.from(values) })
const floatInput = (name: string, width: number): OnnxValueInfo => ({ name, dtype: 'float32', shape: ['N', width], docString: '' })
const indexInput = (name: string): OnnxValueInfo => ({ name, dtype: 'int32', shape: ['N'], docString: '' })

function op(opType: string, inputs: string[], output: string, attributes: OnnxAttribute[] = []): OnnxNode {
  return { opType, domain: '', name: output, inputs, outputs: [output], attributes }
}
const int = (name: string, value: number): OnnxAttribute => ({ name, type: 'int', value })
const float = (name: string, value: number): OnnxAttribute => ({ name, type: 'float', value })

/** A one-output graph whose output is the last node's, width `width`. */
function evaluator(nodes: OnnxNode[], initializers: OnnxTensor[], inputs: OnnxValueInfo[], width: number) {
  return createTsEvaluator(graphModel(nodes, initializers, inputs, width))
}

const TABLE = f32('table', [3, 2], [1, 2, 3, 4, 5, 6])

describe('TS evaluator ops (expected values by hand)', () => {
  it('Gather picks table rows, negative indices from the end', () => {
    const ev = evaluator([op('Gather', ['table', 'idx'], 'y')], [TABLE], [indexInput('idx')], 2)
    expect(Array.from(ev.run({ idx: Int32Array.from([2, 0, -1]) }, 3))).toEqual([5, 6, 1, 2, 5, 6])
  })

  it('Concat joins along axis 1', () => {
    const ev = evaluator(
      [op('Gather', ['table', 'idx'], 'e'), op('Concat', ['x', 'e'], 'y', [int('axis', 1)])],
      [TABLE],
      [floatInput('x', 1), indexInput('idx')],
      3,
    )
    expect(Array.from(ev.run({ x: Float32Array.from([10, 20]), idx: Int32Array.from([1, 0]) }, 2))).toEqual([10, 3, 4, 20, 1, 2])
  })

  it('Gemm computes alpha·A·B + beta·C, with and without transB', () => {
    const attrs = [float('alpha', 2), float('beta', 0.5)]
    const c = f32('c', [3], [1, 1, 1])
    const plain = evaluator([op('Gemm', ['x', 'b', 'c'], 'y', attrs)], [f32('b', [2, 3], [1, 2, 3, 4, 5, 6]), c], [floatInput('x', 2)], 3)
    const transposed = evaluator(
      [op('Gemm', ['x', 'b', 'c'], 'y', [...attrs, int('transB', 1)])],
      [f32('b', [3, 2], [1, 4, 2, 5, 3, 6]), c],
      [floatInput('x', 2)],
      3,
    )
    // 2 * [1 + 8, 2 + 10, 3 + 12] + 0.5
    for (const ev of [plain, transposed]) expect(Array.from(ev.run({ x: Float32Array.from([1, 2]) }, 1))).toEqual([18.5, 24.5, 30.5])
  })

  it('MatMul then Add of a broadcast row', () => {
    const ev = evaluator(
      [op('MatMul', ['x', 'b'], 'm'), op('Add', ['m', 'c'], 'y')],
      [f32('b', [2, 2], [1, 2, 3, 4]), f32('c', [1, 2], [0.5, -0.5])],
      [floatInput('x', 2)],
      2,
    )
    // [1, 1]·B = [4, 6]; [0, 2]·B = [6, 8]
    expect(Array.from(ev.run({ x: Float32Array.from([1, 1, 0, 2]) }, 2))).toEqual([4.5, 5.5, 6.5, 7.5])
  })

  it('Relu and Sigmoid', () => {
    const relu = evaluator([op('Relu', ['x'], 'y')], [], [floatInput('x', 3)], 3)
    expect(Array.from(relu.run({ x: Float32Array.from([-1, 0, 2]) }, 1))).toEqual([0, 0, 2])
    const sigmoid = evaluator([op('Sigmoid', ['x'], 'y')], [], [floatInput('x', 2)], 2)
    // sigmoid(ln 3) = 1 / (1 + 1/3)
    const [a, b] = sigmoid.run({ x: Float32Array.from([0, Math.log(3)]) }, 1)
    expect(a).toBe(0.5)
    expect(b).toBeCloseTo(0.75, 6)
  })

  it('DequantizeLinear per axis (axis 1, with zero points) feeding MatMul', () => {
    const ev = evaluator(
      [op('DequantizeLinear', ['q', 's', 'z'], 'w', [int('axis', 1)]), op('MatMul', ['x', 'w'], 'y')],
      [i8('q', [2, 3], [1, -2, 3, 127, 0, -127]), f32('s', [3], [0.5, 0.25, 2]), i8('z', [3], [0, 1, -1])],
      [floatInput('x', 2)],
      3,
    )
    // identity rows read back W = (q - z) * s
    expect(Array.from(ev.run({ x: Float32Array.from([1, 0, 0, 1]) }, 2))).toEqual([0.5, -0.75, 8, 63.5, -0.25, -252])
  })

  it('DequantizeLinear per axis 0 and per tensor', () => {
    const perRow = evaluator(
      [op('DequantizeLinear', ['q', 's'], 'w', [int('axis', 0)]), op('MatMul', ['x', 'w'], 'y')],
      [i8('q', [2, 2], [1, 2, 3, 4]), f32('s', [2], [1, 10])],
      [floatInput('x', 2)],
      2,
    )
    expect(Array.from(perRow.run({ x: Float32Array.from([1, 0, 0, 1]) }, 2))).toEqual([1, 2, 30, 40])
    const perTensor = evaluator(
      [op('DequantizeLinear', ['q', 's', 'z'], 'c'), op('Add', ['x', 'c'], 'y')],
      [i8('q', [3], [2, 6, -2]), f32('s', [], [0.5]), i8('z', [], [2])],
      [floatInput('x', 3)],
      3,
    )
    expect(Array.from(perTensor.run({ x: new Float32Array(3) }, 1))).toEqual([0, 2, -2])
  })
})

describe('TS evaluator refusals and input checks', () => {
  it('refuses an op it does not run, at creation', () => {
    const create = () => evaluator([op('Tanh', ['x'], 'y')], [], [floatInput('x', 1)], 1)
    expect(create).toThrow(UnsupportedOpError)
    expect(create).toThrow(/unsupported op 'Tanh'/)
  })

  it('refuses custom domains and unsupported variants of known ops', () => {
    const custom = { ...op('Relu', ['x'], 'y'), domain: 'com.microsoft' }
    expect(() => evaluator([custom], [], [floatInput('x', 1)], 1)).toThrow(/'com\.microsoft\.Relu'/)
    const gather1 = op('Gather', ['table', 'idx'], 'y', [int('axis', 1)])
    expect(() => evaluator([gather1], [TABLE], [indexInput('idx')], 2)).toThrow(UnsupportedOpError)
  })

  const net = randomNetwork(7)
  const ev = createTsEvaluator(buildOnnxModel(net, { quantization: 'int8', metadata: {} }))
  const good = randomInputs(8, net, 2)

  it('describes the model it runs', () => {
    expect(ev.inputNames).toEqual(['numeric', 'origin', 'destination'])
    expect(ev.ops).toEqual(['DequantizeLinear', 'Gather', 'Concat', 'Gemm', 'Relu', 'Sigmoid'])
    expect([ev.outputName, ev.outputWidth]).toEqual(['probability', 1])
  })

  it.each([
    ['a missing input', { numeric: good.numeric, origin: good.origin }, /missing input 'destination'/],
    ['a wrong array type', { ...good, origin: Float32Array.from(good.origin) }, /input 'origin' must be an Int32Array/],
    ['a wrong length', { ...good, numeric: new Float32Array(47) }, /input 'numeric' has 47 values, expected 48 for 2 rows/],
    [
      'an index past the vocabulary',
      { ...good, destination: Int32Array.from([0, 300]) },
      /input 'destination' row 1: index 300 is outside/,
    ],
    ['an index below -vocab', { ...good, origin: Int32Array.from([-301, 0]) }, /input 'origin' row 0: index -301/],
  ])('rejects %s', (_, inputs, message) => {
    expect(() => ev.run(inputs, 2)).toThrow(OnnxInputError)
    expect(() => ev.run(inputs, 2)).toThrow(message)
  })

  it('gives the same rows whatever the batch size, including after growing its buffers', () => {
    const batch = randomInputs(9, net, 50)
    const all = ev.run(batch, 50)
    expect(ev.run({ numeric: new Float32Array(0), origin: new Int32Array(0), destination: new Int32Array(0) }, 0)).toEqual(
      new Float32Array(0),
    )
    for (const r of [0, 17, 49]) {
      const one = ev.run(
        {
          numeric: batch.numeric.slice(r * 24, r * 24 + 24),
          origin: batch.origin.slice(r, r + 1),
          destination: batch.destination.slice(r, r + 1),
        },
        1,
      )
      expect(one[0]).toBe(all[r])
    }
  })
})
