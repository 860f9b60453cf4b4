/** The element with this id, of the expected type; a missing one is a bug in the page, not a runtime condition. */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const el = document.getElementById(id)
  if (!(el instanceof type)) throw new Error(`#${id} is missing or not a ${type.name}`)
  return el
}

/** A page's status line: its text, and the state the tests and the bench wait for. */
export function setStatus(text: string, state: 'loading' | 'ready' | 'error', id = 'status'): void {
  const status = byId(id, HTMLElement)
  status.textContent = text
  status.dataset.state = state
}
