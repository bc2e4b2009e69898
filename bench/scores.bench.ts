/**
 * Throughput of the verification kernels on an N320-sized field
 * (~542k points): `npx tsx bench/scores.bench.ts`.
 *
 * Reports GB/s of input read, the same against a plain float64 loop over the
 * same arrays, and against this machine's memory-copy bandwidth (Buffer.copy).
 */
import { accumulateDeterministic } from "@/lib/verification/deterministic";
import { accumulateEnsemble } from "@/lib/verification/ensemble";
import { cellAreaLatitudeWeights, expandRowWeights, regularGridPoints } from "@/lib/verification/latitude-weights";
import { compileRegions, wb2Regions } from "@/lib/verification/regions";

const NLAT = 377;
const NLON = 1440; // 542,880 points, ~N320
const lats = Array.from({ length: NLAT }, (_, i) => -90 + (180 * i) / (NLAT - 1));
const lons = Array.from({ length: NLON }, (_, j) => 0.25 * j);
const { lat, lon } = regularGridPoints(lats, lons);
const n = lat.length;
const weights = expandRowWeights(cellAreaLatitudeWeights(lats), NLON);

let seed = 1;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296) - 0.5;
const field = () => Float32Array.from({ length: n }, rand);

function time(label: string, bytes: number, reps: number, fn: () => unknown): number {
  fn(); // warm-up
  fn();
  const t0 = process.hrtime.bigint();
  for (let r = 0; r < reps; r++) fn();
  const s = Number(process.hrtime.bigint() - t0) / 1e9 / reps;
  const gbs = bytes / s / 1e9;
  console.log(`${label.padEnd(58)} ${(s * 1e3).toFixed(2).padStart(8)} ms  ${gbs.toFixed(2).padStart(6)} GB/s`);
  return gbs;
}

// Memory copy bandwidth: read + write of a 256 MB buffer, counted as bytes read.
const big = Buffer.alloc(256 * 2 ** 20, 1);
const dst = Buffer.alloc(big.length);
const copy = time("Buffer.copy 256 MB", big.length, 5, () => big.copy(dst));

const f = field();
const o = field();
const c = field();
const bytes3 = 3 * 4 * n;
const plain = time("plain float64 loop Σw(f−o)² (f, o, c read)", bytes3, 20, () => {
  let s = 0;
  for (let p = 0; p < n; p++) {
    const e = f[p] - o[p] + 0 * c[p];
    s += weights[p] * e * e;
  }
  return s;
});

const one = compileRegions([{ kind: "wb2", name: "global" }], lat, lon);
const all = compileRegions([...wb2Regions()], lat, lon);
console.log(`region classes: 1 region → ${one.classCount}, 13 WB2 regions → ${all.classCount}`);
const d1 = time("deterministic (MSE, bias, MAE, ACC terms), 1 region", bytes3, 20, () =>
  accumulateDeterministic({ forecast: f, truth: o, climatology: c, weights }, one),
);
const d13 = time("deterministic (MSE, bias, MAE, ACC terms), 13 WB2 regions", bytes3, 20, () =>
  accumulateDeterministic({ forecast: f, truth: o, climatology: c, weights }, all),
);
console.log(
  `deterministic vs plain loop: ${(d13 / plain).toFixed(2)}×; vs copy bandwidth: ${((100 * d13) / copy).toFixed(0)} % (1 region ${((100 * d1) / copy).toFixed(0)} %)`,
);

// Ensemble: white noise (worst case for the adaptive sort) and smooth fields
// (members differ by smooth perturbations, as real ensembles do).
for (const m of [10, 50]) {
  for (const kind of ["noise", "smooth"] as const) {
    const members =
      kind === "noise"
        ? Float32Array.from({ length: m * n }, rand)
        : Float32Array.from({ length: m * n }, (_, q) => {
            const k = Math.floor(q / n);
            const p = q % n;
            return 5 * Math.sin(lat[p] / 15 + lon[p] / 40) + Math.sin(lat[p] / 7 + 0.7 * k) + 0.5 * Math.cos(lon[p] / 9 + 1.3 * k);
          });
    const gbs = time(`ensemble (CRPS, spread, rank hist), M = ${m}, ${kind}, 13 regions`, 4 * m * n, 3, () =>
      accumulateEnsemble({ members, memberCount: m, truth: o, weights }, all),
    );
    void gbs;
  }
}
