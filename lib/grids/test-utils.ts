/** Helpers shared by the grid tests (not exported from index.ts). */

import { mulberry32 as rng } from "@/lib/random/mulberry32";

/** Deterministic PRNG so tests are reproducible. */
export { rng };

/** n points uniformly distributed on the sphere, degrees. */
export function randomSphere(n: number, seed: number): { lats: Float64Array; lons: Float64Array } {
  const r = rng(seed);
  const lats = new Float64Array(n);
  const lons = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    lats[i] = (Math.asin(2 * r() - 1) * 180) / Math.PI;
    lons[i] = r() * 360 - 180;
  }
  return { lats, lons };
}

/**
 * A smooth analytic field on the sphere built from low-degree spherical harmonics:
 * Y_1^0 ∝ sin φ, Re Y_2^1 ∝ sin φ cos φ cos λ, Im Y_2^2 ∝ cos² φ sin 2λ, Re Y_3^1-like term.
 */
export function analytic(lat: number, lon: number): number {
  const p = (lat * Math.PI) / 180;
  const l = (lon * Math.PI) / 180;
  const s = Math.sin(p);
  const c = Math.cos(p);
  return s + 2 * s * c * Math.cos(l) + 0.5 * c * c * Math.sin(2 * l) + 0.3 * c * (5 * s * s - 1) * Math.sin(l);
}

export function sampleField(lats: Float64Array, lons: Float64Array, f: (lat: number, lon: number) => number): Float64Array {
  const out = new Float64Array(lats.length);
  for (let i = 0; i < lats.length; i++) out[i] = f(lats[i], lons[i]);
  return out;
}

export function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}
