/**
 * Small geometry helpers on the unit sphere. Latitudes/longitudes are in degrees everywhere in
 * lib/grids; angles handed back from these helpers are in radians unless the name says otherwise.
 */

export const DEG = Math.PI / 180;
export const FOUR_PI = 4 * Math.PI;

/** Writes the unit vector of (lat, lon) into out[o..o+2]. */
export function toUnit(lat: number, lon: number, out: Float64Array | number[], o = 0): void {
  const phi = lat * DEG;
  const lam = lon * DEG;
  const c = Math.cos(phi);
  out[o] = c * Math.cos(lam);
  out[o + 1] = c * Math.sin(lam);
  out[o + 2] = Math.sin(phi);
}

/** Interleaved xyz unit vectors for flat latitude/longitude arrays. */
export function unitVectors(lats: ArrayLike<number>, lons: ArrayLike<number>): Float64Array {
  const n = lats.length;
  const xyz = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) toUnit(lats[i], lons[i], xyz, 3 * i);
  return xyz;
}

/** Latitude (degrees) of a unit (or any non-zero) vector. */
export function latOf(x: number, y: number, z: number): number {
  return Math.atan2(z, Math.hypot(x, y)) / DEG;
}

/** Longitude (degrees, [-180, 180]) of a vector. */
export function lonOf(x: number, y: number): number {
  return Math.atan2(y, x) / DEG;
}

/** Great-circle angle (radians) between two unit vectors, accurate for small and large angles. */
export function angleBetween(ax: number, ay: number, az: number, bx: number, by: number, bz: number): number {
  const cx = ay * bz - az * by;
  const cy = az * bx - ax * bz;
  const cz = ax * by - ay * bx;
  return Math.atan2(Math.hypot(cx, cy, cz), ax * bx + ay * by + az * bz);
}

/** Great-circle angle (radians) between two points given in degrees. */
export function greatCircle(lat1: number, lon1: number, lat2: number, lon2: number): number {
  const p1 = lat1 * DEG;
  const p2 = lat2 * DEG;
  const dl = (lon2 - lon1) * DEG;
  const s = Math.sin((p2 - p1) / 2) ** 2 + Math.cos(p1) * Math.cos(p2) * Math.sin(dl / 2) ** 2;
  return 2 * Math.asin(Math.min(1, Math.sqrt(s)));
}

/** Angle (radians) corresponding to a chord length between unit vectors. */
export function chordToAngle(chord: number): number {
  return 2 * Math.asin(Math.min(1, chord / 2));
}

/** Longitude wrapped into [0, 360). */
export function wrap360(lon: number): number {
  const r = lon % 360;
  return r < 0 ? r + 360 : r === 360 ? 0 : r;
}

/** Signed longitude difference a − b wrapped into [−180, 180). */
export function lonDelta(a: number, b: number): number {
  return wrap360(a - b + 180) - 180;
}

/**
 * Solid angle (steradians) of the spherical triangle with unit-vector corners a, b, c, signed by
 * orientation (positive when a→b→c is counter-clockwise seen from outside). Van Oosterom &
 * Strackee: tan(Ω/2) = a·(b×c) / (1 + a·b + b·c + c·a).
 */
export function triangleSolidAngle(
  ax: number, ay: number, az: number,
  bx: number, by: number, bz: number,
  cx: number, cy: number, cz: number,
): number {
  const triple = ax * (by * cz - bz * cy) + ay * (bz * cx - bx * cz) + az * (bx * cy - by * cx);
  const denom = 1 + ax * bx + ay * by + az * bz + bx * cx + by * cy + bz * cz + cx * ax + cy * ay + cz * az;
  return 2 * Math.atan2(triple, denom);
}

/**
 * Area (steradians) of a convex spherical polygon given as interleaved unit vectors in
 * counter-clockwise order, by fanning from its first vertex.
 */
export function convexPolygonArea(xyz: ArrayLike<number>, n: number): number {
  let area = 0;
  for (let i = 1; i + 1 < n; i++) {
    area += triangleSolidAngle(
      xyz[0], xyz[1], xyz[2],
      xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2],
      xyz[3 * i + 3], xyz[3 * i + 4], xyz[3 * i + 5],
    );
  }
  return area;
}

/**
 * Two unit vectors (e1, e2) spanning the tangent plane at p, with e1 × e2 = p. Used for gnomonic
 * projections centred on p, which map great circles to straight lines.
 */
export function tangentBasis(px: number, py: number, pz: number): [number[], number[]] {
  // Pick the axis least aligned with p to build e1.
  let ax = 0, ay = 0, az = 0;
  const fx = Math.abs(px), fy = Math.abs(py), fz = Math.abs(pz);
  if (fx <= fy && fx <= fz) ax = 1;
  else if (fy <= fz) ay = 1;
  else az = 1;
  // e1 = normalise(a × p) ... then e2 = p × e1 so that e1 × e2 = p.
  let e1x = ay * pz - az * py;
  let e1y = az * px - ax * pz;
  let e1z = ax * py - ay * px;
  const l = Math.hypot(e1x, e1y, e1z);
  e1x /= l; e1y /= l; e1z /= l;
  const e2x = py * e1z - pz * e1y;
  const e2y = pz * e1x - px * e1z;
  const e2z = px * e1y - py * e1x;
  return [[e1x, e1y, e1z], [e2x, e2y, e2z]];
}

/** 64-bit FNV-1a style hash (two 32-bit lanes) of float64 arrays, as 16 hex characters. */
export function hashFloat64(...arrays: Float64Array[]): string {
  let h1 = 0x811c9dc5 | 0;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  for (const a of arrays) {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (let i = 0; i < bytes.length; i++) {
      h1 = Math.imul(h1 ^ bytes[i], 0x01000193);
      h2 = Math.imul(h2 ^ bytes[i], 0x5bd1e995);
      h2 ^= h2 >>> 15;
    }
  }
  return (h1 >>> 0).toString(16).padStart(8, "0") + (h2 >>> 0).toString(16).padStart(8, "0");
}

/** Compact decimal formatting used in grid ids ("1.5", "0.25", "-87.1875"). */
export function fmtNumber(x: number): string {
  const r = Math.round(x * 1e9) / 1e9;
  return Object.is(r, -0) ? "0" : String(r);
}
