import type { Grid } from "@/lib/grids";
import type { DatasetSource, OpenedSource, SourceVariable } from "../source";
import { RHO0, RowClimate, THICKNESS_PER_K, qsat, seasonOf } from "./climatology";
import { SyntheticConfigSchema, type SyntheticConfig, type SyntheticConfigInput } from "./config";
import { CONTINENTALITY_DEGREE, continentalityCoefficients, landSeaMaskOn } from "./landmask";
import { lmCount } from "./legendre";
import { EARTH_RADIUS, ModeProcess, ModeSet } from "./modes";
import { type Channel, GridSynthesizer } from "./synthesis";
import { SYNTHETIC_VARIABLES, SYNTHETIC_VARIABLE_INFO, type SyntheticVariable } from "./variables";

/**
 * The `synthetic` dataset source: a small, deterministic model atmosphere evaluable on any grid
 * at any date. See docs/synthetic-source.md for the equations and the measured properties.
 */

const HOUR_MS = 3600e3;
/** Accumulation window of tp, in hours. */
export const TP_HOURS = 6;
const TP_BETA = 1.3;
const TP_SCALE = 0.0008;
/** Cross-isobaric turning (degrees) and sub-geostrophic factor of the 10 m wind, over sea / land. */
const TURN_SEA = 18;
const TURN_LAND = 33;
const SLOW_SEA = 0.72;
const SLOW_LAND = 0.52;
const STAT_WAVE_PHASE = 20;

/** Mode-set streams: surface pressure, layer temperature, moisture. */
const enum Stream {
  P = 0,
  T = 1,
  Q = 2,
}

function modeSets(cfg: SyntheticConfig): [ModeSet, ModeSet, ModeSet] {
  const d = cfg.dynamics;
  const tau = (l: number, f: number) => 24 * f * Math.min(d.maxDampingDays, d.dampingDays * Math.pow(10 / l, d.dampingExponent));
  const base = { degree: cfg.degree, seed: cfg.seed, zonalFlow: d.zonalFlow, lamb: d.lambParameter };
  const pk = d.spectrumPeak;
  return [
    new ModeSet({ ...base, stream: Stream.P, spectrum: (l) => (l * l) / (1 + Math.pow(l / pk, 5)), dampingHours: (l) => tau(l, 1) }),
    new ModeSet({ ...base, stream: Stream.T, spectrum: (l) => (l * l) / (1 + Math.pow(l / (pk + 1), 5)), dampingHours: (l) => tau(l, 1) }),
    new ModeSet({ ...base, stream: Stream.Q, spectrum: (l) => (l * l) / (1 + Math.pow(l / (pk + 2), 4)), dampingHours: (l) => tau(l, 0.6) }),
  ];
}

export class SyntheticSource implements DatasetSource {
  readonly config: SyntheticConfig;
  readonly description: string;

  constructor(config: SyntheticConfigInput = {}) {
    this.config = SyntheticConfigSchema.parse(config);
    const vars = this.config.variables ?? SYNTHETIC_VARIABLES;
    this.description = `synthetic atmosphere (seed ${this.config.seed}, degree ${this.config.degree}; ${vars.join(", ")})`;
  }

  async open(grid: Grid): Promise<SyntheticField> {
    return new SyntheticField(grid, this.config);
  }
}

/** Builds a synthetic source from a (recipe) config; throws a ZodError on invalid input. */
export function createSyntheticSource(config: unknown = {}): SyntheticSource {
  return new SyntheticSource(SyntheticConfigSchema.parse(config));
}

/** ch.a/b (+)= w·(a, b). */
function combine(ch: Channel, w: number, a: Float64Array, b: Float64Array, add: boolean): void {
  for (let i = 0; i < a.length; i++) {
    ch.a[i] = (add ? ch.a[i] : 0) + w * a[i];
    ch.b[i] = (add ? ch.b[i] : 0) + w * b[i];
  }
}

type Needs = { p: boolean; pGrad: boolean; t: boolean; q: boolean; tp: boolean };

/** A synthetic source opened on one grid: evaluates fields date by date. */
export class SyntheticField implements OpenedSource {
  readonly variables: readonly SourceVariable[];
  readonly names: readonly SyntheticVariable[];
  readonly grid: Grid;
  readonly config: SyntheticConfig;
  /** Land fraction at every point (as the `lsm` forcing). */
  readonly lsm: Float32Array;
  private readonly synth: GridSynthesizer;
  private readonly rows: RowClimate;
  private readonly processes: [ModeProcess, ModeProcess, ModeProcess];
  private readonly needs: Needs;
  private readonly cont: Float64Array;
  private readonly contPhi: Float64Array;
  private readonly contLam: Float64Array;
  private readonly wave2: Float64Array;
  private readonly ch: Record<"p" | "pPhi" | "pLam" | "t" | "eta" | "y", Channel>;
  /** Scratch coefficients for the combined channels. */
  private readonly tmpA: Float64Array;
  private readonly tmpB: Float64Array;
  /** Static 10 m wind factors: slow·cos(turn), slow·sin(turn). */
  private readonly windC: Float32Array;
  private readonly windS: Float32Array;
  private readonly active: Channel[];
  private readonly st0: Float64Array[];
  private readonly st1: Float64Array[];

