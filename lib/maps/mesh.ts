import Delaunator from "delaunator";
import type { Grid } from "@/lib/grids";

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

/** Spherical Delaunay triangulation of points given in degrees (duplicates keep their first copy). */
export function triangulateSphere(latitudes: ArrayLike<number>, longitudes: ArrayLike<number>): SphereTriangulation {
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
  let regional = mlen > 1e-3;
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
  return { triangles: regional && halfedges ? peelBoundary(triangles, halfedges, xyz, n) : triangles, global: !regional };
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
function peelBoundary(t: Uint32Array, halfedges: Int32Array, xyz: Float64Array, n: number): Uint32Array {
  const nt = t.length / 3;
  const nearest = new Float64Array(n).fill(Infinity);
  for (let e = 0; e < t.length; e++) {
    const a = t[e];
    const b = t[e % 3 === 2 ? e - 2 : e + 1];
    const len = chord(xyz, a, b);
    if (len < nearest[a]) nearest[a] = len;
    if (len < nearest[b]) nearest[b] = len;
  }
  const bridging = (k: number) => {
    const [a, b, c] = [t[3 * k], t[3 * k + 1], t[3 * k + 2]];
    const longest = Math.max(chord(xyz, a, b), chord(xyz, b, c), chord(xyz, c, a));
    return longest > PEEL_FACTOR * Math.max(nearest[a], nearest[b], nearest[c]);
  };
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

export type MeshBounds = { west: number; south: number; east: number; north: number };

/** The map mesh of an unstructured grid; `bounds` is its domain box (null when global). */
export function meshMapGrid(grid: Grid, bounds: MeshBounds | null): MeshMapGrid {
  const { triangles } = triangulateSphere(grid.latitudes, grid.longitudes);
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

/** A bin index of triangles over (longitude, Mercator y), built on first use per mesh. */
type MeshLocator = { x0: number; y0: number; dx: number; dy: number; nx: number; ny: number; start: Uint32Array; items: Uint32Array; my: Float64Array };
const locators = new WeakMap<MeshMapGrid, MeshLocator>();

function locatorOf(m: MeshMapGrid): MeshLocator {
  let loc = locators.get(m);
  if (loc) return loc;
  const nv = m.lon.length;
  const my = new Float64Array(nv);
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (let v = 0; v < nv; v++) {
    my[v] = mercatorY(m.lat[v]);
    x0 = Math.min(x0, m.lon[v]);
    x1 = Math.max(x1, m.lon[v]);
    y0 = Math.min(y0, my[v]);
    y1 = Math.max(y1, my[v]);
  }
  const nt = m.triangles.length / 3;
  const side = Math.max(1, Math.ceil(Math.sqrt(nt / 2)));
  const nx = side;
  const ny = side;
  const dx = (x1 - x0) / nx || 1;
  const dy = (y1 - y0) / ny || 1;
  const range = (k: number) => {
    const t = m.triangles;
    const xs = [m.lon[t[3 * k]], m.lon[t[3 * k + 1]], m.lon[t[3 * k + 2]]];
    const ys = [my[t[3 * k]], my[t[3 * k + 1]], my[t[3 * k + 2]]];
    const cx = (x: number) => Math.max(0, Math.min(nx - 1, Math.floor((x - x0) / dx)));
    const cy = (y: number) => Math.max(0, Math.min(ny - 1, Math.floor((y - y0) / dy)));
    return [cx(Math.min(...xs)), cx(Math.max(...xs)), cy(Math.min(...ys)), cy(Math.max(...ys))];
  };
  const count = new Uint32Array(nx * ny + 1);
  for (let k = 0; k < nt; k++) {
    const [ax, bx, ay, by] = range(k);
    for (let j = ay; j <= by; j++) for (let i = ax; i <= bx; i++) count[j * nx + i + 1]++;
  }
  for (let c = 1; c <= nx * ny; c++) count[c] += count[c - 1];
  const start = count.slice();
  const fill = count.slice();
  const items = new Uint32Array(start[nx * ny]);
  for (let k = 0; k < nt; k++) {
    const [ax, bx, ay, by] = range(k);
    for (let j = ay; j <= by; j++) for (let i = ax; i <= bx; i++) items[fill[j * nx + i]++] = k;
  }
  loc = { x0, y0, dx, dy, nx, ny, start, items, my };
  locators.set(m, loc);
  return loc;
}

/**
 * The value the map draws at (lat, lon): barycentric interpolation in (longitude, Mercator y)
 * within the triangle holding the point, over the vertices with a value (the weights of missing
 * vertices are dropped and the rest renormalised, as the shader does); NaN outside the mesh.
 * On the globe the GPU interpolates across the flat 3-D triangle instead, which differs from
 * this by far less than a colour step inside a triangle.
 */
export function sampleMesh(m: MeshMapGrid, values: ArrayLike<number>, lat: number, lon: number): number {
  const loc = locatorOf(m);
  const y = mercatorY(lat);
  const t = m.triangles;
  for (const x of [wrap180(lon), wrap180(lon) + 360, wrap180(lon) - 360]) {
    const i = Math.floor((x - loc.x0) / loc.dx);
    const j = Math.floor((y - loc.y0) / loc.dy);
    if (i < 0 || i >= loc.nx || j < 0 || j >= loc.ny) continue;
    const cell = j * loc.nx + i;
    for (let s = loc.start[cell]; s < loc.start[cell + 1]; s++) {
      const k = loc.items[s];
      const a = t[3 * k];
      const b = t[3 * k + 1];
      const c = t[3 * k + 2];
      const w = barycentric(x, y, m.lon[a], loc.my[a], m.lon[b], loc.my[b], m.lon[c], loc.my[c]);
      if (!w) continue;
      let sum = 0;
      let wsum = 0;
      const vs = [values[m.point[a]], values[m.point[b]], values[m.point[c]]];
      for (let q = 0; q < 3; q++) {
        if (vs[q] === vs[q]) {
          sum += w[q] * vs[q];
          wsum += w[q];
        }
      }
      return wsum > 0 ? sum / wsum : NaN;
    }
  }
  return NaN;
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
