import { describe, expect, it } from "vitest";
import { accCentred, accRatioOfAggregates, accUncentred } from "@/lib/verification/acc";
import { accumulateDeterministic, accumulateWindVector } from "@/lib/verification/deterministic";
import { aggregateOverTime } from "@/lib/verification/aggregate";
import { cellAreaLatitudeWeights, cosLatitudeWeights, expandRowWeights, regularGridPoints } from "@/lib/verification/latitude-weights";
import { compileRegionMask, compileRegions, regionSetFromMasks, wb2Regions } from "@/lib/verification/regions";
import { float32Field, normal, rng } from "@/lib/verification/test-helpers";

const all = (n: number) => regionSetFromMasks([{ name: "all", mask: new Uint8Array(n).fill(1) }]);

describe("deterministic sums on a hand example", () => {
  const w = new Float64Array([1, 2, 1]);
  const f = new Float32Array([1, 2, 3]);
  const o = new Float32Array([0, 4, 3]);
  const c = new Float32Array([0, 0, 0]);

  it("MSE, bias, MAE", () => {
    const [s] = accumulateDeterministic({ forecast: f, truth: o, weights: w }, all(3));
    expect(s).toEqual({ kind: "deterministic", count: 3, sumW: 4, sumWErr: -3, sumWAbsErr: 5, sumWSqErr: 9 });
  });

  it("a NaN in the truth drops the point from both sums", () => {
    const [s] = accumulateDeterministic({ forecast: f, truth: new Float32Array([0, 4, NaN]), weights: w }, all(3));
    expect(s).toMatchObject({ count: 2, sumW: 3, sumWErr: -3, sumWAbsErr: 5, sumWSqErr: 9 });
    const [t] = accumulateDeterministic({ forecast: new Float32Array([NaN, 2, 3]), truth: o, weights: w }, all(3));
    expect(t).toMatchObject({ count: 2, sumW: 3, sumWErr: -4, sumWAbsErr: 4, sumWSqErr: 8 });
  });

  it("ACC: uncentred 25/√738, centred 3/√21.5", () => {
    const [s] = accumulateDeterministic({ forecast: f, truth: o, climatology: c, weights: w }, all(3));
    expect(accUncentred(s.anomaly!)).toBeCloseTo(25 / Math.sqrt(738), 15);
    expect(accCentred(s.anomaly!)).toBeCloseTo(3 / Math.sqrt(21.5), 15);
  });

  it("a NaN climatology drops the point from the anomaly sums only", () => {
    const [s] = accumulateDeterministic(
      { forecast: f, truth: o, climatology: new Float32Array([0, 0, NaN]), weights: w },
      all(3),
    );
    expect(s.sumW).toBe(4);
    expect(s.anomaly).toEqual({ count: 2, sumW: 3, sumWF: 5, sumWO: 8, sumWFO: 16, sumWFF: 9, sumWOO: 32 });
  });

  it("ACC equals 1 for f = o (both variants)", () => {
    const [s] = accumulateDeterministic({ forecast: o, truth: o, climatology: new Float32Array([1, 1, 1]), weights: w }, all(3));
    expect(accUncentred(s.anomaly!)).toBeCloseTo(1, 15);
    expect(accCentred(s.anomaly!)).toBeCloseTo(1, 15);
  });

  it("wind vector: Σ w (du² + dv²)", () => {
    const [s] = accumulateWindVector(
      {
        forecastU: new Float32Array([1, 0, NaN]),
        forecastV: new Float32Array([0, 1, 5]),
        truthU: new Float32Array([0, 0, 0]),
        truthV: new Float32Array([0, 0, 0]),
        weights: new Float64Array([1, 3, 10]),
      },
      all(3),
    );
    expect(s).toEqual({ kind: "wind-vector", count: 2, sumW: 4, sumWSqErr: 4 });
  });

  it("checks lengths", () => {
    expect(() => accumulateDeterministic({ forecast: f, truth: new Float32Array(2), weights: w }, all(3))).toThrow();
    expect(() => accumulateDeterministic({ forecast: f, truth: o, weights: w }, all(4))).toThrow();
  });
});

