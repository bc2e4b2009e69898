import type { KdTree3 } from "./kdtree";
import { chordToAngle, convexPolygonArea, tangentBasis } from "./sphere";

/**
 * Spherical Voronoi cell areas, computed cell by cell without a global triangulation.
 *
 * The cell of point p is {x : (p − q)·x ≥ 0 for all other points q}: an intersection of
 * hemispheres bounded by great circles. In the gnomonic projection centred on p (x ↦ tangent-plane
 * coordinates (u, v) with x ∝ p + u e1 + v e2) great circles are straight lines, so the cell is a
 * convex polygon obtained by clipping with half-planes a + b u + c v ≥ 0 (a = 1 − p·q,
 * b = −q·e1, c = −q·e2). Only near neighbours matter: if every cell vertex lies within angle r of
 * p, a point farther than 2r cannot cut the cell (its bisector is beyond r), so we clip with the k
 * nearest neighbours and double k until the k-th is at least 2r away. The polygon's vertices map
 * back to the sphere and its area is the sum of fan-triangle solid angles.
 *
 * Limited-area domains are clipped to the spherical convex hull of the points (its edges are
 * great circles too, so they are just more half-planes): the cells then partition the hull
 * exactly and sum to its area. Duplicated points share their cell equally.
 */

export type VoronoiDomain = "global" | "hull";

export interface SphericalHull {
  /** Point indices of the hull vertices, counter-clockwise seen from outside the sphere. */
  vertices: Int32Array;
  /** Inward unit normals of the hull edges (interleaved xyz): n·x ≥ 0 inside. */
  normals: Float64Array;
  /** Area of the hull in steradians. */
  area: number;
}

/** Normalised mean direction of the points and the smallest cosine of the angle to it. */
export function centroidSpread(xyz: Float64Array): { c: [number, number, number]; minCos: number; norm: number } {
  const n = xyz.length / 3;
  let sx = 0, sy = 0, sz = 0;
  for (let i = 0; i < n; i++) {
    sx += xyz[3 * i];
    sy += xyz[3 * i + 1];
    sz += xyz[3 * i + 2];
  }
  const l = Math.hypot(sx, sy, sz);
  if (l < 1e-12 * n) return { c: [0, 0, 1], minCos: -1, norm: 0 };
  const c: [number, number, number] = [sx / l, sy / l, sz / l];
  let minCos = 1;
  for (let i = 0; i < n; i++) {
    const w = xyz[3 * i] * c[0] + xyz[3 * i + 1] * c[1] + xyz[3 * i + 2] * c[2];
    if (w < minCos) minCos = w;
  }
  return { c, minCos, norm: l / n };
}

/** "hull" when all points are within 85° of their centroid, else "global". */
export function autoDomain(xyz: Float64Array): VoronoiDomain {
  const { minCos, norm } = centroidSpread(xyz);
  return norm > 1e-6 && minCos > Math.cos((85 * Math.PI) / 180) ? "hull" : "global";
}

/** Spherical convex hull of points that lie within an open hemisphere (monotone chain in the gnomonic plane). */
export function sphericalConvexHull(xyz: Float64Array): SphericalHull {
  const n = xyz.length / 3;
  const { c, minCos } = centroidSpread(xyz);
  if (minCos <= 1e-9) throw new Error("points do not lie within a hemisphere; no convex hull");
  const [e1, e2] = tangentBasis(c[0], c[1], c[2]);
  const u = new Float64Array(n);
  const v = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = xyz[3 * i], y = xyz[3 * i + 1], z = xyz[3 * i + 2];
    const w = x * c[0] + y * c[1] + z * c[2];
    u[i] = (x * e1[0] + y * e1[1] + z * e1[2]) / w;
    v[i] = (x * e2[0] + y * e2[1] + z * e2[2]) / w;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => u[a] - u[b] || v[a] - v[b]);
  const cross = (o: number, a: number, b: number) => (u[a] - u[o]) * (v[b] - v[o]) - (v[a] - v[o]) * (u[b] - u[o]);
  const hull: number[] = [];
  for (const pass of [order, order.slice().reverse()]) {
    const start = hull.length;
    for (const i of pass) {
      while (hull.length >= start + 2 && cross(hull[hull.length - 2], hull[hull.length - 1], i) <= 0) hull.pop();
      hull.push(i);
    }
    hull.pop();
  }
  const m = hull.length;
  if (m < 3) throw new Error("degenerate domain: points are collinear on a great circle");
  const vertices = Int32Array.from(hull);
  const normals = new Float64Array(3 * m);
  const poly = new Float64Array(3 * m);
  for (let k = 0; k < m; k++) {
    const a = 3 * vertices[k];
    const b = 3 * vertices[(k + 1) % m];
    const nx = xyz[a + 1] * xyz[b + 2] - xyz[a + 2] * xyz[b + 1];
    const ny = xyz[a + 2] * xyz[b] - xyz[a] * xyz[b + 2];
    const nz = xyz[a] * xyz[b + 1] - xyz[a + 1] * xyz[b];
    const l = Math.hypot(nx, ny, nz);
    normals[3 * k] = nx / l;
    normals[3 * k + 1] = ny / l;
    normals[3 * k + 2] = nz / l;
    poly[3 * k] = xyz[a];
    poly[3 * k + 1] = xyz[a + 1];
    poly[3 * k + 2] = xyz[a + 2];
  }
  return { vertices, normals, area: convexPolygonArea(poly, m) };
}

