/**
 * Test fixture run as a separate process by concurrency.test.ts: hammers one database file
 * from its own connection until a deadline. argv: <db> <register|promote> <worker index> <start ms> <duration ms>
 */
import { openDatabase } from '../db/open.ts'
import { TarmacError } from './errors.ts'
import { promote } from './promote.ts'
import { seedVersion } from './testing.ts'

const [path, mode, index, startAt, durationMs] = process.argv.slice(2)
const worker = Number(index)
const versionCount = 20

while (Date.now() < Number(startAt)) {
  // wait so every worker opens (and, on a fresh file, migrates) and starts hammering at the same moment
}
const db = openDatabase(path, { busyTimeoutMs: 10_000 })
const deadline = Date.now() + Number(durationMs)
const pause = new Int32Array(new SharedArrayBuffer(4))
let done = 0
let refused = 0
let busy = 0
for (let i = 0; Date.now() < deadline; i++) {
  // a short breather between writes: without it one process re-takes the lock before the other's busy handler wakes
  Atomics.wait(pause, 0, 0, 1)
  if (mode === 'register') {
    seedVersion(db, 'race', { val_auc: 0.8 })
  } else {
    // worker 0 takes even versions, worker 1 odd ones; some beat the champion, every third is forced
    const version = ((i * 2 + worker) % versionCount) + 1
    try {
      promote(db, 'race', version, { actor: `worker-${worker}`, reason: `attempt ${i}`, force: i % 3 === 0 })
    } catch (error) {
      if (!(error instanceof TarmacError)) throw error
      if (error.message.includes('busy')) busy++
      else refused++
      continue
    }
  }
  done++
}
db.$client.close()
process.stdout.write(JSON.stringify({ done, refused, busy }))
