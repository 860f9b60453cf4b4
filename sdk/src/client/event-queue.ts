/** A persistent FIFO of telemetry events: IndexedDB where the page has it, memory otherwise. */
export interface EventQueue<T> {
  add(items: readonly T[]): Promise<void>
  /** the oldest items, with the keys to remove them by */
  peek(limit: number): Promise<{ keys: number[]; items: T[] }>
  remove(keys: readonly number[]): Promise<void>
  count(): Promise<number>
}

const STORE = 'events'

export async function openEventQueue<T>(name: string): Promise<EventQueue<T>> {
  if (!globalThis.indexedDB) return memoryQueue<T>()
  try {
    return idbQueue<T>(await openDatabase(name))
  } catch {
    return memoryQueue<T>()
  }
}

function openDatabase(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(name, 1)
    req.onupgradeneeded = () => req.result.createObjectStore(STORE, { autoIncrement: true })
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  })
}

function done<R>(req: IDBRequest<R>): Promise<R> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  })
}

function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve()
    tx.onerror = () => reject(tx.error)
    tx.onabort = () => reject(tx.error)
  })
}

function idbQueue<T>(db: IDBDatabase): EventQueue<T> {
  const store = (mode: IDBTransactionMode) => db.transaction(STORE, mode).objectStore(STORE)
  return {
    async add(items) {
      const s = store('readwrite')
      for (const item of items) s.add(item)
      await committed(s.transaction)
    },
    async peek(limit) {
      const s = store('readonly')
      const [keys, items] = await Promise.all([done(s.getAllKeys(null, limit)), done(s.getAll(null, limit))])
      return { keys: keys as number[], items: items as T[] }
    },
    async remove(keys) {
      const s = store('readwrite')
      for (const key of keys) s.delete(key)
      await committed(s.transaction)
    },
    count: () => done(store('readonly').count()),
  }
}

function memoryQueue<T>(): EventQueue<T> {
  let next = 0
  const entries = new Map<number, T>()
  return {
    async add(items) {
      for (const item of items) entries.set(next++, item)
    },
    async peek(limit) {
      const head = [...entries].slice(0, limit)
      return { keys: head.map(([k]) => k), items: head.map(([, v]) => v) }
    },
    async remove(keys) {
      for (const key of keys) entries.delete(key)
    },
    count: async () => entries.size,
  }
}
