/**
 * HEALPix pixelisation (Górski et al. 2005, ApJ 622:759): pixel ↔ angle in RING and NESTED
 * order and conversions. z = cos θ = sin(latitude), φ = longitude in radians ∈ [0, 2π).
 * Indices are plain numbers (exact up to 2^53); nside ≤ 2^15 keeps in-face Morton codes < 2^30
 * so 32-bit bit operations are safe.
 */

const HALF_PI = Math.PI / 2;
const TWO_PI = 2 * Math.PI;
/** Face → ring number of its southernmost corner in units of nside, and longitude offset in units of π/4. */
const JRLL = [2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4];
const JPLL = [1, 3, 5, 7, 0, 2, 4, 6, 1, 3, 5, 7];

export interface PixelAngle {
  /** cos θ = sin(latitude). */
  z: number;
  /** Longitude in radians, [0, 2π). */
  phi: number;
  /** sin θ = cos(latitude), computed without cancellation near the poles. */
  sinTheta: number;
}

export function npix(nside: number): number {
  return 12 * nside * nside;
}

function checkNside(nside: number, nested: boolean): void {
  if (!Number.isInteger(nside) || nside < 1 || nside > 1 << 15) throw new Error(`invalid nside ${nside}`);
  if (nested && (nside & (nside - 1)) !== 0) throw new Error(`nested ordering needs a power-of-two nside, got ${nside}`);
}

/** Pixel centre of ring-ordered pixel p. */
export function pix2angRing(nside: number, p: number): PixelAngle {
  const np = npix(nside);
  const ncap = 2 * nside * (nside - 1);
  if (p < ncap) {
    // North polar cap: ring i has 4i pixels.
    const i = Math.floor((1 + Math.sqrt(1 + 2 * p)) / 2);
    const j = p - 2 * i * (i - 1) + 1;
    const t = (i * i) / (3 * nside * nside); // 1 − z
    return { z: 1 - t, phi: ((j - 0.5) * Math.PI) / (2 * i), sinTheta: Math.sqrt(t * (2 - t)) };
  }
  if (p < np - ncap) {
    const ip = p - ncap;
    const i = Math.floor(ip / (4 * nside)) + nside;
    const j = (ip % (4 * nside)) + 1;
    const shift = (i + nside) & 1 ? 1 : 0.5;
    const z = ((2 * nside - i) * 2) / (3 * nside);
    return { z, phi: ((j - shift) * Math.PI) / (2 * nside), sinTheta: Math.sqrt((1 - z) * (1 + z)) };
  }
  const ip = np - p;
  const i = Math.floor((1 + Math.sqrt(2 * ip - 1)) / 2);
  const j = 4 * i + 1 - (ip - 2 * i * (i - 1));
  const t = (i * i) / (3 * nside * nside);
  return { z: t - 1, phi: ((j - 0.5) * Math.PI) / (2 * i), sinTheta: Math.sqrt(t * (2 - t)) };
}

function normPhi(phi: number): number {
  let p = phi % TWO_PI;
  if (p < 0) p += TWO_PI;
  return p >= TWO_PI ? 0 : p;
}

/** Ring-ordered pixel containing (z, φ). */
export function ang2pixRing(nside: number, z: number, phi: number): number {
  const za = Math.abs(z);
  const tt = normPhi(phi) / HALF_PI; // [0, 4)
  if (za <= 2 / 3) {
    // Equatorial belt: index the two families of edge lines.
    const t1 = nside * (0.5 + tt);
    const t2 = nside * z * 0.75;
    const jp = Math.floor(t1 - t2);
    const jm = Math.floor(t1 + t2);
    const ir = nside + 1 + jp - jm; // ring 1..2nside+1 counted from z = 2/3
    const kshift = 1 - (ir & 1);
    let ip = Math.floor((jp + jm - nside + kshift + 1) / 2);
    ip = ((ip % (4 * nside)) + 4 * nside) % (4 * nside);
    return 2 * nside * (nside - 1) + (ir - 1) * 4 * nside + ip;
  }
  const tp = tt - Math.floor(tt);
  const tmp = nside * Math.sqrt(3 * (1 - za));
  const jp = Math.floor(tp * tmp);
  const jm = Math.floor((1 - tp) * tmp);
  const ir = jp + jm + 1; // ring counted from the nearer pole
  let ip = Math.floor(tt * ir);
  ip = ((ip % (4 * ir)) + 4 * ir) % (4 * ir);
  return z > 0 ? 2 * ir * (ir - 1) + ip : npix(nside) - 2 * ir * (ir + 1) + ip;
}

/** Spreads the low 15 bits of v to even bit positions. */
function spread(v: number): number {
  v &= 0x7fff;
  v = (v | (v << 8)) & 0x00ff00ff;
  v = (v | (v << 4)) & 0x0f0f0f0f;
  v = (v | (v << 2)) & 0x33333333;
  v = (v | (v << 1)) & 0x55555555;
  return v;
}

/** Inverse of spread: collects even bit positions. */
function compact(v: number): number {
  v &= 0x55555555;
  v = (v | (v >>> 1)) & 0x33333333;
  v = (v | (v >>> 2)) & 0x0f0f0f0f;
  v = (v | (v >>> 4)) & 0x00ff00ff;
  v = (v | (v >>> 8)) & 0x0000ffff;
  return v;
}

