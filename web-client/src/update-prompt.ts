import type { ModelInfo } from '@tarmac/sdk/client'
import { byId } from './dom.ts'

/** "New model available": shown when the alias moved on the network; the person chooses when to switch. */
export function showUpdatePrompt(next: ModelInfo, apply: () => Promise<void>): void {
  const banner = byId('update', HTMLElement)
  const button = byId('update-button', HTMLButtonElement)
  byId('update-text', HTMLElement).textContent = `A new model is available: version ${next.version}.`
  banner.hidden = false
  button.disabled = false
  button.onclick = async () => {
    button.disabled = true
    try {
      await apply()
      banner.hidden = true
    } finally {
      button.disabled = false
    }
  }
}
