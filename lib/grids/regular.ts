import { RegularDescriptorSchema, type RegularDescriptor } from "./descriptor";
import { BaseGrid, normaliseMeanOne } from "./grid";
import { rowLinearStencil, rowNearestStencil, type RowTable } from "./rowtable";
import { DEG, fmtNumber } from "./sphere";
import type { Stencil } from "./stencil";

const EPS = 1e-9;

/**
 * Regular latitude/longitude grid. Points are row-major: row i has latitude lat.first + i·lat.step
 * and holds lon.count points at lon.first + j·lon.step (index i·lon.count + j), the flattening
 * used by ERA5, WeatherBench 2 and anemoi datasets. Either latitude order, with or without pole
 * rows, global or a regional box.
 */
export class RegularGrid extends BaseGrid {
  readonly kind = "regular" as const;
  readonly id: string;
  readonly size: number;
  readonly latitudes: Float64Array;
  readonly longitudes: Float64Array;
  readonly descriptor: RegularDescriptor;
  readonly nlat: number;
  readonly nlon: number;
  /** Row latitudes in native order. */
  readonly rowLatitudes: Float64Array;
  /** The rows wrap round the globe in longitude. */
  readonly periodic: boolean;
  /** The rows reach (to within one step) both poles, so the grid is global in latitude. */
  readonly globalLatitude: boolean;
  private table: RowTable | null = null;

  constructor(descriptor: RegularDescriptor) {
    super();
    const d = RegularDescriptorSchema.parse(descriptor);
    this.descriptor = d;
    const { lat, lon } = d;
    this.nlat = lat.count;
    this.nlon = lon.count;
    this.size = lat.count * lon.count;
    this.rowLatitudes = new Float64Array(lat.count);
    for (let i = 0; i < lat.count; i++) this.rowLatitudes[i] = clampLat(lat.first + i * lat.step);
    const lons = new Float64Array(lon.count);
    for (let j = 0; j < lon.count; j++) lons[j] = lon.first + j * lon.step;
    this.latitudes = new Float64Array(this.size);
    this.longitudes = new Float64Array(this.size);
    for (let i = 0; i < lat.count; i++) {
      this.latitudes.fill(this.rowLatitudes[i], i * lon.count, (i + 1) * lon.count);
      this.longitudes.set(lons, i * lon.count);
    }
    this.periodic = Math.abs(lon.count * lon.step - 360) < 1e-6;
    const lo = Math.min(this.rowLatitudes[0], this.rowLatitudes[lat.count - 1]);
    const hi = Math.max(this.rowLatitudes[0], this.rowLatitudes[lat.count - 1]);
    const step = Math.abs(lat.step);
    this.globalLatitude = lat.count > 1 && lo - step <= -90 + EPS && hi + step >= 90 - EPS;
    this.id = regularId(d, this.periodic);
  }

  /** Latitude cell bounds of each row (degrees, [south, north]); see computeAreas. */
  rowBounds(): { south: Float64Array; north: Float64Array } {
    const n = this.nlat;
    const L = this.rowLatitudes;
    const south = new Float64Array(n);
    const north = new Float64Array(n);
    const asc = n > 1 && L[n - 1] > L[0];
    const half = Math.abs(this.descriptor.lat.step) / 2;
    for (let i = 0; i < n; i++) {
      const prev = i > 0 ? L[i - 1] : NaN;
      const next = i < n - 1 ? L[i + 1] : NaN;
      const below = asc ? prev : next;
      const above = asc ? next : prev;
      south[i] = below === below ? (L[i] + below) / 2 : this.globalLatitude ? -90 : Math.max(-90, L[i] - half);
      north[i] = above === above ? (L[i] + above) / 2 : this.globalLatitude ? 90 : Math.min(90, L[i] + half);
    }
    return { south, north };
  }

  /**
   * Cell areas: (sin φ_north − sin φ_south)·Δλ with cell edges half-way between rows. Outer edges:
   * ±90° when the grid is global in latitude (WeatherBench 2's `_latitude_cell_bounds`), else half
   * a step beyond the outer rows clipped to ±90° (WeatherBench-X), so a regional box sums to its
   * own area. Δλ = 360°/nlon for periodic rows, else lon.step.
   */
  protected computeAreas(): Float64Array {
    const { south, north } = this.rowBounds();
    const dl = (this.periodic ? 360 / this.nlon : this.descriptor.lon.step) * DEG;
    const a = new Float64Array(this.size);
    for (let i = 0; i < this.nlat; i++) {
      const cell = (Math.sin(north[i] * DEG) - Math.sin(south[i] * DEG)) * dl;
      a.fill(cell, i * this.nlon, (i + 1) * this.nlon);
    }
    return a;
  }

