import Delaunator from "delaunator";
import { UnstructuredGrid, type Grid } from "@/lib/grids";

/**
 * The triangle mesh of an unstructured grid for the map (docs/maps.md, "Unstructured grids"):
 * a spherical Delaunay triangulation computed once per grid on the server, drawn by the
 * browser's MeshFieldLayer with one value per vertex, and the same interpolation on the CPU for
 * the hover probe ({@link sampleMesh}).
 *
 * Triangulation: a stereographic projection maps circles on the sphere to circles (or lines) in
 * the plane, so the planar Delaunay triangulation (delaunator) of projected points is the
 * spherical one.
 * - Global point sets are projected from one of their own points P, which goes to infinity; the
 *   triangles around P are exactly the fan from P to the planar convex hull.
 * - Regional point sets are projected from the antipode of their centre (the domain maps to a
 *   compact disc), and boundary triangles that bridge concave parts of the domain are peeled
 *   away (longest edge > {@link PEEL_FACTOR} × the larger nearest-neighbour distance of its
 *   vertices), so the mesh ends near the outermost points as the domain does.
 * - A set the grid declares regional but that spans the sphere (a latitude band, a cap) takes the
 *   global route, and then every such bridging triangle is removed (the triangles that closed the
 *   caps or holes).
 */

/** Boundary triangles with an edge this many times longer than their vertices' spacing are peeled. */
export const PEEL_FACTOR = 4;

export type SphereTriangulation = {
  /** Point index triples, counter-clockwise seen from outside the sphere. */
  triangles: Uint32Array;
  /** True when the points cover the sphere (no boundary). */
  global: boolean;
};

type Vec3 = [number, number, number];
const DEG = Math.PI / 180;

function unit(lat: number, lon: number): Vec3 {
  const c = Math.cos(lat * DEG);
  return [c * Math.cos(lon * DEG), c * Math.sin(lon * DEG), Math.sin(lat * DEG)];
}

function normalise(v: Vec3): Vec3 {
  const n = Math.hypot(v[0], v[1], v[2]);
  return [v[0] / n, v[1] / n, v[2] / n];
}

function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

/** Two unit vectors completing p to an orthonormal basis. */
function basis(p: Vec3): [Vec3, Vec3] {
  const helper: Vec3 = Math.abs(p[2]) < 0.9 ? [0, 0, 1] : [1, 0, 0];
  const e1 = normalise(cross(helper, p));
  return [e1, cross(p, e1)];
}

/**
 * Spherical Delaunay triangulation of points given in degrees (of duplicate points one copy is
 * used). `global` is the grid's own classification when it has one (UnstructuredGrid.domain);
 * without it, a set more than 120° from its mean direction counts as global.
 */
export function triangulateSphere(latitudes: ArrayLike<number>, longitudes: ArrayLike<number>, opts: { global?: boolean } = {}): SphereTriangulation {
  const n = latitudes.length;
  if (n < 3) throw new Error(`a mesh needs at least 3 points, got ${n}`);
  const xyz = new Float64Array(3 * n);
  const mean: Vec3 = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const u = unit(latitudes[i], longitudes[i]);
    xyz.set(u, 3 * i);
    mean[0] += u[0];
    mean[1] += u[1];
    mean[2] += u[2];
  }
  const mlen = Math.hypot(mean[0], mean[1], mean[2]) / n;
  // Regional: every point within 120° of the mean direction (then the projection is well conditioned).
  let regional = mlen > 1e-3 && opts.global !== true;
  const centre: Vec3 = regional ? normalise(mean) : [0, 0, 1];
  if (regional) {
    for (let i = 0; i < n && regional; i++) {
      const d = xyz[3 * i] * centre[0] + xyz[3 * i + 1] * centre[1] + xyz[3 * i + 2] * centre[2];
      if (d < -0.5) regional = false;
    }
  }
  // Projection pole: the antipode of the centre (regional) or point 0 (global).
  const pole: Vec3 = regional ? [-centre[0], -centre[1], -centre[2]] : [xyz[0], xyz[1], xyz[2]];
  const [e1, e2] = basis(pole);
  const ids: number[] = [];
  const coords: number[] = [];
  for (let i = 0; i < n; i++) {
    if (!regional && i === 0) continue;
    const x = xyz[3 * i];
    const y = xyz[3 * i + 1];
    const z = xyz[3 * i + 2];
    const denom = 1 - (x * pole[0] + y * pole[1] + z * pole[2]);
    if (denom <= 1e-15) continue; // a duplicate of the pole point
    ids.push(i);
    coords.push((x * e1[0] + y * e1[1] + z * e1[2]) / denom, (x * e2[0] + y * e2[1] + z * e2[2]) / denom);
  }
  const d = new Delaunator(Float64Array.from(coords));
  const tris: number[] = [];
  for (let t = 0; t < d.triangles.length; t++) tris.push(ids[d.triangles[t]]);
  let halfedges: Int32Array | null = d.halfedges;
  if (!regional) {
    // The fan from the pole point to the hull closes the sphere.
    const h = d.hull;
    for (let k = 0; k < h.length; k++) tris.push(0, ids[h[(k + 1) % h.length]], ids[h[k]]);
    halfedges = null;
  }
  const triangles = Uint32Array.from(tris);
  orientOutward(triangles, xyz);
  if (regional && halfedges) return { triangles: peelBoundary(triangles, halfedges, xyz, n), global: false };
  if (opts.global === false) return { triangles: dropBridging(triangles, xyz, n), global: false };
  return { triangles, global: true };
}

