/**
 * Per-point CRPS of an ensemble (verification.md §5), O(M log M) via the
 * sorted form D = 2 Σ_k (2k − M − 1) x_(k).
 *
 * Point functions follow nci/scores: NaN members are skipped (M = number of
 * valid members), a NaN observation gives NaN, and the fair estimator with a
 * single valid member gives NaN. The area-mean kernel in ensemble.ts uses
 * the WB2 convention instead (see there).
 */

/** In-place ascending insertion sort of a[0..m); fast for the small M of ensembles. */
export function insertionSort(a: Float64Array, m: number): void {
  for (let i = 1; i < m; i++) {
    const v = a[i];
    let j = i - 1;
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = v;
  }
}

/** Sort a[0..m) ascending; insertion sort up to 64 members, the engine's sort above. */
export function sortMembers(a: Float64Array, m: number): void {
  if (m <= 64) insertionSort(a, m);
  else a.subarray(0, m).sort();
}

/** D = Σ_i Σ_j |x_i − x_j| from ascending sorted values x[0..m). */
export function pairAbsDiffSumSorted(sorted: Float64Array, m: number): number {
  let d = 0;
  for (let k = 0; k < m; k++) d += (2 * k + 1 - m) * sorted[k];
  return 2 * d;
}

export interface CrpsComponents {
  /** Number of valid (non-NaN) members. */
  members: number;
  /** S = (1/M) Σ |x_m − y| */
  skill: number;
  /** D = Σ_i Σ_j |x_i − x_j| */
  pairAbsDiff: number;
}

/** S and D for one point, skipping NaN members; NaN components if the observation is NaN or no member is valid. */
export function crpsComponents(members: ArrayLike<number>, obs: number): CrpsComponents {
  const x = new Float64Array(members.length);
  let m = 0;
  for (let i = 0; i < members.length; i++) {
    const v = members[i];
    if (v === v) x[m++] = v;
  }
  if (obs !== obs || m === 0) return { members: m, skill: NaN, pairAbsDiff: NaN };
  sortMembers(x, m);
  let s = 0;
  for (let i = 0; i < m; i++) s += Math.abs(x[i] - obs);
  return { members: m, skill: s / m, pairAbsDiff: pairAbsDiffSumSorted(x, m) };
}

/** CRPS of the empirical CDF: S − D / (2M²). One member gives |x − y|. */
export function crpsEcdf(members: ArrayLike<number>, obs: number): number {
  const c = crpsComponents(members, obs);
  return c.skill - c.pairAbsDiff / (2 * c.members * c.members);
}

/** Fair (unbiased) CRPS: S − D / (2M(M−1)). NaN with fewer than two valid members (nci/scores). */
export function crpsFair(members: ArrayLike<number>, obs: number): number {
  const c = crpsComponents(members, obs);
  if (c.members < 2) return NaN;
  return c.skill - c.pairAbsDiff / (2 * c.members * (c.members - 1));
}

const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * Complementary error function, relative error ~1e-15: the all-positive series
 * erf x = (2/√π) e^{−x²} Σ 2ⁿ x^{2n+1} / (1·3·…·(2n+1)) for |x| < 1.5, and the
 * continued fraction erfc x = e^{−x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + …)))) beyond.
 */
export function erfc(x: number): number {
  if (x !== x) return NaN;
  const z = Math.abs(x);
  let r: number;
  if (z < 1.5) {
    let term = z;
    let sum = z;
    for (let n = 1; n < 200; n++) {
      term *= (2 * z * z) / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    const erf = 2 * INV_SQRT_PI * Math.exp(-z * z) * sum;
    r = 1 - erf;
  } else {
    // Evaluate the continued fraction bottom-up with a fixed depth (ample for z ≥ 1.5).
    let f = z;
    for (let k = 200; k >= 1; k--) f = z + k / 2 / f;
    r = (INV_SQRT_PI * Math.exp(-z * z)) / f;
  }
  return x >= 0 ? r : 2 - r;
}

/** Standard normal CDF Φ. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** CRPS of a Gaussian N(μ, σ²) forecast: σ[z(2Φ(z) − 1) + 2φ(z) − 1/√π], z = (y − μ)/σ. σ = 0 gives |y − μ|. */
export function crpsGaussian(mu: number, sigma: number, obs: number): number {
  if (sigma === 0) return Math.abs(obs - mu);
  const z = (obs - mu) / sigma;
  const pdf = INV_SQRT_2PI * Math.exp(-0.5 * z * z);
  return sigma * (z * (2 * normalCdf(z) - 1) + 2 * pdf - INV_SQRT_PI);
}