  constructor(grid: Grid, config: SyntheticConfig) {
    this.grid = grid;
    this.config = config;
    this.names = config.variables ?? SYNTHETIC_VARIABLES;
    this.variables = this.names.map((n) => SYNTHETIC_VARIABLE_INFO[n]);
    const has = (...v: SyntheticVariable[]) => v.some((x) => this.names.includes(x));
    this.needs = {
      p: has("z_500", "msl", "10u", "10v", "q_700", "tp"),
      pGrad: has("10u", "10v"),
      t: has("z_500", "t_850", "2t", "q_700", "tp"),
      q: has("q_700", "tp"),
      tp: has("tp"),
    };
    const L = config.degree;
    const n = grid.size;
    this.synth = new GridSynthesizer(grid, Math.max(L, CONTINENTALITY_DEGREE));
    this.rows = new RowClimate(this.synth.rowLat);
    const sets = modeSets(config);
    this.processes = [new ModeProcess(sets[0]), new ModeProcess(sets[1]), new ModeProcess(sets[2])];
    this.st0 = sets.map((s) => new Float64Array(2 * s.count));
    this.st1 = sets.map((s) => new Float64Array(2 * s.count));

    // Static per-point fields: land fraction, continentality (+ gradient), stationary wave.
    this.lsm = landSeaMaskOn(grid.latitudes, grid.longitudes);
    const nlm = lmCount(this.synth.L);
    const mkc = (kind: Channel["kind"]): Channel => ({ kind, a: new Float64Array(nlm), b: new Float64Array(nlm), out: new Float64Array(n) });
    const cc = continentalityCoefficients();
    const contChannels = (["value", "dphi", "dlambda"] as const).map((k) => {
      const c = mkc(k);
      c.a.set(cc.a.subarray(0, Math.min(nlm, cc.a.length)));
      c.b.set(cc.b.subarray(0, Math.min(nlm, cc.b.length)));
      return c;
    });
    this.synth.synthesize(contChannels);
    [this.cont, this.contPhi, this.contLam] = contChannels.map((c) => c.out);
    this.wave2 = new Float64Array(n);
    const ph = (2 * STAT_WAVE_PHASE * Math.PI) / 180;
    for (let i = 0; i < n; i++) {
      const c = this.synth.cosLon[i];
      const s = this.synth.sinLon[i];
      this.wave2[i] = (c * c - s * s) * Math.cos(ph) + 2 * s * c * Math.sin(ph);
    }

    this.ch = { p: mkc("value"), pPhi: mkc("dphi"), pLam: mkc("dlambda"), t: mkc("value"), eta: mkc("value"), y: mkc("value") };
    this.tmpA = new Float64Array(nlm);
    this.tmpB = new Float64Array(nlm);
    const nd = this.needs;
    this.active = [];
    if (nd.p) this.active.push(this.ch.p);
    if (nd.pGrad) this.active.push(this.ch.pPhi, this.ch.pLam);
    if (nd.t) this.active.push(this.ch.t);
    if (has("q_700")) this.active.push(this.ch.eta);
    if (nd.tp) this.active.push(this.ch.y);
    this.windC = new Float32Array(n);
    this.windS = new Float32Array(n);
    const { rowOf } = this.synth;
    for (let i = 0; i < n; i++) {
      const land = this.lsm[i];
      const turn = (TURN_SEA + land * (TURN_LAND - TURN_SEA)) * (Math.PI / 180) * this.rows.hemi[rowOf[i]];
      const slow = SLOW_SEA + land * (SLOW_LAND - SLOW_SEA);
      this.windC[i] = slow * Math.cos(turn);
      this.windS[i] = slow * Math.sin(turn);
    }
    // The Legendre tables cover max(L, 21); anomaly coefficients above L stay zero.
  }

