/** The sections of `tarmac bench`, in the order it runs them. */
export const SECTIONS = ['sweep', 'encoder', 'runtimes', 'drift', 'batch', 'edge', 'capture', 'stream', 'browser'] as const

/** `tarmac bench --record`: each section's printed lines, as the docs quote them. */
export type BenchSections = Partial<Record<(typeof SECTIONS)[number], string[]>>
