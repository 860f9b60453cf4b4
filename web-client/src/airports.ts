/** Latitude and longitude of busy US airports, for the distance of a route the person picks. */
const AIRPORTS: Record<string, readonly [number, number]> = {
  ANC: [61.1743, -149.9962],
  ATL: [33.6407, -84.4277],
  AUS: [30.1975, -97.6664],
  BNA: [36.1263, -86.6774],
  BOS: [42.3656, -71.0096],
  BWI: [39.1774, -76.6684],
  CLT: [35.2144, -80.9473],
  DAL: [32.8471, -96.8518],
  DCA: [38.8512, -77.0402],
  DEN: [39.8561, -104.6737],
  DFW: [32.8998, -97.0403],
  DTW: [42.2162, -83.3554],
  EWR: [40.6895, -74.1745],
  FLL: [26.0742, -80.1506],
  HNL: [21.3187, -157.9225],
  HOU: [29.6454, -95.2789],
  IAD: [38.9531, -77.4565],
  IAH: [29.9902, -95.3368],
  JFK: [40.6413, -73.7781],
  LAS: [36.084, -115.1537],
  LAX: [33.9416, -118.4085],
  LGA: [40.7769, -73.874],
  MCO: [28.4312, -81.3081],
  MDW: [41.7868, -87.7522],
  MIA: [25.7959, -80.287],
  MSP: [44.8848, -93.2223],
  MSY: [29.9934, -90.258],
  OAK: [37.7126, -122.2197],
  ORD: [41.9742, -87.9073],
  PDX: [45.5898, -122.5951],
  PHL: [39.8744, -75.2424],
  PHX: [33.4342, -112.0116],
  RDU: [35.8801, -78.788],
  SAN: [32.7338, -117.1933],
  SEA: [47.4502, -122.3088],
  SFO: [37.6213, -122.379],
  SJC: [37.3639, -121.9289],
  SLC: [40.7899, -111.9791],
  SMF: [38.6951, -121.5908],
  STL: [38.7487, -90.37],
  TPA: [27.9755, -82.5332],
}

const EARTH_RADIUS_MILES = 3958.8

/** Great-circle distance in statute miles, rounded as the data set records it; undefined for unknown airports. */
export function routeDistance(origin: string, destination: string): number | undefined {
  const a = AIRPORTS[origin]
  const b = AIRPORTS[destination]
  if (!a || !b || origin === destination) return undefined
  const rad = Math.PI / 180
  const dLat = (b[0] - a[0]) * rad
  const dLon = (b[1] - a[1]) * rad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a[0] * rad) * Math.cos(b[0] * rad) * Math.sin(dLon / 2) ** 2
  return Math.round(2 * EARTH_RADIUS_MILES * Math.asin(Math.sqrt(h)))
}
