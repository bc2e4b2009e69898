/**
 * Throughput of the verification kernels on an N320-sized reduced Gaussian
 * grid (542,080 points, 13 WB2 regions): `npm run bench -- scores`.
 *
 * Workload (issue: 8 variables × 20 lead times × 10 init times = 1,600 fields):
 *  - deterministic scores (error sums for MSE/RMSE, bias, MAE and the ACC
 *    anomaly sums) in one pass over forecast, truth and climatology; all
 *    1,600 fields are scored, cycling through 16 distinct fields of each
 *    kind (104 MB, more than the 32 MB L3, so every field streams from memory);
 *  - fair CRPS (with spread, variance, rank histogram) for M = 50 members on
 *    a sample of fields (a full run would read 173 GB), for a spatially smooth
 *    ensemble (random-phase waves of 15–60° wavelength plus 10 % white noise,
 *    like a real ensemble's member-to-member differences) and for white noise
 *    (the worst case of the kernel's seeded insertion sort).
 *
 * Every kernel runs in the calling thread and on a ScoringPool of 2 threads
 * (calling thread + 1 worker). Figures: GB/s of input read per wall second
 * and per CPU second (all threads of the process: "per core"), a ratio
 * against a plain float64 loop over the same arrays and against the
 * memory-copy bandwidth (Buffer.copy of 256 MB, bytes read per second), all
 * measured in the same run. The machine is shared: compare the ratios, not
 * absolute figures, between runs.
 */
import os from "node:os";
import { GaussianGrid, gaussianLatitudes } from "@/lib/grids/gaussian";
import { accumulateDeterministic } from "@/lib/verification/deterministic";
import { accumulateEnsemble } from "@/lib/verification/ensemble";
import { ScoringPool } from "@/lib/verification/parallel";
import { compileRegions, wb2Regions } from "@/lib/verification/regions";
import { mulberry32 } from "@/lib/random/mulberry32";

const N320_POINTS = 542_080;

/** A reduced Gaussian N320 grid with 542,080 points: row lengths ∝ cos φ, multiples of 4, symmetric. */
function reducedN320(): GaussianGrid {
  const N = 320;
  const lats = gaussianLatitudes(N).latitudes;
  const half = N;
  const cos = Array.from({ length: half }, (_, r) => Math.cos((lats[r] * Math.PI) / 180));
  const total = cos.reduce((a, b) => a + b, 0);
  const pl = cos.map((c) => Math.max(20, 4 * Math.round(((N320_POINTS / 2) * c) / total / 4)));
  // put the remainder on the rows nearest the equator, 4 points at a time
  let diff = N320_POINTS / 2 - pl.reduce((a, b) => a + b, 0);
  for (let r = half - 1; diff !== 0; r = r === 0 ? half - 1 : r - 1) {
    const step = Math.sign(diff) * 4;
    pl[r] += step;
    diff -= step;
  }
  const full = [...pl, ...[...pl].reverse()];
  return new GaussianGrid({ kind: "gaussian", N, pl: full });
}

const grid = reducedN320();
const n = grid.size;
if (n !== N320_POINTS) throw new Error(`grid has ${n} points`);
const weights = grid.weights("area");
const regions = compileRegions([...wb2Regions()], grid.latitudes, grid.longitudes);
const lat = grid.latitudes;
const lon = grid.longitudes;

const rand = mulberry32(1);
const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());

function shared32(length: number): Float32Array {
  return new Float32Array(new SharedArrayBuffer(4 * length));
}