describe("streaming kernel against naive float64 loops, all WB2 regions, with NaNs", () => {
  const lats = Array.from({ length: 73 }, (_, i) => -90 + 2.5 * i);
  const lons = Array.from({ length: 144 }, (_, j) => 2.5 * j);
  const { lat, lon } = regularGridPoints(lats, lons);
  const n = lat.length;
  const weights = expandRowWeights(cellAreaLatitudeWeights(lats), lons.length);
  const r = rng(42);
  const g = normal(r);
  const clim = float32Field(n, (p) => 280 - 30 * Math.abs(Math.sin((lat[p] * Math.PI) / 180)));
  const truth = float32Field(n, (p) => (r() < 0.01 ? NaN : clim[p] + 5 * g()));
  const forecast = float32Field(n, (p) => (r() < 0.01 ? NaN : 0.7 * (truth[p] - clim[p]) + clim[p] + 3 * g() + 0.5));
  const climatology = float32Field(n, (p) => (r() < 0.02 ? NaN : clim[p]));
  const regions = [...wb2Regions(), { kind: "native" as const }];
  const set = compileRegions(regions, lat, lon);
  const stats = accumulateDeterministic({ forecast, truth, climatology, weights }, set);

  regions.forEach((region, i) => {
    it(`${set.names[i]}`, () => {
      const mask = compileRegionMask(region, lat, lon);
      // Valid index lists first, then separate plain loops per quantity.
      const idx: number[] = [];
      const aidx: number[] = [];
      for (let p = 0; p < n; p++) {
        if (!mask[p] || Number.isNaN(forecast[p]) || Number.isNaN(truth[p])) continue;
        idx.push(p);
        if (!Number.isNaN(climatology[p])) aidx.push(p);
      }
      const sw = idx.reduce((s, p) => s + weights[p], 0);
      const mse = idx.reduce((s, p) => s + weights[p] * (forecast[p] - truth[p]) ** 2, 0) / sw;
      const bias = idx.reduce((s, p) => s + weights[p] * (forecast[p] - truth[p]), 0) / sw;
      const mae = idx.reduce((s, p) => s + weights[p] * Math.abs(forecast[p] - truth[p]), 0) / sw;
      const s = stats[i];
      expect(s.count).toBe(idx.length);
      expect(s.sumWSqErr / s.sumW).toBeCloseTo(mse, 10);
      expect(s.sumWErr / s.sumW).toBeCloseTo(bias, 11);
      expect(s.sumWAbsErr / s.sumW).toBeCloseTo(mae, 11);

      const fa = aidx.map((p) => forecast[p] - climatology[p]);
      const oa = aidx.map((p) => truth[p] - climatology[p]);
      const wa = aidx.map((p) => weights[p]);
      const swa = wa.reduce((a, b) => a + b, 0);
      const mean = (x: number[]) => x.reduce((a, v, k) => a + wa[k] * v, 0) / swa;
      const unc = mean(fa.map((v, k) => v * oa[k])) / Math.sqrt(mean(fa.map((v) => v * v)) * mean(oa.map((v) => v * v)));
      const mf = mean(fa);
      const mo = mean(oa);
      const cf = fa.map((v) => v - mf);
      const co = oa.map((v) => v - mo);
      const cen = mean(cf.map((v, k) => v * co[k])) / Math.sqrt(mean(cf.map((v) => v * v)) * mean(co.map((v) => v * v)));
      expect(s.anomaly!.count).toBe(aidx.length);
      expect(accUncentred(s.anomaly!)).toBeCloseTo(unc, 11);
      expect(accCentred(s.anomaly!)).toBeCloseTo(cen, 10);
      expect(cen).toBeGreaterThan(0.3); // the synthetic forecast is skilful
    });
  });

  it("Float64 inputs give the same sums as Float32 inputs", () => {
    const s64 = accumulateDeterministic(
      { forecast: Float64Array.from(forecast), truth: Float64Array.from(truth), climatology: Float64Array.from(climatology), weights },
      set,
    );
    expect(s64).toEqual(stats);
  });
});

describe("WB-X ACC (ratio of aggregates)", () => {
  it("pools the sums over init times", () => {
    const a = { count: 1, sumW: 1, sumWF: 0, sumWO: 0, sumWFO: 1, sumWFF: 1, sumWOO: 4 };
    const b = { count: 1, sumW: 1, sumWF: 0, sumWO: 0, sumWFO: 3, sumWFF: 9, sumWOO: 1 };
    // ⟪f′o′⟫ = 2, ⟪f′²⟫ = 5, ⟪o′²⟫ = 2.5 → 2/√12.5; per-time mean would be (0.5 + 1)/2 = 0.75
    expect(accRatioOfAggregates([a, b])).toBeCloseTo(2 / Math.sqrt(12.5), 15);
    expect((accUncentred(a) + accUncentred(b)) / 2).toBeCloseTo(0.75, 15);
  });
});

describe("WB1 RMSE (§3): √(mean over time, lat, lon of w·e²) with cos-lat weights / mean(w)", () => {
  it("equals rmse from the kernel with cosLatitudeWeights(…, 'mean') (sqrt after the time mean)", () => {
    const lats = [-67.5, -22.5, 22.5, 67.5];
    const nLon = 8;
    const rowW = cosLatitudeWeights(lats, "mean");
    const weights = expandRowWeights(rowW, nLon);
    const set = all(lats.length * nLon);
    const g = normal(rng(11));
    let wb1 = 0;
    let count = 0;
    const stats = [0, 1, 2].map(() => {
      const f = float32Field(lats.length * nLon, g);
      const o = float32Field(lats.length * nLon, g);
      for (let p = 0; p < f.length; p++) {
        wb1 += weights[p] * (f[p] - o[p]) ** 2;
        count++;
      }
      return accumulateDeterministic({ forecast: f, truth: o, weights }, set)[0];
    });
    expect(aggregateOverTime(stats, "rmse")).toBeCloseTo(Math.sqrt(wb1 / count), 13);
  });
});
