/** KV layout: an alias points at a version; a version's manifest is immutable once published. */
export const aliasKey = (name: string, alias: string) => `alias/${name}/${alias}`
export const aliasPrefix = (name: string) => `alias/${name}/`
export const manifestKey = (name: string, version: number) => `manifest/${name}/${version}`
/** R2 layout: content-addressed blobs. */
export const blobKey = (sha256: string) => `blobs/${sha256}`

export const CHAMPION = 'champion'
export const CHALLENGER = 'challenger'
