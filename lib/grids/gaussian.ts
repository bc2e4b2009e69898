import { GaussianDescriptorSchema, type GaussianDescriptor } from "./descriptor";
import { BaseGrid } from "./grid";
import { rowLinearStencil, rowNearestStencil, type RowTable } from "./rowtable";
import { CLASSIC_PL_NORTH } from "./classic-pl";
import { DEG, hashFloat64 } from "./sphere";
import type { Stencil } from "./stencil";

export interface GaussianLatitudes {
  /** 2N Gaussian latitudes in degrees, north→south. */
  latitudes: Float64Array;
  /** Gauss–Legendre quadrature weights of the rows (sum 2), same order. */
  weights: Float64Array;
}

const cache = new Map<number, GaussianLatitudes>();

/**
 * Gaussian latitudes for N latitudes per hemisphere: φ = 90° − θ where cos θ are the 2N roots of
 * the Legendre polynomial P_{2N}, found by Newton's method in θ (no loss of precision near the
 * poles) from Tricomi's asymptotic initial guess, evaluating P_n and P_{n−1} by the three-term
 * recurrence in double precision. Quadrature weights w = 2 sin²θ / (n (P_{n−1} − x P_n))², which
 * equals 2 / ((1 − x²) P_n'(x)²).
 */
export function gaussianLatitudes(N: number): GaussianLatitudes {
  if (!Number.isInteger(N) || N < 1) throw new Error(`Gaussian N must be a positive integer, got ${N}`);
  const hit = cache.get(N);
  if (hit) return hit;
  const n = 2 * N;
  const latitudes = new Float64Array(n);
  const weights = new Float64Array(n);
  for (let k = 1; k <= N; k++) {
    // Tricomi: x_k ≈ (1 − 1/(8n²) + 1/(8n³)) cos(π(4k − 1)/(4n + 2)).
    const theta0 = (Math.PI * (4 * k - 1)) / (4 * n + 2);
    let theta = Math.acos((1 - 1 / (8 * n * n) + 1 / (8 * n * n * n)) * Math.cos(theta0));
    let pn = 0, pn1 = 0, x = 0;
    // Quadratic convergence: once a step is below 1e-12 the next one reaches machine precision.
    let converged = false;
    for (let iter = 0; iter < 50; iter++) {
      x = Math.cos(theta);
      [pn, pn1] = legendre(n, x);
      // dP_n/dθ = −n (P_{n−1} − x P_n) / sin θ
      const s = Math.sin(theta);
      const dpdTheta = (-n * (pn1 - x * pn)) / s;
      const dTheta = pn / dpdTheta;
      theta -= dTheta;
      if (converged) break;
      if (Math.abs(dTheta) < 1e-12) converged = true;
    }
    x = Math.cos(theta);
    [pn, pn1] = legendre(n, x);
    const s = Math.sin(theta);
    const d = n * (pn1 - x * pn);
    const w = (2 * s * s) / (d * d);
    const lat = 90 - theta / DEG;
    latitudes[k - 1] = lat;
    latitudes[n - k] = -lat;
    weights[k - 1] = w;
    weights[n - k] = w;
  }
  const result = { latitudes, weights };
  cache.set(N, result);
  return result;
}

/** [P_n(x), P_{n−1}(x)] by the Bonnet recurrence. */
function legendre(n: number, x: number): [number, number] {
  let p0 = 1;
  let p1 = x;
  for (let j = 2; j <= n; j++) {
    const p2 = ((2 * j - 1) * x * p1 - (j - 1) * p0) / j;
    p0 = p1;
    p1 = p2;
  }
  return [p1, p0];
}

/** Points per row of the octahedral grid O<N>: 20, 24, …, 4N+16 from the north pole, mirrored south. */
export function octahedralPl(N: number): number[] {
  const pl = new Array<number>(2 * N);
  for (let r = 0; r < N; r++) pl[r] = pl[2 * N - 1 - r] = 4 * r + 20;
  return pl;
}

/** Points per row of the regular (full) Gaussian grid N<N>: 4N on every row. */
export function regularGaussianPl(N: number): number[] {
  return new Array<number>(2 * N).fill(4 * N);
}

/** The N of every classic reduced Gaussian grid whose ECMWF row table is built in (see classic-pl.ts). */
export const CLASSIC_REDUCED_N: readonly number[] = Object.keys(CLASSIC_PL_NORTH)
  .map(Number)
  .sort((a, b) => a - b);

/**
 * Points per row of ECMWF's classic reduced Gaussian grid N<N> (what MARS calls "N320"), north to
 * south. These are ECMWF's published tables (from the ecCodes GRIB samples), not a formula, so only
 * the N in {@link CLASSIC_REDUCED_N} are known; any other N throws.
 */
