/** Deterministic pseudo-random data for the verification tests (not used by production code). */

import { mulberry32 as rng } from "@/lib/random/mulberry32";
import { cellAreaLatitudeWeights, expandRowWeights, regularGridPoints } from "./latitude-weights";
import { compileRegions, wb2Regions } from "./regions";

/** Deterministic PRNG so tests are reproducible. */
export { rng };

/** Standard normal draws (Box–Muller). */
export function normal(rand: () => number): () => number {
  return () => {
    const u = 1 - rand();
    const v = rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

export function float32Field(n: number, f: (p: number) => number): Float32Array {
  const out = new Float32Array(n);
  for (let p = 0; p < n; p++) out[p] = f(p);
  return out;
}

/**
 * Ensemble sums written the naive way, as the reference for the kernels:
 * O(M²) pair sum, two-pass variance, over the points of `mask` where the
 * truth and all members are valid. Members are member-major (k · n + p).
 */
export function naiveEnsembleSums(members: ArrayLike<number>, m: number, truth: ArrayLike<number>, weights: ArrayLike<number>, mask: ArrayLike<number>) {
  const n = truth.length;
  let sw = 0, sS = 0, sD = 0, sV = 0, sE = 0, sE2 = 0, count = 0;
  const hist = new Array<number>(m + 1).fill(0);
  for (let p = 0; p < n; p++) {
    if (!mask[p] || Number.isNaN(truth[p])) continue;
    const x = Array.from({ length: m }, (_, k) => members[k * n + p]);
    if (x.some(Number.isNaN)) continue;
    const y = truth[p];
    const w = weights[p];
    let d = 0;
    for (const a of x) for (const b of x) d += Math.abs(a - b);
    const mean = x.reduce((a, b) => a + b, 0) / m;
    const v = m > 1 ? x.reduce((a, b) => a + (b - mean) ** 2, 0) / (m - 1) : 0;
    count++;
    sw += w;
    sS += (w * x.reduce((a, b) => a + Math.abs(b - y), 0)) / m;
    sD += w * d;
    sV += w * v;
    sE += w * (mean - y);
    sE2 += w * (mean - y) ** 2;
    const below = x.filter((b) => b < y).length;
    const ties = x.filter((b) => b === y).length;
    for (let k = below; k <= below + ties; k++) hist[k] += w / (ties + 1);
  }
  return { count, sw, sS, sD, sV, sE, sE2, hist };
}

/** A 1° grid (181 × 360 = 65,160 points, above MIN_PARALLEL_POINTS) with all 13 WB2 regions and cell-area row weights. */
export function oneDegreeWb2() {
  const lats = Array.from({ length: 181 }, (_, i) => -90 + i);
  const lons = Array.from({ length: 360 }, (_, j) => j);
  const { lat, lon } = regularGridPoints(lats, lons);
  return { lat, lon, n: lat.length, regions: compileRegions([...wb2Regions()], lat, lon), rowWeights: expandRowWeights(cellAreaLatitudeWeights(lats), lons.length) };
}
