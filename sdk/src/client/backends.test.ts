import { describe, expect, it } from 'vitest'
import { backendOrder, TS_ENGINE_MAX_MODEL_BYTES } from './backends.ts'

describe('backend order', () => {
  it("keeps the caller's order for a model the TS engine runs fastest", () => {
    expect(backendOrder(['ts', 'webgpu', 'wasm', 'edge'], TS_ENGINE_MAX_MODEL_BYTES)).toEqual(['ts', 'webgpu', 'wasm', 'edge'])
  })

  it('moves the TS engine behind the ORT backends the caller listed for a model too large for it', () => {
    expect(backendOrder(['ts', 'webgpu', 'wasm', 'edge'], TS_ENGINE_MAX_MODEL_BYTES + 1)).toEqual(['webgpu', 'wasm', 'ts', 'edge'])
    // with no ORT backend listed, the TS engine still serves before the edge
    expect(backendOrder(['ts', 'edge'], TS_ENGINE_MAX_MODEL_BYTES + 1)).toEqual(['ts', 'edge'])
  })
})
