import type { Grid } from "@/lib/grids";
import { meshMapGrid, sampleMesh, type MeshMapGrid } from "./mesh";

/**
 * What the map shader needs to find a value at (lat, lon), and {@link sampleMapGrid}: the same
 * algorithm in TypeScript for the hover probe and the tests. Two kinds:
 *
 * - `rows` (regular, reduced/octahedral Gaussian, HEALPix ring or nested): an iso-latitude row
 *   table (latitude, first index, count, first longitude), values in row order (HEALPix nested is
 *   permuted to ring order once). Binary search for the rows bracketing the latitude, column from
 *   the row's point count, linear in longitude within both rows then linear in latitude (bilinear
 *   on a regular grid). NaN-aware: NaN points are skipped and the weights renormalised. Beyond the
 *   outermost row of a global grid the outermost row is used; a regional grid extends half a row
 *   (or column) beyond its outer rows (columns), and is transparent further out.
 * - `mesh` (unstructured, what the map draws): a spherical Delaunay triangle mesh computed once
 *   per grid on the server, values interpolated linearly within triangles (lib/maps/mesh.ts).
 * - `raster` (unstructured, kept for `/api/grids/<id>/raster`): a lat/lon raster of nearest-point
 *   indices computed once per grid (on the server), −1 outside the domain; the value of the
 *   texel's point (nearest neighbour).
 */

export type RowsMapGrid = {
  kind: "rows";
  gridId: string;
  size: number;
  rows: number;
  /** rows × 4 float32: latitude, first (row-order position), count, first longitude. */
  table: Float32Array;
  /** Column spacing for non-periodic rows (regional regular grids); 0 → 360/count per row. */
  dlon: number;
  periodic: boolean;
  global: boolean;
  /** Rows run south → north. */
  ascending: boolean;
  /** Half the spacing of the outer rows (degrees): how far a regional grid extends beyond them. */
  edgeSlack: [number, number];
  /** Row-order position → native index (HEALPix nested), or null when the orders agree. */
  perm: Int32Array | null;
};

export type RasterMapGrid = {
  kind: "raster";
  gridId: string;
  size: number;
  west: number;
  south: number;
  dlon: number;
  dlat: number;
  nx: number;
  ny: number;
  /** ny × nx nearest-point indices (row 0 = south), −1 outside the domain. */
  index: Int32Array;
};

export type MapGrid = RowsMapGrid | RasterMapGrid | MeshMapGrid;

/** Width of every packed data texture (1-D arrays are laid out in rows of this many texels). */
export const TEXTURE_WIDTH = 2048;

export function textureRows(n: number): number {
  return Math.max(1, Math.ceil(n / TEXTURE_WIDTH));
}

/** The row-table map grid of a regular, Gaussian or HEALPix grid. */
export function rowsMapGrid(grid: Grid): RowsMapGrid {
  const t = grid.rowTable();
  if (!t) throw new Error(`grid ${grid.id} has no row table: use rasterMapGrid`);
  const n = t.lat.length;
  const table = new Float32Array(n * 4);
  for (let r = 0; r < n; r++) {
    table[r * 4] = t.lat[r];
    table[r * 4 + 1] = t.first[r];
    table[r * 4 + 2] = t.count[r];
    table[r * 4 + 3] = t.lon0[r];
  }
  const slack = (r: number, nb: number) => (n > 1 ? 0.5 * Math.abs(t.lat[r] - t.lat[nb]) : 0.5 * t.dlon[0]);
  return {
    kind: "rows",
    gridId: grid.id,
    size: grid.size,
    rows: n,
    table,
    dlon: t.periodic ? 0 : t.dlon[0],
    periodic: t.periodic,
    global: t.global,
    ascending: n > 1 && t.lat[n - 1] > t.lat[0],
    edgeSlack: [slack(0, 1), slack(n - 1, n - 2)],
    perm: t.perm,
  };
}

/** Values in the order the map grid (and its texture) uses: native order, or ring order for HEALPix nested. */
export function toTextureOrder(mg: MapGrid, values: Float32Array, out?: Float32Array): Float32Array {
  if (mg.kind !== "rows" || !mg.perm) return values;
  const o = out ?? new Float32Array(values.length);
  const p = mg.perm;
  for (let i = 0; i < p.length; i++) o[i] = values[p[i]];
  return o;
}

const f = Math.fround;

/** Euclidean modulo like GLSL mod(). */
function mod(x: number, y: number): number {
  return f(x - f(y * Math.floor(f(x / y))));
}

/**
 * Column position within row r: [j0, j1, fx] with value = (1−fx)·v[j0] + fx·v[j1], or null
 * outside a non-periodic row. Mirrors `rowColumns` in the shader.
 */
