/** The typed arrays step outputs and trial blobs carry, by constructor name (how both codecs tag them). */
export const TYPED = { Float32Array, Float64Array, Int32Array, Uint8Array, Uint32Array } as const
export type TypedName = keyof typeof TYPED
export type Typed = InstanceType<(typeof TYPED)[TypedName]>

export function typedName(v: unknown): TypedName | null {
  for (const name of Object.keys(TYPED) as TypedName[]) if (v instanceof TYPED[name]) return name
  return null
}