/** Smooth random fields: base + Σ_j a_j sin(k_j · (lat, lon) + phase) + noise, via angle addition. */
const WAVES = [
  { ky: (2 * Math.PI) / 15, kx: (2 * Math.PI) / 20, a: 0.5 },
  { ky: (2 * Math.PI) / 25, kx: (2 * Math.PI) / 35, a: 0.8 },
  { ky: (2 * Math.PI) / 40, kx: (2 * Math.PI) / 50, a: 1 },
  { ky: (2 * Math.PI) / 60, kx: (2 * Math.PI) / 60, a: 1 },
];
const waveSin = WAVES.map((w) => Float64Array.from(lat, (la, p) => Math.sin(w.ky * la + w.kx * lon[p])));
const waveCos = WAVES.map((w) => Float64Array.from(lat, (la, p) => Math.cos(w.ky * la + w.kx * lon[p])));
const base = Float64Array.from(lat, (la, p) => 280 + 20 * Math.cos((la * Math.PI) / 180) + 3 * Math.sin((lon[p] * Math.PI) / 90));

function smoothInto(out: Float32Array, offset: number, noise = 0.1): void {
  const cs = WAVES.map(() => 2 * Math.PI * rand());
  const ca = cs.map((phi, j) => WAVES[j].a * Math.cos(phi));
  const sa = cs.map((phi, j) => WAVES[j].a * Math.sin(phi));
  for (let p = 0; p < n; p++) {
    let v = base[p] + noise * gauss();
    for (let j = 0; j < WAVES.length; j++) v += ca[j] * waveSin[j][p] + sa[j] * waveCos[j][p];
    out[offset + p] = v;
  }
}

type Timing = { wallS: number; cpuS: number };

async function measure(reps: number, fn: (i: number) => unknown): Promise<Timing> {
  await fn(0); // warm-up (JIT, worker start, staging buffers)
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < reps; i++) await fn(i);
  const wallS = Number(process.hrtime.bigint() - t0) / 1e9;
  const cu = process.cpuUsage(c0);
  return { wallS, cpuS: (cu.user + cu.system) / 1e6 };
}

const rows: string[][] = [];
function row(label: string, bytes: number, t: Timing): { wall: number; cpu: number } {
  const wall = bytes / t.wallS / 1e9;
  const cpu = bytes / t.cpuS / 1e9;
  rows.push([label, `${(t.wallS * 1e3).toFixed(0)} ms`, `${wall.toFixed(2)} GB/s`, `${cpu.toFixed(2)} GB/s`]);
  console.log(`${label.padEnd(60)} ${rows.at(-1)!.slice(1).map((s) => s.padStart(11)).join(" ")}`);
  return { wall, cpu };
}