/** Makes every triangle counter-clockwise seen from outside (positive triple product). */
function orientOutward(t: Uint32Array, xyz: Float64Array): void {
  for (let k = 0; k < t.length; k += 3) {
    const a = 3 * t[k];
    const b = 3 * t[k + 1];
    const c = 3 * t[k + 2];
    const det =
      xyz[a] * (xyz[b + 1] * xyz[c + 2] - xyz[b + 2] * xyz[c + 1]) -
      xyz[a + 1] * (xyz[b] * xyz[c + 2] - xyz[b + 2] * xyz[c]) +
      xyz[a + 2] * (xyz[b] * xyz[c + 1] - xyz[b + 1] * xyz[c]);
    if (det < 0) {
      const s = t[k + 1];
      t[k + 1] = t[k + 2];
      t[k + 2] = s;
    }
  }
}

function chord(xyz: Float64Array, i: number, j: number): number {
  return Math.hypot(xyz[3 * i] - xyz[3 * j], xyz[3 * i + 1] - xyz[3 * j + 1], xyz[3 * i + 2] - xyz[3 * j + 2]);
}

/**
 * Removes boundary triangles that bridge concave parts of a regional domain, repeatedly (a
 * removed triangle exposes its neighbours). Uses delaunator's half-edges, which index the same
 * triangles in the same order as `t`.
 */
/** Is triangle k longer than PEEL_FACTOR × its corners' nearest-neighbour spacing? */
function bridgingTest(t: Uint32Array, xyz: Float64Array, n: number): (k: number) => boolean {
  const nearest = new Float64Array(n).fill(Infinity);
  for (let e = 0; e < t.length; e++) {
    const a = t[e];
    const b = t[e % 3 === 2 ? e - 2 : e + 1];
    const len = chord(xyz, a, b);
    if (len < nearest[a]) nearest[a] = len;
    if (len < nearest[b]) nearest[b] = len;
  }
  return (k: number) => {
    const [a, b, c] = [t[3 * k], t[3 * k + 1], t[3 * k + 2]];
    const longest = Math.max(chord(xyz, a, b), chord(xyz, b, c), chord(xyz, c, a));
    return longest > PEEL_FACTOR * Math.max(nearest[a], nearest[b], nearest[c]);
  };
}

/** Removes every bridging triangle (a regional set triangulated as a closed sphere). */
function dropBridging(t: Uint32Array, xyz: Float64Array, n: number): Uint32Array {
  const bridging = bridgingTest(t, xyz, n);
  const kept: number[] = [];
  for (let k = 0; k < t.length / 3; k++) if (!bridging(k)) kept.push(t[3 * k], t[3 * k + 1], t[3 * k + 2]);
  return Uint32Array.from(kept);
}