/** Clips the convex polygon (pu, pv, m) by a + b·u + c·v ≥ 0 into (qu, qv); returns the new count. */
function clip(pu: Float64Array, pv: Float64Array, m: number, a: number, b: number, c: number, qu: Float64Array, qv: Float64Array): number {
  let out = 0;
  if (m === 0) return 0;
  let su = pu[m - 1], sv = pv[m - 1];
  let fs = a + b * su + c * sv;
  for (let i = 0; i < m; i++) {
    const eu = pu[i], ev = pv[i];
    const fe = a + b * eu + c * ev;
    if (fe >= 0) {
      if (fs < 0) {
        const t = fs / (fs - fe);
        qu[out] = su + t * (eu - su);
        qv[out++] = sv + t * (ev - sv);
      }
      qu[out] = eu;
      qv[out++] = ev;
    } else if (fs >= 0) {
      const t = fs / (fs - fe);
      qu[out] = su + t * (eu - su);
      qv[out++] = sv + t * (ev - sv);
    }
    su = eu;
    sv = ev;
    fs = fe;
  }
  return out;
}

const HEMISPHERE_L = 1e4;

/**
 * Voronoi cell areas (steradians) of the points xyz (interleaved unit vectors), using tree for
 * neighbour queries; clipped to hull when given.
 */
export function voronoiAreas(xyz: Float64Array, tree: KdTree3, hull: SphericalHull | null): Float64Array {
  const n = xyz.length / 3;
  const areas = new Float64Array(n);
  if (n === 1 && !hull) {
    areas[0] = 4 * Math.PI;
    return areas;
  }
  const hm = hull ? hull.vertices.length : 0;
  let cap = 0;
  let bu = new Float64Array(0), bv = new Float64Array(0), cu = new Float64Array(0), cv = new Float64Array(0);
  let nIdx = new Int32Array(0), nD2 = new Float64Array(0);
  const ensure = (k: number) => {
    const need = 4 + hm + k + 8;
    if (need > cap) {
      cap = need;
      bu = new Float64Array(cap); bv = new Float64Array(cap);
      cu = new Float64Array(cap); cv = new Float64Array(cap);
    }
    if (nIdx.length < k + 1) {
      nIdx = new Int32Array(k + 1);
      nD2 = new Float64Array(k + 1);
    }
  };
  let polyBuf = new Float64Array(0);
  const hullNormals = hull ? hull.normals : new Float64Array(0);
  for (let i = 0; i < n; i++) {
    const px = xyz[3 * i], py = xyz[3 * i + 1], pz = xyz[3 * i + 2];
    const [e1, e2] = tangentBasis(px, py, pz);
    let k = Math.min(16, n - 1);
    for (;;) {
      ensure(k);
      const found = tree.kNearest(px, py, pz, k + 1, nIdx, nD2);
      const allUsed = found >= n;
      const dk = chordToAngle(Math.sqrt(nD2[found - 1]));
      const L = allUsed ? HEMISPHERE_L : Math.tan(Math.min(dk, 1.45));
      // Start from a square in the tangent plane (counter-clockwise).
      let m = 4;
      bu[0] = -L; bv[0] = -L; bu[1] = L; bv[1] = -L; bu[2] = L; bv[2] = L; bu[3] = -L; bv[3] = L;
      let su = bu, sv = bv, du = cu, dv = cv;
      for (let h = 0; h < hm && m > 0; h++) {
        const nx = hullNormals[3 * h], ny = hullNormals[3 * h + 1], nz = hullNormals[3 * h + 2];
        const a = nx * px + ny * py + nz * pz;
        m = clip(su, sv, m, a, nx * e1[0] + ny * e1[1] + nz * e1[2], nx * e2[0] + ny * e2[1] + nz * e2[2], du, dv);
        [su, du] = [du, su];
        [sv, dv] = [dv, sv];
      }
      let dup = 0;
      for (let t = 0; t < found && m > 0; t++) {
        const j = nIdx[t];
        if (j === i) continue;
        if (nD2[t] <= 1e-24) {
          dup++;
          continue;
        }
        const qx = xyz[3 * j], qy = xyz[3 * j + 1], qz = xyz[3 * j + 2];
        const a = 1 - (px * qx + py * qy + pz * qz);
        const b = -(qx * e1[0] + qy * e1[1] + qz * e1[2]);
        const c = -(qx * e2[0] + qy * e2[1] + qz * e2[2]);
        m = clip(su, sv, m, a, b, c, du, dv);
        [su, du] = [du, su];
        [sv, dv] = [dv, sv];
      }
      let r2 = 0;
      let touches = false;
      const lim = L * (1 - 1e-9);
      for (let t = 0; t < m; t++) {
        const d2 = su[t] * su[t] + sv[t] * sv[t];
        if (d2 > r2) r2 = d2;
        if (Math.abs(su[t]) >= lim || Math.abs(sv[t]) >= lim) touches = true;
      }
      const rMax = Math.atan(Math.sqrt(r2));
      if (!touches && (allUsed || 2 * rMax <= dk)) {
        if (polyBuf.length < 3 * m) polyBuf = new Float64Array(3 * m + 24);
        for (let t = 0; t < m; t++) {
          const x = px + su[t] * e1[0] + sv[t] * e2[0];
          const y = py + su[t] * e1[1] + sv[t] * e2[1];
          const z = pz + su[t] * e1[2] + sv[t] * e2[2];
          const l = Math.hypot(x, y, z);
          polyBuf[3 * t] = x / l;
          polyBuf[3 * t + 1] = y / l;
          polyBuf[3 * t + 2] = z / l;
        }
        areas[i] = m >= 3 ? Math.abs(convexPolygonArea(polyBuf, m)) / (dup + 1) : 0;
        break;
      }
      if (allUsed) throw new Error(`Voronoi cell of point ${i} extends beyond its hemisphere: the point set is too sparse for this method`);
      k = Math.min(2 * k, n - 1);
    }
  }
  return areas;
}
