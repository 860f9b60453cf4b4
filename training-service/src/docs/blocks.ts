/**
 * Marked blocks in Markdown: `<!-- tarmac:NAME -->` … `<!-- /tarmac:NAME -->`. The text between the markers
 * belongs to the docs generator; everything else in the file is prose it never touches.
 */
const BLOCK = /<!-- tarmac:([a-z0-9-]+) -->\n([\s\S]*?)<!-- \/tarmac:\1 -->/g

export interface MarkedBlock {
  name: string
  body: string
}

export function findBlocks(text: string): MarkedBlock[] {
  return [...text.matchAll(BLOCK)].map((m) => ({ name: m[1], body: m[2] }))
}

/** A rendering as it sits between the markers: ending in exactly one newline. */
export function blockBody(rendered: string): string {
  return `${rendered.replace(/\n+$/, '')}\n`
}

/** The text with every marked block's body replaced by its rendering; a block the generator does not know is an error. */
export function fillBlocks(text: string, rendered: Readonly<Record<string, string>>, file: string): string {
  return text.replace(BLOCK, (_all, name: string) => {
    const body = rendered[name]
    if (body === undefined) throw new Error(`${file}: unknown block "tarmac:${name}" (known: ${Object.keys(rendered).join(', ')})`)
    return `<!-- tarmac:${name} -->\n${blockBody(body)}<!-- /tarmac:${name} -->`
  })
}
