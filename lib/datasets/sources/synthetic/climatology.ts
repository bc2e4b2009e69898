/**
 * The synthetic atmosphere's climatology and the latitude profiles that shape its anomalies.
 *
 * Everything that depends only on latitude and date is evaluated once per grid row (distinct
 * latitude) and date into a RowClimate; per-point terms (land, continentality, stationary waves,
 * diurnal phase) are applied in source.ts. Formulas and parameters are listed in
 * docs/synthetic-source.md. Angles: `d` latitude in degrees, φ in radians; derivatives are per
 * radian of latitude.
 */

export const G0 = 9.80665;
/** R_d ln 2: geopotential thickness of the 1000–500 hPa layer per kelvin of layer temperature. */
export const THICKNESS_PER_K = 287.05 * Math.LN2;
/** Near-surface air density used for the hydrostatic (Φ' = p'/ρ) and geostrophic relations. */
export const RHO0 = 1.25;
export const MEAN_YEAR_DAYS = 365.2422;
const DEG = Math.PI / 180;
const RAD = 180 / Math.PI;
const JAN15 = Date.UTC(2000, 0, 15);

/** Date-dependent scalars shared by every point. */
export type Season = {
  /** cos of the annual phase: +1 in mid-January (northern winter), −1 in mid-July. */
  sigma: number;
  /** UTC hour of day (fractional). */
  utcHours: number;
};

export function seasonOf(date: Date): Season {
  const t = date.getTime();
  const phase = (2 * Math.PI * (t - JAN15)) / (MEAN_YEAR_DAYS * 86400e3);
  const day = ((t % 86400e3) + 86400e3) % 86400e3;
  return { sigma: Math.cos(phase), utcHours: day / 3600e3 };
}

/** Gaussian bump exp(−((d − c)/w)²) and its derivative per radian. */
function bump(d: number, c: number, w: number): number {
  const x = (d - c) / w;
  return Math.exp(-x * x);
}
function dbump(d: number, c: number, w: number): number {
  const x = (d - c) / w;
  return Math.exp(-x * x) * ((-2 * x) / w) * RAD;
}

/** Local winterness σ·tanh(d/12): +1 in the local winter, −1 in the local summer, 0 at the equator. */
export function winterness(sigma: number, d: number): number {
  return sigma * Math.tanh(d / 12);
}
function dWinterness(sigma: number, d: number): number {
  const t = Math.tanh(d / 12);
  return ((sigma * (1 - t * t)) / 12) * RAD;
}

/** Per-row (distinct latitude) quantities for one date. */
export class RowClimate {
  readonly n: number;
  /** Zonal-mean mean-sea-level pressure (Pa) and its φ-derivative. */
  readonly mslZ: Float64Array;
  readonly dmslZ: Float64Array;
  /** Pressure per unit continentality (Pa; Siberian high / summer thermal lows) and φ-derivative. */
  readonly landP: Float64Array;
  readonly dlandP: Float64Array;
  /** Zonal-mean 500 hPa geopotential (m²/s²) and the amplitude of the stationary wave-2 term. */
  readonly z500Z: Float64Array;
  readonly zStat: Float64Array;
  /** Zonal-mean 850 hPa temperature (K) and its change per unit continentality. */
  readonly t850Z: Float64Array;
  readonly contT: Float64Array;
  /** 2 m temperature minus 850 hPa temperature over sea, extra land seasonal term, diurnal amplitudes. */
  readonly t2Sea: Float64Array;
  readonly t2Land: Float64Array;
  readonly diurnalSea: Float64Array;
  readonly diurnalLand: Float64Array;
  /** Anomaly standard deviations: msl (Pa) with φ-derivative, t850 (K). */
  readonly ep: Float64Array;
  readonly dep: Float64Array;
  readonly et: Float64Array;
  /** 700 hPa relative-humidity climatology; precipitation threshold and desert shift. */
  readonly rh: Float64Array;
  readonly y0: Float64Array;
  readonly desert: Float64Array;
  /** Regularised 1/f (s), cos φ (guarded), hemisphere sign for the cross-isobaric turn, equatorial easterly (m/s). */
  readonly invF: Float64Array;
  readonly cosLat: Float64Array;
  readonly hemi: Float64Array;
  readonly uTrop: Float64Array;

