/**
 * Fully normalised associated Legendre functions P̄_lm(sin φ) and their latitude derivatives,
 * by the standard stable three-term recurrence in l at fixed m (no Condon–Shortley phase).
 *
 * Normalisation ("4π", geodesy convention): the real spherical harmonics
 * P̄_lm(sin φ)·cos mλ and P̄_lm(sin φ)·sin mλ (m > 0) and P̄_l0(sin φ) have mean square 1 over the
 * sphere, and Σ_m P̄_lm(x)² = 2l + 1 for every x (addition theorem). So a field whose real
 * coefficients are independent with variance s_l² has the same point variance Σ_l s_l²(2l+1)
 * everywhere.
 *
 *   P̄_00 = 1,  P̄_11 = √3 cos φ,  P̄_mm = √((2m+1)/(2m)) cos φ P̄_{m-1,m-1}  (m ≥ 2)
 *   P̄_{m+1,m} = √(2m+3) sin φ P̄_mm
 *   P̄_lm = a_lm sin φ P̄_{l-1,m} − b_lm P̄_{l-2,m},
 *     a_lm = √((4l²−1)/(l²−m²)),  b_lm = √((2l+1)((l−1)²−m²)/((2l−3)(l²−m²)))
 *   dP̄_lm/dφ = (−l sin φ P̄_lm + √((2l+1)(l²−m²)/(2l−1)) P̄_{l-1,m}) / cos φ
 *
 * Latitudes within 1e-7° of a pole are nudged off it so the derivative stays finite (the
 * combination is regular; only the division is not).
 */

/** Index of (l, m) in packed tables of degree ≤ L: l(l+1)/2 + m. */
export function lmIndex(l: number, m: number): number {
  return (l * (l + 1)) / 2 + m;
}

/** Number of (l, m) pairs with 0 ≤ m ≤ l ≤ L. */
export function lmCount(L: number): number {
  return ((L + 1) * (L + 2)) / 2;
}

/** Precomputed recurrence coefficients for degree ≤ L. */
export class LegendreCoefficients {
  readonly L: number;
  readonly a: Float64Array;
  readonly b: Float64Array;
  /** √((2l+1)(l²−m²)/(2l−1)), for the derivative. */
  readonly d: Float64Array;
  /** √((2m+1)/(2m)) for the diagonal. */
  readonly diag: Float64Array;

  constructor(L: number) {
    this.L = L;
    const n = lmCount(L);
    this.a = new Float64Array(n);
    this.b = new Float64Array(n);
    this.d = new Float64Array(n);
    this.diag = new Float64Array(L + 1);
    for (let m = 2; m <= L; m++) this.diag[m] = Math.sqrt((2 * m + 1) / (2 * m));
    for (let l = 1; l <= L; l++) {
      for (let m = 0; m <= l; m++) {
        const i = lmIndex(l, m);
        const l2m2 = l * l - m * m;
        if (m <= l - 2) {
          this.a[i] = Math.sqrt((4 * l * l - 1) / l2m2);
          this.b[i] = Math.sqrt(((2 * l + 1) * ((l - 1) * (l - 1) - m * m)) / ((2 * l - 3) * l2m2));
        }
        this.d[i] = Math.sqrt(((2 * l + 1) * l2m2) / (2 * l - 1));
      }
    }
  }
}

const POLE_GUARD = 1e-7 * (Math.PI / 180);

/**
 * Fills p[lmIndex(l,m)] = P̄_lm(sin φ) and, if dp is given, dp[…] = dP̄_lm/dφ (per radian), for
 * latitude φ in radians.
 */
export function legendre(coef: LegendreCoefficients, phi: number, p: Float64Array, dp?: Float64Array): void {
  const L = coef.L;
  const lim = Math.PI / 2 - POLE_GUARD;
  if (phi > lim) phi = lim;
  else if (phi < -lim) phi = -lim;
  const x = Math.sin(phi);
  const c = Math.cos(phi);
  const { a, b, d, diag } = coef;
  let pmm = 1;
  for (let m = 0; m <= L; m++) {
    if (m === 1) pmm = Math.sqrt(3) * c;
    else if (m >= 2) pmm *= diag[m] * c;
    const imm = lmIndex(m, m);
    p[imm] = pmm;
    if (m + 1 <= L) {
      let p2 = pmm;
      let p1 = Math.sqrt(2 * m + 3) * x * pmm;
      p[lmIndex(m + 1, m)] = p1;
      for (let l = m + 2; l <= L; l++) {
        const i = lmIndex(l, m);
        const pl = a[i] * x * p1 - b[i] * p2;
        p[i] = pl;
        p2 = p1;
        p1 = pl;
      }
    }
  }
  if (!dp) return;
  const invc = 1 / c;
  for (let l = 0; l <= L; l++) {
    const base = (l * (l + 1)) / 2;
    const prev = ((l - 1) * l) / 2;
    for (let m = 0; m <= l; m++) {
      const i = base + m;
      const lower = m <= l - 1 ? d[i] * p[prev + m] : 0;
      dp[i] = (-l * x * p[i] + lower) * invc;
    }
  }
}