console.log(`grid: reduced Gaussian N320, ${n} points; ${regions.names.length} WB2 regions → ${regions.classCount} classes; load average ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
console.log(`${"workload".padEnd(60)} ${["time", "wall", "per CPU s"].map((s) => s.padStart(11)).join(" ")}`);

// --- memory copy
const big = Buffer.alloc(256 * 2 ** 20, 1);
const dst = Buffer.alloc(big.length);
const copy = row("Buffer.copy 256 MB (× 5)", 5 * big.length, await measure(5, () => big.copy(dst)));

// --- deterministic: 1,600 fields, cycling through 16 distinct f, o, c
const FIELDS = 8 * 20 * 10;
const POOL = 16;
const fs = Array.from({ length: POOL }, () => shared32(n));
const os_ = Array.from({ length: POOL }, () => shared32(n));
const cs = Array.from({ length: POOL }, () => shared32(n));
for (let i = 0; i < POOL; i++) {
  smoothInto(fs[i], 0);
  smoothInto(os_[i], 0);
  smoothInto(cs[i], 0, 0);
}
const pick = (i: number) => ({ forecast: fs[i % POOL], truth: os_[(i * 5 + 1) % POOL], climatology: cs[(i * 3 + 2) % POOL], weights });
const detBytes = FIELDS * 12 * n;

const plain = row(`plain float64 loop Σw(f−o)² over f, o, c, ${FIELDS} fields`, detBytes, await measure(FIELDS, (i) => {
  const { forecast: f, truth: o, climatology: c } = pick(i);
  let s = 0;
  for (let p = 0; p < n; p++) {
    const e = f[p] - o[p] + 0 * c[p];
    s += weights[p] * e * e;
  }
  return s;
}));
const det1 = row(`deterministic (MSE, bias, MAE, ACC), 1 thread, ${FIELDS} fields`, detBytes, await measure(FIELDS, (i) => accumulateDeterministic(pick(i), regions)));
const pool = new ScoringPool(2);
const det2 = row(`deterministic, 2 threads (ScoringPool), ${FIELDS} fields`, detBytes, await measure(FIELDS, (i) => pool.deterministic(pick(i), regions)));
// the scoring job copies fields it reads from zarr into the pool's shared buffers
const unshared = { forecast: Float32Array.from(fs[0]), truth: Float32Array.from(os_[1]), climatology: Float32Array.from(cs[2]), weights };
const det2c = row("deterministic, 2 threads, inputs copied to shared memory (× 200)", 200 * 12 * n, await measure(200, () => pool.deterministic(unshared, regions)));
void det2c;

// --- ensemble M = 50
const M = 50;
const truth = shared32(n);
smoothInto(truth, 0);
const smooth = shared32(M * n);
for (let k = 0; k < M; k++) smoothInto(smooth, k * n);
const noise = shared32(M * n);
for (let q = 0; q < M * n; q++) noise[q] = base[q % n] + gauss();
const ENS_REPS = 3;
const ensBytes = ENS_REPS * 4 * M * n;
const ens: Record<string, { wall: number; cpu: number }> = {};
for (const [kind, members] of [
  ["smooth", smooth],
  ["white noise", noise],
] as const) {
  const input = { members, memberCount: M, truth, weights };
  ens[`${kind} 1`] = row(`CRPS etc., M = ${M}, ${kind}, 1 thread (× ${ENS_REPS})`, ensBytes, await measure(ENS_REPS, () => accumulateEnsemble(input, regions)));
  ens[`${kind} 2`] = row(`CRPS etc., M = ${M}, ${kind}, 2 threads (× ${ENS_REPS})`, ensBytes, await measure(ENS_REPS, () => pool.ensemble(input, regions)));
}
await pool.close();

const pct = (x: number) => `${(100 * x).toFixed(0)} %`;
const bestDet = Math.max(det1.wall, det2.wall);
console.log(`
deterministic, per CPU second: ${det1.cpu.toFixed(2)} GB/s = ${(det1.cpu / plain.cpu).toFixed(2)}× the plain float64 loop (${plain.cpu.toFixed(2)} GB/s per CPU s)
deterministic, wall: 1 thread ${pct(det1.wall / copy.wall)} of copy bandwidth, 2 threads ${pct(det2.wall / copy.wall)}; the plain loop reaches ${pct(plain.wall / copy.wall)} on 1 thread
  target ≥ 50 % of copy: ${bestDet / copy.wall >= 0.5 ? "MET" : "NOT MET"} (best ${pct(bestDet / copy.wall)}; ${copy.wall.toFixed(2)} GB/s copy)
fair CRPS M = 50, per core (per CPU second): smooth ${ens["smooth 1"].cpu.toFixed(2)} GB/s (1 thread), ${ens["smooth 2"].cpu.toFixed(2)} GB/s (2 threads); white noise ${ens["white noise 1"].cpu.toFixed(2)} / ${ens["white noise 2"].cpu.toFixed(2)} GB/s
  = ${(ens["smooth 1"].cpu / plain.cpu).toFixed(3)}× (smooth) and ${(ens["white noise 1"].cpu / plain.cpu).toFixed(3)}× (noise) the plain loop per CPU second
  target ≥ 0.5 GB/s per core (smooth ensemble): ${ens["smooth 1"].cpu >= 0.5 ? "MET" : "NOT MET"}
  full workload (1,600 fields, 173 GB) at the 2-thread wall rate: smooth ${((FIELDS * 4 * M * n) / ens["smooth 2"].wall / 1e9 / 60).toFixed(1)} min, white noise ${((FIELDS * 4 * M * n) / ens["white noise 2"].wall / 1e9 / 60).toFixed(1)} min
load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