function rowColumns(mg: RowsMapGrid, r: number, lon: number): [number, number, number] | null {
  const count = mg.table[r * 4 + 2];
  const lon0 = mg.table[r * 4 + 3];
  const dlon = mg.periodic ? f(360 / count) : f(mg.dlon);
  const x = f(mod(f(lon - lon0), 360) / dlon);
  if (mg.periodic) {
    const j0 = Math.min(Math.floor(x), count - 1);
    const fx = Math.min(1, f(x - j0));
    return [j0, j0 + 1 >= count ? 0 : j0 + 1, fx];
  }
  if (x > count - 1) {
    const period = f(360 / dlon);
    if (f(period - x) <= 0.5) return [0, 0, 0];
    if (x <= count - 0.5) return [count - 1, count - 1, 0];
    return null;
  }
  const j0 = Math.floor(x);
  return [j0, Math.min(j0 + 1, count - 1), f(x - j0)];
}

/**
 * Bins over k = ±latitude (the rows' sort key): bin b holds the last row at or before the bin's
 * lower edge, so the shader (components/maps/field-shader.ts) starts there and steps at most a row or two instead of a binary
 * search of up to 17 dependent texture reads. The result is the binary search's row exactly (the
 * shader walks both ways until the row brackets k).
 */
export function rowGuessTable(mg: RowsMapGrid): { k0: number; dk: number; bins: Float32Array } {
  const nb = Math.min(8192, Math.max(256, 4 * mg.rows));
  const k0 = -90;
  const dk = 180 / nb;
  const s = mg.ascending ? 1 : -1;
  const bins = new Float32Array(nb);
  let r = -1;
  let widest = 0;
  for (let b = 0; b < nb; b++) {
    const edge = f(k0 + b * dk);
    const before = r;
    while (r + 1 < mg.rows && f(s * mg.table[(r + 1) * 4]) <= edge) r++;
    widest = Math.max(widest, r - before);
    bins[b] = r;
  }
  // Rows much denser than the bins (a tiny regional domain): the shader's walk is bounded, so use
  // its binary search instead (an empty table).
  return widest > MAX_GUESS_STEPS ? { k0, dk, bins: new Float32Array(0) } : { k0, dk, bins };
}

/** Most rows a bin may span for the guess table to be used (the shader walks at most 64). */
export const MAX_GUESS_STEPS = 32;

/** The shader's row search with the guess table: start at k's bin, step until the row brackets k. */
export function findRowFromGuess(mg: RowsMapGrid, guess: ReturnType<typeof rowGuessTable>, lat: number): number {
  const s = mg.ascending ? 1 : -1;
  const k = f(s * lat);
  const b = Math.min(Math.max(Math.floor(f(f(k - guess.k0) / f(guess.dk))), 0), guess.bins.length - 1);
  let lo = Math.max(-1, Math.min(guess.bins[b], mg.rows - 1));
  while (lo >= 0 && f(s * mg.table[lo * 4]) > k) lo--;
  while (lo + 1 < mg.rows && f(s * mg.table[(lo + 1) * 4]) <= k) lo++;
  return lo;
}