function peelBoundary(t: Uint32Array, halfedges: Int32Array, xyz: Float64Array, n: number): Uint32Array {
  const nt = t.length / 3;
  const bridging = bridgingTest(t, xyz, n);
  const removed = new Uint8Array(nt);
  const onBoundary = (k: number) => {
    for (let e = 3 * k; e < 3 * k + 3; e++) {
      const o = halfedges[e];
      if (o < 0 || removed[Math.floor(o / 3)]) return true;
    }
    return false;
  };
  let queue: number[] = [];
  for (let k = 0; k < nt; k++) if (onBoundary(k)) queue.push(k);
  while (queue.length) {
    const next: number[] = [];
    for (const k of queue) {
      if (removed[k] || !bridging(k)) continue;
      removed[k] = 1;
      for (let e = 3 * k; e < 3 * k + 3; e++) {
        const o = halfedges[e];
        if (o >= 0 && !removed[Math.floor(o / 3)]) next.push(Math.floor(o / 3));
      }
    }
    queue = next;
  }
  const kept: number[] = [];
  for (let k = 0; k < nt; k++) if (!removed[k]) kept.push(t[3 * k], t[3 * k + 1], t[3 * k + 2]);
  return Uint32Array.from(kept);
}

// ---------------------------------------------------------------------------------------------

/** The mesh the map draws: vertices in lon/lat, unwrapped so that no triangle crosses the antimeridian. */
export type MeshMapGrid = {
  kind: "mesh";
  gridId: string;
  size: number;
  /**
   * Vertex longitudes (degrees). A triangle crossing the antimeridian is drawn twice, once with
   * its western vertices shifted by +360° and once with its eastern ones by −360°; such
   * vertices are extra copies of grid points (see `point`).
   */
  lon: Float32Array;
  lat: Float32Array;
  /** Grid point (native index) of each vertex. */
  point: Uint32Array;
  /** Vertex index triples. */
  triangles: Uint32Array;
  /** The lon/lat box of a regional mesh (for the domain preset), null for a global one. */
  bounds: MeshBounds | null;
};

/** Largest grid drawn as a mesh: point indices are float32 vertex attributes, exact up to 2²⁴. */
const MAX_MESH_POINTS = 2 ** 24;

export type MeshBounds = { west: number; south: number; east: number; north: number };

/** The map mesh of an unstructured grid; `bounds` is its domain box (null when global). */
export function meshMapGrid(grid: Grid, bounds: MeshBounds | null): MeshMapGrid {
  if (grid.size > MAX_MESH_POINTS) throw new Error(`grid ${grid.id} has ${grid.size} points; the map draws meshes of at most ${MAX_MESH_POINTS} (vertex point indices travel as float32)`);
  const global = grid instanceof UnstructuredGrid ? grid.domain === "global" : undefined;
  const { triangles } = triangulateSphere(grid.latitudes, grid.longitudes, { global });
  return { ...unwrapMesh(grid.id, grid.size, grid.latitudes, grid.longitudes, triangles), bounds };
}

const wrap180 = (lon: number) => ((((lon + 180) % 360) + 360) % 360) - 180;

/** Builds the vertex arrays: longitudes in [−180, 180), seam triangles unwrapped and duplicated. */
export function unwrapMesh(gridId: string, size: number, lats: ArrayLike<number>, lons: ArrayLike<number>, t: Uint32Array): Omit<MeshMapGrid, "bounds"> {
  const lon: number[] = [];
  const lat: number[] = [];
  const point: number[] = [];
  for (let i = 0; i < size; i++) {
    lon.push(wrap180(lons[i]));
    lat.push(lats[i]);
    point.push(i);
  }
  const copies = new Map<number, number>(); // point * 3 + (shift + 1) → vertex
  const copy = (p: number, shift: -1 | 1) => {
    const key = p * 3 + shift + 1;
    let v = copies.get(key);
    if (v === undefined) {
      v = lon.length;
      lon.push(lon[p] + 360 * shift);
      lat.push(lat[p]);
      point.push(p);
      copies.set(key, v);
    }
    return v;
  };
  const out: number[] = [];
  for (let k = 0; k < t.length; k += 3) {
    const v = [t[k], t[k + 1], t[k + 2]];
    const ls = v.map((p) => lon[p]);
    if (Math.max(...ls) - Math.min(...ls) <= 180) {
      out.push(...v);
      continue;
    }
    // West of 0° goes east by +360 in one copy; east of 0° goes west by −360 in the other.
    out.push(...v.map((p) => (lon[p] < 0 ? copy(p, 1) : p)));
    out.push(...v.map((p) => (lon[p] >= 0 ? copy(p, -1) : p)));
  }
  return {
    kind: "mesh",
    gridId,
    size,
    lon: Float32Array.from(lon),
    lat: Float32Array.from(lat),
    point: Uint32Array.from(point),
    triangles: Uint32Array.from(out),
  };
}