  rowTable(): RowTable {
    if (!this.table) {
      const n = this.nlat;
      const first = new Int32Array(n);
      for (let i = 0; i < n; i++) first[i] = i * this.nlon;
      this.table = {
        lat: this.rowLatitudes,
        first,
        count: new Int32Array(n).fill(this.nlon),
        lon0: new Float64Array(n).fill(this.descriptor.lon.first),
        dlon: new Float64Array(n).fill(this.periodic ? 360 / this.nlon : this.descriptor.lon.step),
        periodic: this.periodic,
        global: this.globalLatitude,
        perm: null,
      };
    }
    return this.table;
  }

  protected cellStencil(lat: number, lon: number, st: Stencil): void {
    rowNearestStencil(this.rowTable(), lat, lon, st);
  }

  protected linearStencil(lat: number, lon: number, st: Stencil): void {
    rowLinearStencil(this.rowTable(), lat, lon, st);
  }
}

function clampLat(x: number): number {
  // Snap values a rounding error beyond the poles (e.g. 90 + 1e-14) back onto them.
  return x > 90 ? 90 : x < -90 ? -90 : x;
}

function regularId(d: RegularDescriptor, periodic: boolean): string {
  const { lat, lon } = d;
  const dlat = Math.abs(lat.step);
  const base = `regular-${fmtNumber(lon.step)}x${fmtNumber(dlat)}`;
  const lastLat = lat.first + (lat.count - 1) * lat.step;
  const canonical =
    periodic &&
    Math.abs(lon.first) < EPS &&
    Math.abs(lat.first - 90) < EPS &&
    Math.abs(lastLat + 90) < EPS &&
    lat.step < 0;
  if (canonical) return base;
  const lastLon = lon.first + (lon.count - 1) * lon.step;
  return `${base}-lat${fmtNumber(lat.first)}to${fmtNumber(lastLat)}-lon${fmtNumber(lon.first)}to${fmtNumber(lastLon)}`;
}

/**
 * A global regular grid with the given increments (degrees), north→south with pole rows and
 * longitudes from 0 (ERA5 / anemoi / WeatherBench 2 "with poles" layout).
 */
export function regularGlobal(dlon: number, dlat = dlon, options: { order?: "north-south" | "south-north"; poles?: boolean } = {}): RegularGrid {
  const nlon = Math.round(360 / dlon);
  if (Math.abs(nlon * dlon - 360) > 1e-9 * 360) throw new Error(`longitude step ${dlon} does not divide 360`);
  const poles = options.poles ?? true;
  const nint = Math.round(180 / dlat);
  if (Math.abs(nint * dlat - 180) > 1e-9 * 180) throw new Error(`latitude step ${dlat} does not divide 180`);
  // With poles: 90, 90−Δ, …, −90. Without: cell centres 90−Δ/2, …, −90+Δ/2 (WB2 "without poles").
  const nlat = poles ? nint + 1 : nint;
  const top = poles ? 90 : 90 - dlat / 2;
  const southNorth = options.order === "south-north";
  return new RegularGrid({
    kind: "regular",
    lat: { first: southNorth ? -top : top, step: southNorth ? dlat : -dlat, count: nlat },
    lon: { first: 0, step: 360 / nlon, count: nlon },
  });
}

/**
 * WeatherBench 2 latitude weights for a vector of row latitudes (any order): cell bounds half-way
 * between sorted rows with outer bounds ±90°, a_i = sin b_i − sin b_{i−1}, normalised to mean 1.
 * Returned in the input order.
 */
export function wb2LatitudeWeights(lats: ArrayLike<number>): Float64Array {
  const n = lats.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => lats[a] - lats[b]);
  const w = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const lo = k === 0 ? -90 : (lats[order[k - 1]] + lats[order[k]]) / 2;
    const hi = k === n - 1 ? 90 : (lats[order[k]] + lats[order[k + 1]]) / 2;
    w[order[k]] = Math.sin(hi * DEG) - Math.sin(lo * DEG);
  }
  return normaliseMeanOne(w);
}

/** cos-latitude weights normalised to mean 1 (WeatherBench 1 / WMO style). */
export function cosLatWeights(lats: ArrayLike<number>): Float64Array {
  const w = new Float64Array(lats.length);
  for (let i = 0; i < lats.length; i++) w[i] = Math.cos(lats[i] * DEG);
  return normaliseMeanOne(w);
}
