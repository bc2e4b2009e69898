import type { Grid } from "@/lib/grids";
import { legendre, LegendreCoefficients, lmCount } from "./legendre";

/**
 * Spherical-harmonic synthesis on an arbitrary grid, organised by rows of equal latitude.
 *
 * Points are grouped by their exact latitude value. Regular, Gaussian and HEALPix grids have few
 * distinct latitudes (N320: 640 rows for 542,080 points), unstructured sets up to one per point.
 * For each row the Legendre sums give Fourier coefficients F_m(φ) = Σ_l c_lm P̄_lm(sin φ) (or
 * dP̄/dφ) for every channel: O(rows × (L+1)(L+2)/2 × channels). Each point then sums
 * Σ_m F_m^A cos mλ + F_m^B sin mλ with cos/sin mλ by complex-rotation recurrence from the
 * point's own cos λ, sin λ: O(points × (L+1) × channels), no table, no allocation.
 *
 * Legendre tables (P̄ and dP̄/dφ) are precomputed per row when they fit in TABLE_BYTES, and
 * recomputed per row and call otherwise (very large unstructured sets).
 */

/** What a channel synthesises from its coefficients. */
export type ChannelKind = "value" | "dphi" | "dlambda";

export type Channel = {
  kind: ChannelKind;
  /** Coefficients A_lm, B_lm, packed by lmIndex (l = 0..L); B_l0 is ignored. */
  a: Float64Array;
  b: Float64Array;
  /** Output, one value per grid point (native order). */
  out: Float64Array;
};

const TABLE_BYTES = 64 * 1024 * 1024;

export class GridSynthesizer {
  readonly L: number;
  readonly size: number;
  /** Distinct latitudes (degrees) and the points of each row (CSR). */
  readonly rowLat: Float64Array;
  readonly rowStart: Int32Array;
  readonly rowPoints: Int32Array;
  /** Row index of every point. */
  readonly rowOf: Int32Array;
  readonly cosLon: Float64Array;
  readonly sinLon: Float64Array;
  private readonly coef: LegendreCoefficients;
  private readonly nlm: number;
  private readonly pTable: Float64Array | null;
  private readonly dpTable: Float64Array | null;
  private readonly p: Float64Array;
  private readonly dp: Float64Array;
  private fa = new Float64Array(0);
  private fb = new Float64Array(0);
  private readonly cs: Float64Array;
  private readonly sn: Float64Array;

  constructor(grid: Grid, L: number) {
    this.L = L;
    const n = grid.size;
    this.size = n;
    const lats = grid.latitudes;
    const lons = grid.longitudes;
    const rowId = new Map<number, number>();
    const rowOf = new Int32Array(n);
    const rowLat: number[] = [];
    const counts: number[] = [];
    for (let i = 0; i < n; i++) {
      const lat = lats[i];
      let r = rowId.get(lat);
      if (r === undefined) {
        r = rowLat.length;
        rowId.set(lat, r);
        rowLat.push(lat);
        counts.push(0);
      }
      rowOf[i] = r;
      counts[r]++;
    }
    const nr = rowLat.length;
    this.rowLat = Float64Array.from(rowLat);
    this.rowOf = rowOf;
    this.rowStart = new Int32Array(nr + 1);
    for (let r = 0; r < nr; r++) this.rowStart[r + 1] = this.rowStart[r] + counts[r];
    this.rowPoints = new Int32Array(n);
    const fill = this.rowStart.slice(0, nr);
    for (let i = 0; i < n; i++) this.rowPoints[fill[rowOf[i]]++] = i;
    this.cosLon = new Float64Array(n);
    this.sinLon = new Float64Array(n);
    const deg = Math.PI / 180;
    for (let i = 0; i < n; i++) {
      this.cosLon[i] = Math.cos(lons[i] * deg);
      this.sinLon[i] = Math.sin(lons[i] * deg);
    }
    this.coef = new LegendreCoefficients(L);
    this.cs = new Float64Array(L + 1);
    this.sn = new Float64Array(L + 1);
    this.nlm = lmCount(L);
    this.p = new Float64Array(this.nlm);
    this.dp = new Float64Array(this.nlm);
    if (nr * this.nlm * 16 <= TABLE_BYTES) {
      this.pTable = new Float64Array(nr * this.nlm);
      this.dpTable = new Float64Array(nr * this.nlm);
      for (let r = 0; r < nr; r++) {
        legendre(this.coef, this.rowLat[r] * deg, this.p, this.dp);
        this.pTable.set(this.p, r * this.nlm);
        this.dpTable.set(this.dp, r * this.nlm);
      }
    } else {
      this.pTable = null;
      this.dpTable = null;
    }
  }

  get rows(): number {
    return this.rowLat.length;
  }

  /** Synthesises every channel at every point (outputs are overwritten). */
  synthesize(channels: readonly Channel[]): void {
    const L = this.L;
    const M = L + 1;
    const K = channels.length;
    if (this.fa.length < K * M) {
      this.fa = new Float64Array(K * M);
      this.fb = new Float64Array(K * M);
    }
    const { fa, fb, nlm, rowStart, rowPoints, cosLon, sinLon, cs, sn } = this;
    const deg = Math.PI / 180;
    const outs = channels.map((c) => c.out);
    for (let r = 0; r < this.rows; r++) {
      let p: Float64Array;
      let dp: Float64Array;
      if (this.pTable && this.dpTable) {
        p = this.pTable.subarray(r * nlm, (r + 1) * nlm);
        dp = this.dpTable.subarray(r * nlm, (r + 1) * nlm);
      } else {
        legendre(this.coef, this.rowLat[r] * deg, this.p, this.dp);
        p = this.p;
        dp = this.dp;
      }
      // Row Fourier coefficients per channel.
      for (let k = 0; k < K; k++) {
        const ch = channels[k];
        const tab = ch.kind === "dphi" ? dp : p;
        const ca = ch.a;
        const cb = ch.b;
        for (let m = 0; m <= L; m++) {
          let sa = 0;
          let sb = 0;
          for (let l = m; l <= L; l++) {
            const i = (l * (l + 1)) / 2 + m;
            sa += ca[i] * tab[i];
            sb += cb[i] * tab[i];
          }
          if (m === 0) sb = 0;
          if (ch.kind === "dlambda") {
            // ∂/∂λ (A cos mλ + B sin mλ) = m B cos mλ − m A sin mλ
            fa[k * M + m] = m * sb;
            fb[k * M + m] = -m * sa;
          } else {
            fa[k * M + m] = sa;
            fb[k * M + m] = sb;
          }
        }
      }
      // Fourier sums at the row's points: cos/sin mλ once per point, then every channel.
      for (let q = rowStart[r]; q < rowStart[r + 1]; q++) {
        const i = rowPoints[q];
        const c1 = cosLon[i];
        const s1 = sinLon[i];
        let cm = 1;
        let sm = 0;
        for (let m = 1; m <= L; m++) {
          const cn = cm * c1 - sm * s1;
          sm = sm * c1 + cm * s1;
          cm = cn;
          cs[m] = cm;
          sn[m] = sm;
        }
        for (let k = 0; k < K; k++) {
          const base = k * M;
          let acc = fa[base];
          for (let m = 1; m <= L; m++) acc += fa[base + m] * cs[m] + fb[base + m] * sn[m];
          outs[k][i] = acc;
        }
      }
    }
  }
}