export function classicReducedPl(N: number): number[] {
  const north = CLASSIC_PL_NORTH[N];
  if (!north) throw new Error(`no classic reduced Gaussian row table for N${N}; built in: ${CLASSIC_REDUCED_N.map((n) => `N${n}`).join(", ")}`);
  return [...north, ...[...north].reverse()];
}

export type GaussianLayout = "octahedral" | "regular" | "reduced";

/**
 * Gaussian grid (octahedral O<N>, regular N<N>, or classic reduced with an explicit pl table).
 * Native order: rows north→south, within a row longitudes 0, 360/pl, … (ECMWF / anemoi order).
 */
export class GaussianGrid extends BaseGrid {
  readonly kind = "gaussian" as const;
  readonly id: string;
  readonly size: number;
  readonly latitudes: Float64Array;
  readonly longitudes: Float64Array;
  readonly descriptor: GaussianDescriptor;
  readonly N: number;
  readonly layout: GaussianLayout;
  readonly rowLatitudes: Float64Array;
  readonly rowWeights: Float64Array;
  readonly pl: Int32Array;
  /** Index of the first point of each row. */
  readonly rowFirst: Int32Array;
  private table: RowTable | null = null;

  constructor(descriptor: GaussianDescriptor) {
    super();
    const d = GaussianDescriptorSchema.parse(descriptor);
    this.descriptor = d;
    this.N = d.N;
    const g = gaussianLatitudes(d.N);
    this.rowLatitudes = g.latitudes;
    this.rowWeights = g.weights;
    this.pl = Int32Array.from(d.pl);
    const rows = this.pl.length;
    this.rowFirst = new Int32Array(rows);
    let total = 0;
    for (let r = 0; r < rows; r++) {
      this.rowFirst[r] = total;
      total += this.pl[r];
    }
    this.size = total;
    this.latitudes = new Float64Array(total);
    this.longitudes = new Float64Array(total);
    for (let r = 0; r < rows; r++) {
      const f = this.rowFirst[r];
      const c = this.pl[r];
      this.latitudes.fill(this.rowLatitudes[r], f, f + c);
      const dl = 360 / c;
      for (let j = 0; j < c; j++) this.longitudes[f + j] = j * dl;
    }
    const oct = octahedralPl(d.N);
    if (d.pl.every((v, i) => v === oct[i])) this.layout = "octahedral";
    else if (d.pl.every((v) => v === 4 * d.N)) this.layout = "regular";
    else this.layout = "reduced";
    this.id =
      this.layout === "octahedral"
        ? `O${d.N}`
        : this.layout === "regular"
          ? `N${d.N}`
          : `reduced-N${d.N}-${hashFloat64(Float64Array.from(d.pl)).slice(0, 8)}`;
  }

  /** Area of each point: 2π · w_row / pl_row (w the Gauss–Legendre weight, Σw = 2 → total 4π). */
  protected computeAreas(): Float64Array {
    const a = new Float64Array(this.size);
    for (let r = 0; r < this.pl.length; r++) {
      const f = this.rowFirst[r];
      a.fill((2 * Math.PI * this.rowWeights[r]) / this.pl[r], f, f + this.pl[r]);
    }
    return a;
  }

  rowTable(): RowTable {
    if (!this.table) {
      const rows = this.pl.length;
      const dlon = new Float64Array(rows);
      for (let r = 0; r < rows; r++) dlon[r] = 360 / this.pl[r];
      this.table = {
        lat: this.rowLatitudes,
        first: this.rowFirst,
        count: this.pl,
        lon0: new Float64Array(rows),
        dlon,
        periodic: true,
        global: true,
        perm: null,
      };
    }
    return this.table;
  }

  protected cellStencil(lat: number, lon: number, st: Stencil): void {
    rowNearestStencil(this.rowTable(), lat, lon, st);
  }

  protected linearStencil(lat: number, lon: number, st: Stencil): void {
    rowLinearStencil(this.rowTable(), lat, lon, st);
  }
}

/** Octahedral reduced Gaussian grid O<N> (4N² + 36N points). */
export function octahedralGrid(N: number): GaussianGrid {
  return new GaussianGrid({ kind: "gaussian", N, pl: octahedralPl(N) });
}

/**
 * ECMWF's classic reduced Gaussian grid N<N> (N320: 542,080 points). Its id is
 * `reduced-N<N>-<hash of pl>`, the same id as the grid recognised from a dataset's coordinates.
 */
export function classicReducedGrid(N: number): GaussianGrid {
  return new GaussianGrid({ kind: "gaussian", N, pl: classicReducedPl(N) });
}

/** Regular (full) Gaussian grid N<N>: 2N latitudes × 4N longitudes. */
export function regularGaussianGrid(N: number): GaussianGrid {
  return new GaussianGrid({ kind: "gaussian", N, pl: regularGaussianPl(N) });
}