/** Index of the last row at or before lat in row order, or −1 (before the first row). */
export function findRow(mg: RowsMapGrid, lat: number): number {
  const s = mg.ascending ? 1 : -1;
  const k = f(s * lat);
  let lo = -1;
  let hi = mg.rows; // invariant: row lo ≤ k < row hi (in row order)
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (f(s * mg.table[mid * 4]) <= k) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Accumulates row r's linear value at lon with weight w into acc = [sum, wsum]; false when outside. */
function addRow(mg: RowsMapGrid, values: ArrayLike<number>, r: number, lon: number, w: number, acc: [number, number]): boolean {
  const c = rowColumns(mg, r, lon);
  if (!c) return false;
  const first = mg.table[r * 4 + 1];
  const [j0, j1, fx] = c;
  const a = values[first + j0];
  const b = values[first + j1];
  const wa = f(w * f(1 - fx));
  const wb = f(w * fx);
  if (a === a && wa > 0) {
    acc[0] = f(acc[0] + f(wa * a));
    acc[1] = f(acc[1] + wa);
  }
  if (b === b && wb > 0) {
    acc[0] = f(acc[0] + f(wb * b));
    acc[1] = f(acc[1] + wb);
  }
  return true;
}

/** The value the map draws at (lat, lon) in degrees, from values in texture order; NaN outside or missing. */
export function sampleMapGrid(mg: MapGrid, values: ArrayLike<number>, lat: number, lon: number): number {
  if (mg.kind === "mesh") return sampleMesh(mg, values, lat, lon);
  return mg.kind === "rows" ? sampleRows(mg, values, lat, lon) : sampleRaster(mg, values, lat, lon);
}

/**
 * The rows that make up the value at latitude lat and their weights: two bracketing rows
 * (weights 1 − fy and fy), or one outer row (weight 1, b = −1) beyond the outermost rows; null
 * beyond a regional grid's edge. Shared by the probe and the map's per-screen-row cache
 * ({@link latitudeRowCache}), so both weigh rows exactly as the shader's own search does.
 */
export function rowWeights(mg: RowsMapGrid, lat: number): { a: number; wa: number; b: number; wb: number } | null {
  const s = mg.ascending ? 1 : -1;
  const r = findRow(mg, lat);
  const n = mg.rows;
  if (r < 0 || r >= n - 1) {
    // Beyond (or exactly on) an outer row.
    const edge = r < 0 ? 0 : n - 1;
    const beyond = f(Math.abs(f(lat - mg.table[edge * 4])));
    if (!mg.global && beyond > mg.edgeSlack[r < 0 ? 0 : 1]) return null;
    return { a: edge, wa: 1, b: -1, wb: 0 };
  }
  const la = mg.table[r * 4];
  const lb = mg.table[(r + 1) * 4];
  const fy = f(f(f(s * lat) - f(s * la)) / f(f(s * lb) - f(s * la)));
  return { a: r, wa: f(1 - fy), b: r + 1, wb: fy };
}

function sampleRows(mg: RowsMapGrid, values: ArrayLike<number>, lat: number, lon: number): number {
  const rw = rowWeights(mg, lat);
  if (!rw) return NaN;
  const acc: [number, number] = [0, 0];
  const ok = addRow(mg, values, rw.a, lon, rw.wa, acc) && (rw.b < 0 || addRow(mg, values, rw.b, lon, rw.wb, acc));
  if (!ok || acc[1] <= 0) return NaN;
  return f(acc[0] / acc[1]);
}

/** Floats per latitude in {@link latitudeRowCache}: two texels (row a, row b) of four. */
export const ROW_CACHE_STRIDE = 8;

/**
 * For each latitude, the shader's two row texels: (weight, first, count, first longitude) of row
 * a and of row b, as in the row table with the latitude replaced by the row's weight. Row b has
 * count 0 when there is only one row; weight −1 in row a marks a latitude outside the grid. The
 * flat map draws one such entry per screen row (every pixel of a row has the same latitude), so
 * its fragments skip the row search entirely; see components/maps/field-layer.ts.
 */
export function latitudeRowCache(mg: RowsMapGrid, lats: ArrayLike<number>, out?: Float32Array): Float32Array {
  const n = lats.length;
  const cache = out && out.length >= n * ROW_CACHE_STRIDE ? out : new Float32Array(n * ROW_CACHE_STRIDE);
  const t = mg.table;
  for (let i = 0; i < n; i++) {
    const o = i * ROW_CACHE_STRIDE;
    const rw = rowWeights(mg, Math.min(90, Math.max(-90, lats[i])));
    if (!rw) {
      cache.fill(0, o, o + ROW_CACHE_STRIDE);
      cache[o] = -1;
      continue;
    }
    cache[o] = rw.wa;
    cache[o + 1] = t[rw.a * 4 + 1];
    cache[o + 2] = t[rw.a * 4 + 2];
    cache[o + 3] = t[rw.a * 4 + 3];
    cache[o + 4] = rw.wb;
    cache[o + 5] = rw.b < 0 ? 0 : t[rw.b * 4 + 1];
    cache[o + 6] = rw.b < 0 ? 0 : t[rw.b * 4 + 2];
    cache[o + 7] = rw.b < 0 ? 0 : t[rw.b * 4 + 3];
  }
  return cache;
}

function sampleRaster(mg: RasterMapGrid, values: ArrayLike<number>, lat: number, lon: number): number {
  const i = rasterCell(mg, lat, lon);
  if (i < 0) return NaN;
  const p = mg.index[i];
  return p < 0 ? NaN : values[p];
}

/** Texel of the raster containing (lat, lon), or −1 outside it. */
export function rasterCell(mg: Omit<RasterMapGrid, "index">, lat: number, lon: number): number {
  const ix = Math.floor(f(mod(f(lon - mg.west), 360) / f(mg.dlon)));
  const iy = Math.floor(f(f(lat - mg.south) / f(mg.dlat)));
  if (ix < 0 || ix >= mg.nx || iy < 0 || iy >= mg.ny) return -1;
  return iy * mg.nx + ix;
}

export type RasterOptions = {
  /** Target texels per grid point (default 4); the raster is capped at maxTexels. */
  texelsPerPoint?: number;
  maxTexels?: number;
  maxSide?: number;
};

/** The raster geometry (no indices) for a point set: its lon/lat bounding box, or the globe. */
export function rasterGeometry(grid: Grid, o: RasterOptions = {}): Omit<RasterMapGrid, "index"> {
  const lats = grid.latitudes;
  const lons = grid.longitudes;
  const n = grid.size;
  let south = 90;
  let north = -90;
  for (let i = 0; i < n; i++) {
    south = Math.min(south, lats[i]);
    north = Math.max(north, lats[i]);
  }
  // Longitude extent: the complement of the widest gap between sorted longitudes.
  const sorted = Float64Array.from(lons, (x) => ((x % 360) + 360) % 360).sort();
  let gap = 360 - sorted[n - 1] + sorted[0];
  let west = sorted[0];
  for (let i = 1; i < n; i++) {
    const g = sorted[i] - sorted[i - 1];
    if (g > gap) {
      gap = g;
      west = sorted[i];
    }
  }
  let width = 360 - gap;
  const spacing = Math.sqrt((grid.domainArea() / n) * (180 / Math.PI) ** 2);
  const global = gap < 3 * spacing && north - south > 150;
  if (global) {
    west = -180;
    width = 360;
    south = -90;
    north = 90;
  } else {
    west -= spacing;
    width = Math.min(360, width + 2 * spacing);
    south = Math.max(-90, south - spacing);
    north = Math.min(90, north + spacing);
  }
  const height = north - south;
  const maxSide = o.maxSide ?? 2048;
  const target = Math.min(o.maxTexels ?? 1 << 20, n * (o.texelsPerPoint ?? 4));
  const d = Math.sqrt((width * height) / target);
  const nx = Math.max(2, Math.min(maxSide, Math.ceil(width / d)));
  const ny = Math.max(2, Math.min(maxSide, Math.ceil(height / d)));
  return { kind: "raster", gridId: grid.id, size: n, west: f(west), south: f(south), dlon: f(width / nx), dlat: f(height / ny), nx, ny };
}

/**
 * The nearest-point raster of an unstructured grid (great-circle nearest via the grid's k-d tree).
 * On a regional grid, texels farther than twice the typical point spacing from every point are
 * outside (−1), so the domain ends near its outermost points.
 */
export function rasterMapGrid(grid: Grid, o: RasterOptions = {}): RasterMapGrid {
  const g = rasterGeometry(grid, o);
  const index = new Int32Array(g.nx * g.ny);
  const spacingRad = Math.sqrt(grid.domainArea() / grid.size);
  const global = g.south <= -90 && g.nx * g.dlon >= 359.999;
  const maxDist = global ? Infinity : 2 * spacingRad;
  const DEG = Math.PI / 180;
  for (let iy = 0; iy < g.ny; iy++) {
    const lat = g.south + (iy + 0.5) * g.dlat;
    for (let ix = 0; ix < g.nx; ix++) {
      const lon = g.west + (ix + 0.5) * g.dlon;
      const p = grid.nearest(lat, lon);
      const d = greatCircleRad(lat * DEG, lon * DEG, grid.latitudes[p] * DEG, grid.longitudes[p] * DEG);
      index[iy * g.nx + ix] = d <= maxDist ? p : -1;
    }
  }
  return { ...g, index };
}

function greatCircleRad(la1: number, lo1: number, la2: number, lo2: number): number {
  const s = Math.sin((la2 - la1) / 2) ** 2 + Math.cos(la1) * Math.cos(la2) * Math.sin((lo2 - lo1) / 2) ** 2;
  return 2 * Math.asin(Math.min(1, Math.sqrt(s)));
}

/** The map grid of any grid: row table when it has one, else the triangle mesh. */
export function mapGridFor(grid: Grid): MapGrid {
  return grid.rowTable() ? rowsMapGrid(grid) : meshMapGridOf(grid);
}

/** The triangle mesh of an unstructured grid, with its domain box (the raster's, null when global). */
export function meshMapGridOf(grid: Grid): MeshMapGrid {
  const g = rasterGeometry(grid);
  const global = g.south <= -90 && g.nx * g.dlon >= 359.999;
  // Boxes crossing 0° run from a negative west (lib/maps/regions.ts).
  const west = g.west >= 180 ? g.west - 360 : g.west;
  return meshMapGrid(grid, global ? null : { west, south: g.south, east: west + g.nx * g.dlon, north: g.south + g.ny * g.dlat });
}