  /** Interpolated state of mode set s at fractional hour k + f, written as packed coefficients. */
  private coefficients(s: number, k: number, f: number, outA: Float64Array, outB: Float64Array, accumulate?: number): void {
    const proc = this.processes[s];
    const set = proc.set;
    const s0 = this.st0[s];
    const s1 = this.st1[s];
    proc.stateAt(k, s0);
    if (f > 0) proc.stateAt(k + 1, s1);
    const w = accumulate ?? 1;
    for (let j = 0; j < set.count; j++) {
      const i = set.lm[j];
      const a = f > 0 ? (1 - f) * s0[2 * j] + f * s1[2 * j] : s0[2 * j];
      const b = f > 0 ? (1 - f) * s0[2 * j + 1] + f * s1[2 * j + 1] : s0[2 * j + 1];
      if (accumulate === undefined) {
        outA[i] = a;
        outB[i] = b;
      } else {
        outA[i] += w * a;
        outB[i] += w * b;
      }
    }
  }

  /** Mean coefficients over the accumulation window (t − 6 h, t] (trapezoid on the hourly lattice). */
  private windowMean(s: number, k: number, f: number, outA: Float64Array, outB: Float64Array): void {
    outA.fill(0);
    outB.fill(0);
    for (let h = TP_HOURS; h >= 0; h--) {
      const w = (h === 0 || h === TP_HOURS ? 0.5 : 1) / TP_HOURS;
      this.coefficients(s, k - h, f, outA, outB, w);
    }
  }

  /** Fills the anomaly channels for a date. */
  private synthesizeAnomalies(date: Date): void {
    const hours = date.getTime() / HOUR_MS;
    if (!Number.isFinite(hours)) throw new Error("invalid date");
    const k = Math.floor(hours);
    const f = hours - k;
    const { ch, needs } = this;
    // Requests go in increasing time per process so the sequential cache is used.
    const { tmpA, tmpB } = this;
    // tp's wetness index Y = 0.6 ψ̄_q − 0.8 ψ̄_p over the accumulation window (linear, so combined in spectral space).
    if (needs.tp) {
      this.windowMean(Stream.P, k, f, tmpA, tmpB);
      combine(ch.y, -0.8, tmpA, tmpB, false);
    }
    if (needs.p) {
      this.coefficients(Stream.P, k, f, ch.p.a, ch.p.b);
      if (needs.pGrad) {
        ch.pPhi.a.set(ch.p.a);
        ch.pPhi.b.set(ch.p.b);
        ch.pLam.a.set(ch.p.a);
        ch.pLam.b.set(ch.p.b);
      }
    }
    if (needs.t) this.coefficients(Stream.T, k, f, ch.t.a, ch.t.b);
    if (needs.tp) {
      this.windowMean(Stream.Q, k, f, tmpA, tmpB);
      combine(ch.y, 0.6, tmpA, tmpB, true);
    }
    if (this.names.includes("q_700")) {
      // q_700's humidity index η = 0.8 ψ_q − 0.6 ψ_p.
      this.coefficients(Stream.Q, k, f, tmpA, tmpB);
      combine(ch.eta, 0.8, tmpA, tmpB, false);
      combine(ch.eta, -0.6, ch.p.a, ch.p.b, true);
    }
    this.synth.synthesize(this.active);
  }

  async fieldsAt(date: Date): Promise<Map<string, Float32Array>> {
    return this.evaluate(date);
  }