/** Nested index from face and in-face coordinates (x bits even, y bits odd). */
export function xyf2nest(nside: number, ix: number, iy: number, face: number): number {
  return face * nside * nside + (spread(ix) | (spread(iy) << 1));
}

export function nest2xyf(nside: number, p: number): [number, number, number] {
  const npface = nside * nside;
  const face = Math.floor(p / npface);
  const m = p - face * npface;
  return [compact(m), compact(m >>> 1), face];
}

/** Ring index from face and in-face coordinates (direct, not via angles). */
export function xyf2ring(nside: number, ix: number, iy: number, face: number): number {
  const nl4 = 4 * nside;
  const jr = JRLL[face] * nside - ix - iy - 1; // ring number counted from the north pole
  let nr: number, before: number, kshift: number;
  if (jr < nside) {
    nr = jr;
    before = 2 * nr * (nr - 1);
    kshift = 0;
  } else if (jr > 3 * nside) {
    nr = nl4 - jr;
    before = npix(nside) - 2 * (nr + 1) * nr;
    kshift = 0;
  } else {
    nr = nside;
    before = 2 * nside * (nside - 1) + (jr - nside) * nl4;
    kshift = (jr - nside) & 1;
  }
  let jp = (JPLL[face] * nr + ix - iy + 1 + kshift) / 2;
  if (jp > 4 * nr) jp -= 4 * nr;
  else if (jp < 1) jp += 4 * nr;
  return before + jp - 1;
}

export function nest2ring(nside: number, p: number): number {
  checkNside(nside, true);
  const [ix, iy, face] = nest2xyf(nside, p);
  return xyf2ring(nside, ix, iy, face);
}

/** Ring → nested via the pixel centre (centres lie well inside their pixels, so this is exact). */
export function ring2nest(nside: number, p: number): number {
  checkNside(nside, true);
  const a = pix2angRing(nside, p);
  return ang2pixNest(nside, a.z, a.phi);
}

/** Pixel centre of nested pixel p. */
export function pix2angNest(nside: number, p: number): PixelAngle {
  const [ix, iy, face] = nest2xyf(nside, p);
  const jr = JRLL[face] * nside - ix - iy - 1;
  let nr: number, z: number, sinTheta: number;
  if (jr < nside) {
    nr = jr;
    const t = (nr * nr) / (3 * nside * nside);
    z = 1 - t;
    sinTheta = Math.sqrt(t * (2 - t));
  } else if (jr > 3 * nside) {
    nr = 4 * nside - jr;
    const t = (nr * nr) / (3 * nside * nside);
    z = t - 1;
    sinTheta = Math.sqrt(t * (2 - t));
  } else {
    nr = nside;
    z = ((2 * nside - jr) * 2) / (3 * nside);
    sinTheta = Math.sqrt((1 - z) * (1 + z));
  }
  let tmp = JPLL[face] * nr + ix - iy;
  if (tmp < 0) tmp += 8 * nr;
  let phi = (tmp * Math.PI) / (4 * nr);
  if (phi >= TWO_PI) phi -= TWO_PI;
  return { z, phi, sinTheta };
}

/** Nested pixel containing (z, φ). */
export function ang2pixNest(nside: number, z: number, phi: number): number {
  const za = Math.abs(z);
  const tt = normPhi(phi) / HALF_PI;
  let face: number, ix: number, iy: number;
  if (za <= 2 / 3) {
    const t1 = nside * (0.5 + tt);
    const t2 = nside * z * 0.75;
    const jp = Math.floor(t1 - t2); // ascending edge line index
    const jm = Math.floor(t1 + t2); // descending edge line index
    const ifp = Math.floor(jp / nside);
    const ifm = Math.floor(jm / nside);
    face = ifp === ifm ? ifp | 4 : ifp < ifm ? ifp : ifm + 8;
    ix = jm & (nside - 1);
    iy = nside - (jp & (nside - 1)) - 1;
  } else {
    const ntt = Math.min(3, Math.floor(tt));
    const tp = tt - ntt;
    const tmp = nside * Math.sqrt(3 * (1 - za));
    const jp = Math.min(nside - 1, Math.floor(tp * tmp));
    const jm = Math.min(nside - 1, Math.floor((1 - tp) * tmp));
    if (z >= 0) {
      face = ntt;
      ix = nside - jm - 1;
      iy = nside - jp - 1;
    } else {
      face = ntt + 8;
      ix = jp;
      iy = jm;
    }
  }
  return xyf2nest(nside, ix, iy, face);
}

/** (latitude, longitude) in degrees of a pixel centre; longitude in [0, 360). */
export function pixelLatLon(a: PixelAngle): [number, number] {
  return [(Math.atan2(a.z, a.sinTheta) * 180) / Math.PI, (a.phi * 180) / Math.PI];
}

/** (z, φ) of a latitude/longitude in degrees. */
export function latLonToZPhi(lat: number, lon: number): [number, number] {
  return [Math.sin((lat * Math.PI) / 180), (lon * Math.PI) / 180];
}

export { checkNside };
