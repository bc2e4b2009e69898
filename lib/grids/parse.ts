import { GridDescriptorSchema, type GridDescriptor } from "./descriptor";
import { classicReducedGrid, GaussianGrid, gaussianLatitudes, octahedralGrid, regularGaussianGrid } from "./gaussian";
import type { Grid } from "./grid";
import { HealpixGrid, healpixGrid } from "./healpix-grid";
import { RegularGrid, regularGlobal } from "./regular";
import { lonDelta, wrap360 } from "./sphere";
import { UnstructuredGrid } from "./unstructured";

export class GridSpecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GridSpecError";
  }
}

const NUM = "(\\d+(?:\\.\\d+)?)";
const SPEC_FORMS = '"1.5", "0.25x0.25" (Δlon x Δlat), "regular-1.5x1.5", "O96", "N320" (= "F320"), "reduced-N320", "H64", "H64-ring", "H64-nested"';

/**
 * Grid from a short spec (case-insensitive):
 * - "1.5", "0.25x0.25" or "regular-0.25x0.25": global regular lat/lon grid, north→south with pole
 *   rows, longitudes from 0 (the ERA5/anemoi layout). With two numbers the first is the
 *   longitude increment, as in MARS `grid: Δlon/Δlat`.
 * - "O96": octahedral reduced Gaussian grid.
 * - "N320" or "F320": regular (full) Gaussian grid, 2N × 4N. (MARS's "N320" denotes the classic
 *   *reduced* grid, 542,080 points, whose row table is not derivable by formula; such grids are
 *   recognised from coordinates by gridFromLatLon or built from a descriptor with their pl.)
 * - "reduced-N320": ECMWF's classic reduced Gaussian grid, from its built-in row table
 *   (N32 … N2000, see classicReducedPl).
 * - "H64", "H64-ring", "H64-nested": HEALPix (ring order by default).
 */
export function parseGrid(spec: string): Grid {
  const s = spec.trim();
  let m: RegExpMatchArray | null;
  if ((m = s.match(new RegExp(`^(?:regular-)?${NUM}$`, "i")))) return regularFromSpec(m[1], m[1], spec);
  if ((m = s.match(new RegExp(`^(?:regular-)?${NUM}\\s*[x/]\\s*${NUM}$`, "i")))) return regularFromSpec(m[1], m[2], spec);
  if ((m = s.match(/^O(\d+)$/i))) return octahedralGrid(positiveInt(m[1], spec));
  if ((m = s.match(/^[NF](\d+)$/i))) return regularGaussianGrid(positiveInt(m[1], spec));
  if ((m = s.match(/^reduced-N(\d+)$/i))) {
    try {
      return classicReducedGrid(positiveInt(m[1], spec));
    } catch (e) {
      throw e instanceof GridSpecError ? e : new GridSpecError(`invalid grid "${spec}": ${(e as Error).message}`);
    }
  }
  if ((m = s.match(/^H(\d+)(?:-(ring|nested|nest))?$/i))) {
    const order = m[2] && m[2].toLowerCase().startsWith("nest") ? "nested" : "ring";
    try {
      return healpixGrid(positiveInt(m[1], spec), order);
    } catch (e) {
      throw new GridSpecError(`invalid HEALPix grid "${spec}": ${(e as Error).message}`);
    }
  }
  throw new GridSpecError(`unknown grid "${spec}"; expected one of ${SPEC_FORMS}`);
}

function positiveInt(text: string, spec: string): number {
  const v = Number(text);
  if (!Number.isSafeInteger(v) || v < 1) throw new GridSpecError(`invalid grid "${spec}": size must be a positive integer`);
  return v;
}

function regularFromSpec(dlon: string, dlat: string, spec: string): RegularGrid {
  const a = Number(dlon);
  const b = Number(dlat);
  if (!(a > 0 && b > 0)) throw new GridSpecError(`invalid grid "${spec}": increments must be positive`);
  try {
    return regularGlobal(a, b);
  } catch (e) {
    throw new GridSpecError(`invalid grid "${spec}": ${(e as Error).message}`);
  }
}

/** Rebuilds a grid from its (zod-validated) descriptor. */
export function gridFromDescriptor(descriptor: unknown): Grid {
  const d = GridDescriptorSchema.parse(descriptor) as GridDescriptor;
  switch (d.kind) {
    case "regular":
      return new RegularGrid(d);
    case "gaussian":
      return new GaussianGrid(d);
    case "healpix":
      return new HealpixGrid(d);
    case "unstructured":
      return UnstructuredGrid.fromDescriptor(d);
  }
}

export interface FromLatLonOptions {
  /** Coordinate tolerance in degrees (default 1e-4 ≈ 11 m: float32-stored longitudes near 360° are only good to ~2e-5). */
  tolerance?: number;
  /** Voronoi domain for the unstructured fallback. */
  domain?: "auto" | "global" | "hull";
}