// ---------------------------------------------------------------------------------------------
// Binary transfer: `GET /api/grids/<id>/mesh`.

const MAGIC = 0x4d4f5349; // "ISOM" little-endian
const VERSION = 1;

/** `ISOM`, version, vertex count, triangle count (u32 each), then lon f32[], lat f32[], point u32[], triangles u32[]. */
export function encodeMesh(m: Omit<MeshMapGrid, "bounds">): Uint8Array {
  const nv = m.lon.length;
  const nt = m.triangles.length / 3;
  const out = new Uint8Array(16 + 4 * (3 * nv + 3 * nt));
  const head = new DataView(out.buffer);
  head.setUint32(0, MAGIC, true);
  head.setUint32(4, VERSION, true);
  head.setUint32(8, nv, true);
  head.setUint32(12, nt, true);
  let o = 16;
  for (const a of [m.lon, m.lat, m.point, m.triangles]) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), o);
    o += a.byteLength;
  }
  return out;
}

export class MeshDecodeError extends Error {}

export function decodeMesh(gridId: string, size: number, bounds: MeshBounds | null, buf: ArrayBuffer): MeshMapGrid {
  if (buf.byteLength < 16) throw new MeshDecodeError(`mesh of ${gridId}: ${buf.byteLength} bytes is too short for the 16-byte header`);
  const head = new DataView(buf);
  if (head.getUint32(0, true) !== MAGIC) throw new MeshDecodeError(`mesh of ${gridId}: not an Isobar mesh (bad magic number)`);
  if (head.getUint32(4, true) !== VERSION) throw new MeshDecodeError(`mesh of ${gridId}: unsupported version ${head.getUint32(4, true)}`);
  const nv = head.getUint32(8, true);
  const nt = head.getUint32(12, true);
  const expected = 16 + 4 * (3 * nv + 3 * nt);
  if (buf.byteLength !== expected) throw new MeshDecodeError(`mesh of ${gridId}: ${buf.byteLength} bytes, expected ${expected} for ${nv} vertices and ${nt} triangles`);
  const lon = new Float32Array(buf, 16, nv);
  const lat = new Float32Array(buf, 16 + 4 * nv, nv);
  const point = new Uint32Array(buf, 16 + 8 * nv, nv);
  const triangles = new Uint32Array(buf, 16 + 12 * nv, 3 * nt);
  for (let i = 0; i < nv; i++) if (point[i] >= size) throw new MeshDecodeError(`mesh of ${gridId}: vertex ${i} refers to point ${point[i]} of a ${size}-point grid`);
  for (let i = 0; i < triangles.length; i++) if (triangles[i] >= nv) throw new MeshDecodeError(`mesh of ${gridId}: triangle ${Math.floor(i / 3)} refers to vertex ${triangles[i]} of ${nv}`);
  return { kind: "mesh", gridId, size, lon, lat, point, triangles, bounds };
}

// ---------------------------------------------------------------------------------------------
// The CPU side of the shader: which triangle holds (lat, lon), and its interpolated value.

/** Web Mercator has no poles: vertices and probes are clamped to this latitude, as in the shader. */
export const MESH_MAX_LAT = 89.9;

/** Mercator y (radians of the projection) of a latitude in degrees, clamped like the shader. */
export function mercatorY(lat: number): number {
  const la = Math.max(-MESH_MAX_LAT, Math.min(MESH_MAX_LAT, lat)) * DEG;
  return Math.log(Math.tan(Math.PI / 4 + la / 2));
}

/** Triangles binned by the bounding boxes of their corners in a plane (one of the projections below). */
class TriangleBins {
  private readonly x0: number;
  private readonly y0: number;
  private readonly dx: number;
  private readonly dy: number;
  private readonly nx: number;
  private readonly ny: number;
  private readonly start: Uint32Array;
  private readonly items: Uint32Array;