  constructor(readonly latitudes: Float64Array) {
    const n = latitudes.length;
    this.n = n;
    const mk = () => new Float64Array(n);
    this.mslZ = mk();
    this.dmslZ = mk();
    this.landP = mk();
    this.dlandP = mk();
    this.z500Z = mk();
    this.zStat = mk();
    this.t850Z = mk();
    this.contT = mk();
    this.t2Sea = mk();
    this.t2Land = mk();
    this.diurnalSea = mk();
    this.diurnalLand = mk();
    this.ep = mk();
    this.dep = mk();
    this.et = mk();
    this.rh = mk();
    this.y0 = mk();
    this.desert = mk();
    this.invF = mk();
    this.cosLat = mk();
    this.hemi = mk();
    this.uTrop = mk();
    const s0 = Math.sin(8 * DEG);
    const twoOmega = 2 * 7.292115e-5;
    const lim = 90 - 1e-7;
    for (let r = 0; r < n; r++) {
      const d = latitudes[r];
      const phi = Math.max(-lim, Math.min(lim, d)) * DEG;
      const s = Math.sin(phi);
      this.cosLat[r] = Math.cos(phi);
      this.invF[r] = s / (twoOmega * (s * s + s0 * s0));
      this.hemi[r] = Math.tanh(d / 4);
    }
  }

  /** Fills the date-dependent profiles. `amplitude` scales the anomaly standard deviations. */
  update(season: Season, amplitude: number): void {
    const sg = season.sigma;
    const itcz = 6 - 4 * sg;
    // msl: [amplitude Pa, centre deg, width deg]
    const mslBumps: [number, number, number][] = [
      [-500, itcz, 12],
      [800 - 150 * sg, 33 - 3 * sg, 13],
      [900, -(31 + 3 * sg), 13],
      [-1300 - 400 * sg, 60, 12],
      [-2200, -63, 10],
      [600 + 300 * sg, 88, 12],
      [900, -88, 12],
    ];
    const dN = 650 + 150 * sg;
    const cN = 45 - 5 * sg;
    const dS = 700 - 120 * sg;
    const cS = 45 + 5 * sg;
    const te = 5 - 5 * sg;
    const aN = 34 + 12 * sg;
    const aS = 42 - 10 * sg;
    for (let r = 0; r < this.n; r++) {
      const d = this.latitudes[r];
      const w = winterness(sg, d);
      let p = 101125;
      let dp = 0;
      for (const [a, c, wd] of mslBumps) {
        p += a * bump(d, c, wd);
        dp += a * dbump(d, c, wd);
      }
      this.mslZ[r] = p;
      this.dmslZ[r] = dp;
      const mid = bump(d, 50, 18) + bump(d, -50, 18);
      const dmid = dbump(d, 50, 18) + dbump(d, -50, 18);
      this.landP[r] = 1600 * w * mid;
      this.dlandP[r] = 1600 * (dWinterness(sg, d) * mid + w * dmid);

      const z = 5880 - dN * 0.5 * (1 + Math.tanh((d - cN) / 14)) - dS * 0.5 * (1 + Math.tanh((-d - cS) / 14));
      this.z500Z[r] = G0 * z;
      this.zStat[r] = G0 * 80 * (0.6 + 0.4 * sg) * bump(d, 50, 15);

      const st = Math.sin((d - te) * DEG);
      this.t850Z[r] = 291 - (d > te ? aN : aS) * st * st;
      const extra = 1 - Math.exp(-(d / 25) * (d / 25));
      this.contT[r] = -8 * w * extra + 3 * (bump(d, 22, 10) + bump(d, -22, 10));
      const sd = Math.sin(d * DEG);
      this.t2Sea[r] = 9 - 12 * Math.max(0, w) * sd * sd * sd * sd;
      this.t2Land[r] = -6 * w * extra;
      const cl = this.cosLat[r];
      this.diurnalSea[r] = 0.4;
      this.diurnalLand[r] = 4.5 * (1 - 0.4 * Math.max(0, w)) * (0.3 + 0.7 * cl);

      const storm = bump(d, 55, 22) + bump(d, -55, 22);
      const dstorm = dbump(d, 55, 22) + dbump(d, -55, 22);
      const wf = 1 + 0.2 * w;
      this.ep[r] = amplitude * (150 + 1000 * storm * wf);
      this.dep[r] = amplitude * 1000 * (dstorm * wf + storm * 0.2 * dWinterness(sg, d));
      this.et[r] = amplitude * (0.8 + 3.6 * (bump(d, 62, 25) + bump(d, -62, 25)) * (1 + 0.25 * w));

      this.rh[r] = 0.35 + 0.35 * bump(d, itcz, 10) + 0.25 * (bump(d, 55, 20) + bump(d, -55, 20));
      this.y0[r] = 1.0 - 0.9 * bump(d, itcz, 8) - 0.6 * (bump(d, 52, 15) + bump(d, -52, 15));
      this.desert[r] = 0.6 * (bump(d, 23, 8) + bump(d, -25, 8));
      this.uTrop[r] = -3 * bump(d, 0, 10);
    }
  }
}

/** Saturation specific humidity (kg/kg) over water at temperature T (K) and pressure p (Pa), Bolton (1980). */
export function qsat(T: number, p: number): number {
  const e = 611.2 * Math.exp((17.67 * (T - 273.15)) / (T - 29.65));
  return (0.622 * e) / (p - 0.378 * e);
}
