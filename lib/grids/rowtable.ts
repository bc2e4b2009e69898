import { wrap360 } from "./sphere";
import type { Stencil } from "./stencil";

/**
 * Iso-latitude row structure shared by regular, Gaussian and HEALPix (ring) grids; the same table
 * the map shader uses (latitude, first index, points per row). Row r has count[r] points at
 * longitudes lon0[r] + j·dlon[r], j = 0..count[r]−1, stored at positions first[r] + j of the
 * row-ordered sequence; perm (if set) maps that position to the grid's native index (HEALPix
 * nested).
 */
export interface RowTable {
  /** Row latitudes, strictly monotone (either direction). */
  readonly lat: Float64Array;
  readonly first: Int32Array;
  readonly count: Int32Array;
  readonly lon0: Float64Array;
  readonly dlon: Float64Array;
  /** Rows go all the way round (dlon·count = 360). */
  readonly periodic: boolean;
  /**
   * The rows cover the globe in latitude: beyond the outermost rows (towards the poles) the
   * outermost row is used. Otherwise points beyond the outer rows are outside the grid.
   */
  readonly global: boolean;
  readonly perm: Int32Array | null;
}

const EPS = 1e-9;

/**
 * Locates lat among the rows: returns r with lat between row r and r+1 (fraction f in [0,1]),
 * or r = −1 (before the first row) / r = n−1 with f = 0 (beyond the last row, or exactly on it).
 */
function bracket(t: RowTable, lat: number, out: { r: number; f: number; outside: number }): void {
  const L = t.lat;
  const n = L.length;
  const asc = n > 1 && L[n - 1] > L[0];
  const s = asc ? 1 : -1;
  out.outside = 0;
  // Work in "row order" coordinates k = s·lat so that k increases along the rows.
  const k = s * lat;
  if (k <= s * L[0] || n === 1) {
    out.r = 0;
    out.f = 0;
    out.outside = s * L[0] - k; // ≥ 0 distance beyond the first row (degrees)
    if (n === 1) out.outside = Math.abs(lat - L[0]);
    return;
  }
  if (k >= s * L[n - 1]) {
    out.r = n - 1;
    out.f = 0;
    out.outside = k - s * L[n - 1];
    return;
  }
  let lo = 0;
  let hi = n - 1; // invariant: s·L[lo] < k < s·L[hi] (or equal at lo)
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (s * L[mid] <= k) lo = mid;
    else hi = mid;
  }
  out.r = lo;
  out.f = (lat - L[lo]) / (L[lo + 1] - L[lo]);
}

const scratch = { r: 0, f: 0, outside: 0 };

function nativeIndex(t: RowTable, r: number, j: number): number {
  const p = t.first[r] + j;
  return t.perm ? t.perm[p] : p;
}

/** Column position t (in units of dlon) of lon in row r, or NaN if outside a non-periodic row. */
function column(t: RowTable, r: number, lon: number, halfCell: boolean): number {
  const d = t.dlon[r];
  const c = t.count[r];
  let x = wrap360(lon - t.lon0[r]) / d;
  if (t.periodic) return x >= c ? x - c : x;
  const period = 360 / d;
  const slack = halfCell ? 0.5 : EPS;
  if (x > c - 1 + slack) {
    // Maybe slightly west of the first column.
    if (period - x <= slack) x -= period;
    else return NaN;
  }
  return x;
}

/** Adds the two-point linear stencil of row r at lon, scaled by wy. Returns false if outside. */
function addRowLinear(t: RowTable, r: number, lon: number, wy: number, st: Stencil): boolean {
  const x = column(t, r, lon, false);
  if (x !== x) return false;
  const c = t.count[r];
  let j0 = Math.floor(x);
  let fx = x - j0;
  if (j0 < 0) {
    j0 = 0;
    fx = 0;
  }
  let j1 = j0 + 1;
  if (j1 >= c) {
    if (t.periodic) j1 = 0;
    else {
      j1 = j0 = c - 1;
      fx = 0;
    }
  }
  if (wy * (1 - fx) > 0) st.push(nativeIndex(t, r, j0), wy * (1 - fx));
  if (wy * fx > 0) st.push(nativeIndex(t, r, j1), wy * fx);
  return true;
}

/** Outer-row tolerance in degrees for non-global tables. */
function edgeSlack(t: RowTable, r: number, half: boolean): number {
  if (!half) return EPS;
  const n = t.lat.length;
  if (n < 2) return 0.5 * t.dlon[0];
  const nb = r === 0 ? 1 : n - 2;
  return 0.5 * Math.abs(t.lat[r] - t.lat[nb]);
}

/**
 * Linear stencil: linear in longitude within the two rows bracketing lat, then linear in
 * latitude between them (bilinear on a regular grid). Empty if lat/lon is outside the grid.
 */
export function rowLinearStencil(t: RowTable, lat: number, lon: number, st: Stencil): void {
  st.clear();
  bracket(t, lat, scratch);
  const { r, f, outside } = scratch;
  if (outside > 0 && t.global) {
    // Polar cap beyond the outermost row: interpolate along the meridian across the pole between
    // the outer row at lon and at lon + 180° (second-order accurate; the pole itself gets the
    // mean of two opposite points instead of a one-sided constant).
    const gap = 90 - Math.abs(t.lat[r]);
    if (gap > 1e-12) {
      const w = Math.min(0.5, outside / (2 * gap));
      if (!addRowLinear(t, r, lon, 1 - w, st)) {
        st.clear();
        return;
      }
      if (addRowLinear(t, r, lon + 180, w, st)) return;
      // The opposite meridian is not covered (non-periodic rows): use the outer row alone.
      st.clear();
      if (!addRowLinear(t, r, lon, 1, st)) st.clear();
      return;
    }
  }
  if (outside > 0 || r === t.lat.length - 1 || f === 0) {
    if (outside > 0 && !t.global && outside > edgeSlack(t, r, false)) return;
    if (!addRowLinear(t, r, lon, 1, st)) st.clear();
    return;
  }
  if (!addRowLinear(t, r, lon, 1 - f, st) || !addRowLinear(t, r + 1, lon, f, st)) st.clear();
}

/**
 * Nearest-cell stencil as the map shader does it: the row with the nearest latitude, then the
 * nearest column in that row. Not always the great-circle nearest point (see Grid.nearest).
 */
export function rowNearestStencil(t: RowTable, lat: number, lon: number, st: Stencil): void {
  st.clear();
  bracket(t, lat, scratch);
  let r = scratch.r;
  if (scratch.outside > 0) {
    if (!t.global && scratch.outside > edgeSlack(t, r, true)) return;
  } else if (scratch.f > 0.5) {
    r += 1;
  }
  const x = column(t, r, lon, true);
  if (x !== x) return;
  const c = t.count[r];
  let j = Math.round(x);
  if (j >= c) j = t.periodic ? j - c : c - 1;
  if (j < 0) j = 0;
  st.push(nativeIndex(t, r, j), 1);
}