  /** `xy[2v], xy[2v+1]`: vertex v in the plane; `members`: the triangles to bin. */
  constructor(private readonly t: Uint32Array, readonly xy: Float64Array, members: number[]) {
    let [x0, x1, y0, y1] = [Infinity, -Infinity, Infinity, -Infinity];
    for (const k of members)
      for (let q = 0; q < 3; q++) {
        const v = t[3 * k + q];
        x0 = Math.min(x0, xy[2 * v]);
        x1 = Math.max(x1, xy[2 * v]);
        y0 = Math.min(y0, xy[2 * v + 1]);
        y1 = Math.max(y1, xy[2 * v + 1]);
      }
    const side = Math.max(1, Math.ceil(Math.sqrt(members.length / 2)));
    this.nx = this.ny = side;
    this.x0 = x0;
    this.y0 = y0;
    this.dx = (x1 - x0) / side || 1;
    this.dy = (y1 - y0) / side || 1;
    const count = new Uint32Array(side * side + 1);
    const each = (k: number, f: (cell: number) => void) => {
      const xs = [0, 1, 2].map((q) => xy[2 * t[3 * k + q]]);
      const ys = [0, 1, 2].map((q) => xy[2 * t[3 * k + q] + 1]);
      const [ax, bx] = [this.cell(Math.min(...xs), "x"), this.cell(Math.max(...xs), "x")];
      const [ay, by] = [this.cell(Math.min(...ys), "y"), this.cell(Math.max(...ys), "y")];
      for (let j = ay; j <= by; j++) for (let i = ax; i <= bx; i++) f(j * side + i);
    };
    for (const k of members) each(k, (c) => count[c + 1]++);
    for (let c = 1; c <= side * side; c++) count[c] += count[c - 1];
    this.start = count.slice();
    const fill = count.slice();
    this.items = new Uint32Array(this.start[side * side]);
    for (const k of members) each(k, (c) => (this.items[fill[c]++] = k));
  }

  /** Bin column (or row) of a coordinate, clamped: the last bin is closed. */
  private cell(v: number, axis: "x" | "y"): number {
    const [o, d, n] = axis === "x" ? [this.x0, this.dx, this.nx] : [this.y0, this.dy, this.ny];
    return Math.max(0, Math.min(n - 1, Math.floor((v - o) / d)));
  }

  /** The triangles whose boxes hold (x, y). */
  *candidates(x: number, y: number): Generator<number> {
    if (!(x >= this.x0 && x <= this.x0 + this.nx * this.dx && y >= this.y0 && y <= this.y0 + this.ny * this.dy)) return;
    const c = this.cell(y, "y") * this.nx + this.cell(x, "x");
    for (let s = this.start[c]; s < this.start[c + 1]; s++) yield this.items[s];
  }
}

/** Latitude beyond which the probe locates points in 3-D (polar stereographic bins), as the globe draws them. */
const POLAR_PROBE_LAT = 80;

type MeshLocator = { mercator: TriangleBins; north: TriangleBins | null; south: TriangleBins | null };
const locators = new WeakMap<MeshMapGrid, MeshLocator>();

/** Polar stereographic coordinates (unit sphere) around the north (+1) or south (−1) pole. */
function polarXY(lat: number, lon: number, pole: 1 | -1): [number, number] {
  const r = Math.tan(((90 - pole * lat) * DEG) / 2);
  return [r * Math.cos(lon * DEG), r * Math.sin(lon * DEG)];
}

function locatorOf(m: MeshMapGrid): MeshLocator {
  let loc = locators.get(m);
  if (loc) return loc;
  const nv = m.lon.length;
  const t = m.triangles;
  const nt = t.length / 3;
  const merc = new Float64Array(2 * nv);
  for (let v = 0; v < nv; v++) {
    merc[2 * v] = m.lon[v];
    merc[2 * v + 1] = mercatorY(m.lat[v]);
  }
  // Triangles around a pole (corners spanning more than 180° of longitude) have no shape in
  // Mercator coordinates; they are found through the polar bins only.
  const mercMembers: number[] = [];
  const polarMembers: Record<"1" | "-1", number[]> = { "1": [], "-1": [] };
  for (let k = 0; k < nt; k++) {
    const ls = [m.lon[t[3 * k]], m.lon[t[3 * k + 1]], m.lon[t[3 * k + 2]]];
    const la = [m.lat[t[3 * k]], m.lat[t[3 * k + 1]], m.lat[t[3 * k + 2]]];
    if (Math.max(...ls) - Math.min(...ls) <= 180) mercMembers.push(k);
    // Generously wide polar zones: every triangle that can reach beyond POLAR_PROBE_LAT.
    if (Math.max(...la) > POLAR_PROBE_LAT - 25) polarMembers["1"].push(k);
    if (Math.min(...la) < -(POLAR_PROBE_LAT - 25)) polarMembers["-1"].push(k);
  }
  const polarBins = (pole: 1 | -1) => {
    const members = polarMembers[pole === 1 ? "1" : "-1"];
    if (!members.length) return null;
    const xy = new Float64Array(2 * nv);
    for (let v = 0; v < nv; v++) xy.set(polarXY(m.lat[v], m.lon[v], pole), 2 * v);
    return new TriangleBins(t, xy, members);
  };
  loc = { mercator: new TriangleBins(t, merc, mercMembers), north: polarBins(1), south: polarBins(-1) };
  locators.set(m, loc);
  return loc;
}