  /** Synchronous fieldsAt. */
  evaluate(date: Date): Map<string, Float32Array> {
    this.synthesizeAnomalies(date);
    const season = seasonOf(date);
    const rows = this.rows;
    rows.update(season, this.config.dynamics.amplitude);
    const n = this.grid.size;
    const out = new Map<string, Float32Array>();
    const want = (v: SyntheticVariable) => {
      if (!this.names.includes(v)) return null;
      const a = new Float32Array(n);
      out.set(v, a);
      return a;
    };
    const z500 = want("z_500");
    const t850 = want("t_850");
    const t2 = want("2t");
    const msl = want("msl");
    const u10 = want("10u");
    const v10 = want("10v");
    const q700 = want("q_700");
    const tp = want("tp");

    const { rowOf, cosLon, sinLon } = this.synth;
    const { lsm, cont, contPhi, contLam, wave2 } = this;
    const P = this.ch.p.out;
    const Pphi = this.ch.pPhi.out;
    const Plam = this.ch.pLam.out;
    const T = this.ch.t.out;
    const ETA = this.ch.eta.out;
    const Y = this.ch.y.out;
    const { windC, windS } = this;
    const needs = this.needs;
    // Diurnal phase: cos(2π(h_local − 15)/24) with h_local = h_utc + λ/15.
    const th = (2 * Math.PI * (season.utcHours - 15)) / 24;
    const cth = Math.cos(th);
    const sth = Math.sin(th);
    const geo = 1 / (RHO0 * EARTH_RADIUS);

    for (let i = 0; i < n; i++) {
      const r = rowOf[i];
      const land = lsm[i];
      const c = cont[i];
      const diurnal = cth * cosLon[i] - sth * sinLon[i];
      const ep = rows.ep[r];
      const pa = needs.p ? ep * P[i] : 0;
      const ta = needs.t ? rows.et[r] * T[i] : 0;
      const t850Clim = rows.t850Z[r] + rows.contT[r] * c;
      const t850v = t850Clim + 0.8 * land * diurnal + ta;
      if (z500) z500[i] = rows.z500Z[r] + rows.zStat[r] * wave2[i] + pa / RHO0 + THICKNESS_PER_K * ta;
      if (t850) t850[i] = t850v;
      if (t2) {
        const amp = rows.diurnalSea[r] + land * (rows.diurnalLand[r] - rows.diurnalSea[r]);
        t2[i] = t850Clim + rows.t2Sea[r] + land * rows.t2Land[r] + amp * diurnal + ta * (0.6 + 0.4 * land);
      }
      if (msl) msl[i] = rows.mslZ[r] + rows.landP[r] * c + pa;
      if (u10 || v10) {
        const pPhi = rows.dmslZ[r] + rows.dlandP[r] * c + rows.landP[r] * contPhi[i] + rows.dep[r] * P[i] + ep * Pphi[i];
        const pLam = rows.landP[r] * contLam[i] + ep * Plam[i];
        const invF = rows.invF[r];
        const ug = -pPhi * invF * geo;
        const vg = (pLam * invF * geo) / rows.cosLat[r];
        const ct = windC[i];
        const stt = windS[i];
        if (u10) u10[i] = ug * ct - vg * stt + rows.uTrop[r];
        if (v10) v10[i] = ug * stt + vg * ct;
      }
      if (q700 || tp) {
        const qs = qsat(t850v - 9, 70000);
        if (q700) {
          const eta = ETA[i];
          const rh = Math.min(0.98, rows.rh[r] * Math.exp(0.5 * eta - 0.125));
          q700[i] = rh * qs;
        }
        if (tp) {
          const y = Y[i];
          const y0 = rows.y0[r] + rows.desert[r] * land;
          tp[i] = y > y0 ? ((TP_SCALE * qs) / 0.006) * (Math.exp(TP_BETA * y) - Math.exp(TP_BETA * y0)) : 0;
        }
      }
    }
    return out;
  }

  /**
   * The model's own climatology (expected value over the anomaly process) of the variables that
   * are linear in the anomalies: z_500, t_850, 2t, msl. Useful as a climatology baseline.
   */
  climatologyAt(date: Date): Map<string, Float32Array> {
    const season = seasonOf(date);
    const rows = this.rows;
    rows.update(season, this.config.dynamics.amplitude);
    const n = this.grid.size;
    const z = new Float32Array(n);
    const t = new Float32Array(n);
    const t2 = new Float32Array(n);
    const m = new Float32Array(n);
    const th = (2 * Math.PI * (season.utcHours - 15)) / 24;
    const cth = Math.cos(th);
    const sth = Math.sin(th);
    const { rowOf, cosLon, sinLon } = this.synth;
    for (let i = 0; i < n; i++) {
      const r = rowOf[i];
      const land = this.lsm[i];
      const c = this.cont[i];
      const diurnal = cth * cosLon[i] - sth * sinLon[i];
      const t850Clim = rows.t850Z[r] + rows.contT[r] * c;
      z[i] = rows.z500Z[r] + rows.zStat[r] * this.wave2[i];
      t[i] = t850Clim + 0.8 * land * diurnal;
      const amp = rows.diurnalSea[r] + land * (rows.diurnalLand[r] - rows.diurnalSea[r]);
      t2[i] = t850Clim + rows.t2Sea[r] + land * rows.t2Land[r] + amp * diurnal;
      m[i] = rows.mslZ[r] + rows.landP[r] * c;
    }
    return new Map([
      ["z_500", z],
      ["t_850", t],
      ["2t", t2],
      ["msl", m],
    ]);
  }

  /** Standard deviation of the anomalies of z_500, t_850, 2t and msl at a date (analytic). */
  anomalyStdAt(date: Date): Map<string, Float32Array> {
    const rows = this.rows;
    rows.update(seasonOf(date), this.config.dynamics.amplitude);
    const n = this.grid.size;
    const z = new Float32Array(n);
    const t = new Float32Array(n);
    const t2 = new Float32Array(n);
    const m = new Float32Array(n);
    const { rowOf } = this.synth;
    for (let i = 0; i < n; i++) {
      const r = rowOf[i];
      const ep = rows.ep[r];
      const et = rows.et[r];
      z[i] = Math.hypot(ep / RHO0, THICKNESS_PER_K * et);
      t[i] = et;
      t2[i] = et * (0.6 + 0.4 * this.lsm[i]);
      m[i] = ep;
    }
    return new Map([
      ["z_500", z],
      ["t_850", t],
      ["2t", t2],
      ["msl", m],
    ]);
  }
}
