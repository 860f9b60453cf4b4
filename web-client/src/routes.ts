/** Destinations by origin: the routes the model saw in training (the encoder's `route` cells, "ORD-JFK"). */
export type RouteTable = ReadonlyMap<string, readonly string[]>

export function routeTable(routes: Iterable<string>): RouteTable {
  const table = new Map<string, string[]>()
  for (const key of routes) {
    const [origin, destination] = key.split('-')
    if (!origin || !destination) continue
    const list = table.get(origin)
    if (list) list.push(destination)
    else table.set(origin, [destination])
  }
  for (const list of table.values()) list.sort()
  return new Map([...table].sort(([a], [b]) => (a < b ? -1 : 1)))
}