/**
 * The value the map draws at (lat, lon), over the vertices with a value (the weights of missing
 * vertices are dropped and the rest renormalised, as the shaders do); NaN outside the mesh.
 * - Below ±{@link POLAR_PROBE_LAT}°: barycentric weights in (longitude, Mercator y), what the GPU
 *   interpolates on the flat map. On the globe it interpolates across the flat 3-D triangle
 *   instead, which differs from this by far less than a colour step inside a triangle.
 * - Beyond it (the flat map ends at ±85°): the 3-D weights of the point's ray through the
 *   triangle's plane, what the globe draws; triangles around the pole have no Mercator shape.
 */
export function sampleMesh(m: MeshMapGrid, values: ArrayLike<number>, lat: number, lon: number): number {
  const loc = locatorOf(m);
  const t = m.triangles;
  const interpolate = (k: number, w: [number, number, number]) => {
    let sum = 0;
    let wsum = 0;
    for (let q = 0; q < 3; q++) {
      const v = values[m.point[t[3 * k + q]]];
      if (v === v) {
        sum += w[q] * v;
        wsum += w[q];
      }
    }
    return wsum > 0 ? sum / wsum : NaN;
  };
  const polar = lat >= POLAR_PROBE_LAT ? loc.north : lat <= -POLAR_PROBE_LAT ? loc.south : null;
  if (polar) {
    const p = unit(lat, lon);
    const [x, y] = polarXY(lat, lon, lat > 0 ? 1 : -1);
    for (const k of polar.candidates(x, y)) {
      const w = sphericalBarycentric(p, unit(m.lat[t[3 * k]], m.lon[t[3 * k]]), unit(m.lat[t[3 * k + 1]], m.lon[t[3 * k + 1]]), unit(m.lat[t[3 * k + 2]], m.lon[t[3 * k + 2]]));
      if (w) return interpolate(k, w);
    }
    return NaN;
  }
  const y = mercatorY(lat);
  const xy = loc.mercator.xy;
  for (const x of [wrap180(lon), wrap180(lon) + 360, wrap180(lon) - 360]) {
    for (const k of loc.mercator.candidates(x, y)) {
      const [a, b, c] = [t[3 * k], t[3 * k + 1], t[3 * k + 2]];
      const w = barycentric(x, y, xy[2 * a], xy[2 * a + 1], xy[2 * b], xy[2 * b + 1], xy[2 * c], xy[2 * c + 1]);
      if (w) return interpolate(k, w);
    }
  }
  return NaN;
}

const det3 = (a: Vec3, b: Vec3, c: Vec3) => a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0]);

/** Weights of the point where p's ray meets the plane of the (outward, counter-clockwise) triangle abc, or null outside it. */
function sphericalBarycentric(p: Vec3, a: Vec3, b: Vec3, c: Vec3): [number, number, number] | null {
  const wa = det3(p, b, c);
  const wb = det3(a, p, c);
  const wc = det3(a, b, p);
  const eps = -1e-12;
  if (wa < eps || wb < eps || wc < eps) return null;
  const sum = wa + wb + wc;
  return sum > 0 ? [wa / sum, wb / sum, wc / sum] : null;
}

/** Barycentric weights of (x, y) in the triangle, or null outside it (edges count as inside). */
function barycentric(x: number, y: number, ax: number, ay: number, bx: number, by: number, cx: number, cy: number): [number, number, number] | null {
  const det = (by - cy) * (ax - cx) + (cx - bx) * (ay - cy);
  if (det === 0) return null;
  const wa = ((by - cy) * (x - cx) + (cx - bx) * (y - cy)) / det;
  const wb = ((cy - ay) * (x - cx) + (ax - cx) * (y - cy)) / det;
  const wc = 1 - wa - wb;
  const eps = -1e-9;
  return wa >= eps && wb >= eps && wc >= eps ? [wa, wb, wc] : null;
}