/**
 * Recognises the grid of flat latitude/longitude arrays (as stored in anemoi datasets): HEALPix
 * (ring or nested), regular lat/lon (row-major, any latitude order, global or box), Gaussian
 * (octahedral, regular or classic reduced; rows north→south, each row starting at 0°), falling
 * back to an unstructured grid. A structured match must reproduce every point within the tolerance
 * (longitudes compared modulo 360), so the returned grid has the same point order as the input.
 */
export function gridFromLatLon(lats: ArrayLike<number>, lons: ArrayLike<number>, options: FromLatLonOptions = {}): Grid {
  const tol = options.tolerance ?? 1e-4;
  const n = lats.length;
  if (n !== lons.length) throw new GridSpecError(`latitudes (${n}) and longitudes (${lons.length}) differ in length`);
  if (n === 0) throw new GridSpecError("no points");
  const candidates: (() => Grid | null)[] = [
    () => healpixCandidate(n, lats, lons, tol),
    () => rowCandidate(lats, lons, tol),
  ];
  for (const make of candidates) {
    const g = make();
    if (g && matches(g, lats, lons, tol)) return g;
  }
  return new UnstructuredGrid(lats, lons, options.domain ?? "auto");
}

function matches(g: Grid, lats: ArrayLike<number>, lons: ArrayLike<number>, tol: number): boolean {
  if (g.size !== lats.length) return false;
  const gl = g.latitudes;
  const go = g.longitudes;
  for (let i = 0; i < g.size; i++) {
    if (!(Math.abs(gl[i] - lats[i]) <= tol)) return false;
    if (Math.abs(gl[i]) < 90 - 1e-9 && !(Math.abs(lonDelta(go[i], lons[i])) <= tol)) return false;
  }
  return true;
}

function healpixCandidate(n: number, lats: ArrayLike<number>, lons: ArrayLike<number>, tol: number): Grid | null {
  if (n % 12 !== 0) return null;
  const nside = Math.round(Math.sqrt(n / 12));
  if (12 * nside * nside !== n) return null;
  const orders: ("ring" | "nested")[] = (nside & (nside - 1)) === 0 ? ["ring", "nested"] : ["ring"];
  for (const order of orders) {
    const g = healpixGrid(nside, order);
    // Cheap pre-check on a few points before the full comparison in matches().
    const probe = Math.min(n, 64);
    let ok = true;
    for (let i = 0; i < probe && ok; i++) {
      const p = Math.floor((i * (n - 1)) / Math.max(1, probe - 1));
      ok = Math.abs(g.latitudes[p] - lats[p]) <= tol && Math.abs(lonDelta(g.longitudes[p], lons[p])) <= tol;
    }
    if (ok && matches(g, lats, lons, tol)) return g;
  }
  return null;
}

function snap(x: number, tol: number): number {
  for (const scale of [1e2, 1e4, 1e6, 1e8]) {
    const r = Math.round(x * scale) / scale;
    if (Math.abs(r - x) <= tol * 1e-3) return r;
  }
  return x;
}

/** Regular or Gaussian candidate from runs of equal latitude. */
function rowCandidate(lats: ArrayLike<number>, lons: ArrayLike<number>, tol: number): Grid | null {
  const n = lats.length;
  const rowLat: number[] = [];
  const rowCount: number[] = [];
  let start = 0;
  for (let i = 1; i <= n; i++) {
    if (i === n || Math.abs(lats[i] - lats[start]) > tol) {
      rowLat.push(lats[start]);
      rowCount.push(i - start);
      start = i;
    }
  }
  const nr = rowLat.length;
  if (nr < 2) return null;
  const asc = rowLat[1] > rowLat[0];
  for (let r = 1; r < nr; r++) if (rowLat[r] > rowLat[r - 1] !== asc) return null;

  // Regular: equal rows, equally spaced.
  if (rowCount.every((c) => c === rowCount[0])) {
    const nlon = rowCount[0];
    const latStep = snap((rowLat[nr - 1] - rowLat[0]) / (nr - 1), tol);
    const evenlySpaced = rowLat.every((v, r) => Math.abs(v - (rowLat[0] + r * latStep)) <= tol);
    if (evenlySpaced && nlon >= 2) {
      // wrap360(last − first)/(nlon − 1) is the step both for boxes and for full circles.
      let lonStep = wrap360(lons[nlon - 1] - lons[0]) / (nlon - 1);
      if (Math.abs(nlon * lonStep - 360) <= tol) lonStep = 360 / nlon;
      else lonStep = snap(lonStep, tol);
      if (lonStep > 0) {
        try {
          return new RegularGrid({
            kind: "regular",
            lat: { first: snap(rowLat[0], tol), step: latStep, count: nr },
            lon: { first: snap(lons[0], tol), step: lonStep, count: nlon },
          });
        } catch {
          return null;
        }
      }
    }
  }

  // Gaussian: 2N rows north→south on the Gaussian latitudes of N.
  if (nr % 2 === 0 && !asc) {
    const N = nr / 2;
    const g = gaussianLatitudes(N).latitudes;
    if (rowLat.every((v, r) => Math.abs(v - g[r]) <= tol)) return new GaussianGrid({ kind: "gaussian", N, pl: rowCount });
  }
  return null;
}
