/**
 * Test fixture run as a separate process by concurrency.test.ts: hammers one database (a SQLite file or
 * a Postgres URL) from its own connection until a deadline.
 * argv: <db path or URL> <register|promote> <worker index> <start ms> <duration ms>
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { openDatabase } from '../db/open.ts'
import { TarmacError } from '../errors.ts'
import { promote } from './promote.ts'
import { seedVersion } from './testing.ts'

const [target, mode, index, startAt, durationMs] = process.argv.slice(2)
const worker = Number(index)
const versionCount = 20

while (Date.now() < Number(startAt)) {
  // wait so every worker opens (and, on a fresh database, migrates) and starts hammering at the same moment
}
const db = await openDatabase(target, { busyTimeoutMs: 10_000 })
const deadline = Date.now() + Number(durationMs)
let done = 0
let refused = 0
let busy = 0
for (let i = 0; Date.now() < deadline; i++) {
  // a short breather between writes: without it one process re-takes the lock before the other's waiter wakes
  await sleep(1)
  if (mode === 'register') {
    await seedVersion(db, 'race', { val_auc: 0.8 })
  } else {
    // worker 0 takes even versions, worker 1 odd ones; some beat the champion, every third is forced
    const version = ((i * 2 + worker) % versionCount) + 1
    try {
      await promote(db, 'race', version, { actor: `worker-${worker}`, reason: `attempt ${i}`, force: i % 3 === 0 })
    } catch (error) {
      if (!(error instanceof TarmacError)) throw error
      if (error.message.includes('busy')) busy++
      else refused++
      continue
    }
  }
  done++
}
await db.close()
process.stdout.write(JSON.stringify({ done, refused, busy }))
