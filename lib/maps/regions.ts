import { WB2_REGIONS, WB2_REGION_NAMES, type Wb2RegionName } from "@/lib/verification/regions";
import type { MapGrid } from "./map-grid";

/**
 * Preset map regions: the WeatherBench 2 regions (lib/verification) as lon/lat boxes, the domain
 * of a regional grid, and the Web Mercator view that fits a box into a panel.
 */

/** A lon/lat box; `west` > `east` never happens: boxes crossing 0° run from a negative west. */
export type Bounds = { west: number; south: number; east: number; north: number };

export const MAP_REGION_NAMES = WB2_REGION_NAMES;

const MERCATOR_LAT = 85;

/** The WB2 region as a box (longitudes in −180…180 where the region crosses 0°, e.g. Europe −12.5…42.5). */
export function wb2RegionBounds(name: Wb2RegionName): Bounds {
  const r = WB2_REGIONS[name];
  const lats = r.lat ?? [[-90, 90]];
  const south = Math.min(...lats.map((i) => i[0]));
  const north = Math.max(...lats.map((i) => i[1]));
  if (!r.lon) return { west: -180, east: 180, south, north };
  // Intervals in 0…360: join [a, 360] + [0, b] into a − 360 … b.
  const ivs = r.lon.map((i) => [i[0], i[1]] as [number, number]);
  const wrapped = ivs.find((i) => i[1] >= 360);
  const fromZero = ivs.find((i) => i[0] <= 0);
  let west: number;
  let east: number;
  if (wrapped && fromZero && ivs.length === 2) {
    west = wrapped[0] - 360;
    east = fromZero[1];
  } else {
    west = Math.min(...ivs.map((i) => i[0]));
    east = Math.max(...ivs.map((i) => i[1]));
    if (west >= 180) {
      west -= 360;
      east -= 360;
    }
  }
  return { west, east, south, north };
}

/** The domain of a regional grid (null for a global one), including the half cell around the outer points. */
export function mapGridBounds(mg: MapGrid): Bounds | null {
  if (mg.kind === "mesh") return mg.bounds;
  if (mg.kind === "raster") {
    const global = mg.south <= -90 && mg.nx * mg.dlon >= 359.999;
    return global ? null : { west: mg.west, south: mg.south, east: mg.west + mg.nx * mg.dlon, north: mg.south + mg.ny * mg.dlat };
  }
  if (mg.global) return null;
  let south = Infinity;
  let north = -Infinity;
  let west = Infinity;
  let east = -Infinity;
  for (let r = 0; r < mg.rows; r++) {
    const lat = mg.table[r * 4];
    const count = mg.table[r * 4 + 2];
    const lon0 = mg.table[r * 4 + 3];
    const dlon = mg.periodic ? 360 / count : mg.dlon;
    south = Math.min(south, lat);
    north = Math.max(north, lat);
    west = Math.min(west, lon0);
    east = Math.max(east, mg.periodic ? lon0 + 360 : lon0 + (count - 1) * dlon);
  }
  const [s, n] = mg.ascending ? mg.edgeSlack : [mg.edgeSlack[1], mg.edgeSlack[0]];
  const half = mg.periodic ? 0 : mg.dlon / 2;
  if (west > 180) {
    west -= 360;
    east -= 360;
  }
  return { west: Math.max(-180, west - half), east: Math.min(360, east + half), south: Math.max(-90, south - s), north: Math.min(90, north + n) };
}

const mercY = (lat: number) => Math.log(Math.tan(Math.PI / 4 + (Math.max(-MERCATOR_LAT, Math.min(MERCATOR_LAT, lat)) * Math.PI) / 360));
const invMercY = (y: number) => ((2 * Math.atan(Math.exp(y)) - Math.PI / 2) * 180) / Math.PI;

/**
 * The Web Mercator view (deck.gl MapView: 512 px world at zoom 0) that shows the box inside a
 * panel of width × height pixels with `padding` pixels on each side.
 */
export function fitView(b: Bounds, width: number, height: number, padding = 8): { longitude: number; latitude: number; zoom: number } {
  const w = Math.max(1, width - 2 * padding);
  const h = Math.max(1, height - 2 * padding);
  const dLon = Math.max(1e-6, b.east - b.west);
  const y0 = mercY(b.south);
  const y1 = mercY(b.north);
  const dy = Math.max(1e-9, y1 - y0);
  const zx = Math.log2((w * 360) / (512 * dLon));
  const zy = Math.log2((h * 2 * Math.PI) / (512 * dy));
  let longitude = (b.west + b.east) / 2;
  if (longitude > 180) longitude -= 360;
  return { longitude, latitude: invMercY((y0 + y1) / 2), zoom: Math.max(0, Math.min(20, Math.min(zx, zy))) };
}
