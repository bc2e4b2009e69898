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
 * (calling thread + 1 worker), in both implementations: the JavaScript
 * kernels (kernels.ts, the reference) and the WebAssembly SIMD kernels
 * (simd-wat.ts). All fields live in the SIMD pools' shared wasm memory, so
 * the SIMD kernels read them in place (the JS kernels read the same
 * SharedArrayBuffer); rows marked "copied" pass ordinary arrays, which are
 * first copied into that memory (the plain API and the scoring job's path).
 *
 * Environment: SCORES_BENCH_FIELDS (deterministic fields, default 1600) and
 * SCORES_BENCH_ENS_REPS (ensemble fields per row, default 3) shorten a run. Figures: GB/s of input read per wall second
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
import { simdSupported } from "@/lib/verification/simd-compile";
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

if (!simdSupported()) throw new Error("this benchmark compares the SIMD kernels with the JS ones; WebAssembly SIMD is not available here");
const simd1 = new ScoringPool(1, { kernel: "simd" });
const simd2 = new ScoringPool(2, { kernel: "simd", memory: simd1.memory });
const js2 = new ScoringPool(2, { kernel: "js" });

/** Fields in the SIMD pools' wasm memory (a SharedArrayBuffer, so the JS pool uses them in place too). */
function shared32(length: number): Float32Array {
  return simd1.allocField(length);
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

/**
 * Time `reps` calls after a warm-up: one call (JIT, worker start, staging
 * buffers), then more for `warmS` seconds. The SIMD rows warm up for
 * SIMD_WARM_S: V8 starts WebAssembly functions as baseline code and switches
 * to optimised code only after they have run a while (see the "first fields" rows).
 */
async function measure(reps: number, fn: (i: number) => unknown, warmS = 0): Promise<Timing> {
  const w0 = performance.now();
  await fn(0);
  for (let i = 1; performance.now() - w0 < 1e3 * warmS; i++) await fn(i);
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
/**
 * The copy bandwidth is measured three times (now, between the deterministic
 * and the ensemble rows, at the end) and the best is the reference: on a
 * shared machine it is the closest to the physical limit.
 */
const copies: { wall: number; cpu: number }[] = [];
const measureCopy = async (when: string) => copies.push(row(`Buffer.copy 256 MB (× 5), ${when}`, 5 * big.length, await measure(5, () => big.copy(dst))));
await measureCopy("start");
const copy = { get wall() { return Math.max(...copies.map((c) => c.wall)); }, get cpu() { return Math.max(...copies.map((c) => c.cpu)); } };

// --- deterministic: 1,600 fields, cycling through 16 distinct f, o, c
const FIELDS = Number(process.env.SCORES_BENCH_FIELDS ?? 8 * 20 * 10);
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
const det1 = row(`JS deterministic (MSE, bias, MAE, ACC), 1 thread, ${FIELDS} fields`, detBytes, await measure(FIELDS, (i) => accumulateDeterministic(pick(i), regions)));
const det2 = row(`JS deterministic, 2 threads (ScoringPool), ${FIELDS} fields`, detBytes, await measure(FIELDS, (i) => js2.deterministic(pick(i), regions)));
// the scoring job copies fields it reads from zarr into the pool's shared buffers
const unshared = { forecast: Float32Array.from(fs[0]), truth: Float32Array.from(os_[1]), climatology: Float32Array.from(cs[2]), weights };
const COPIED = Math.min(200, FIELDS);
row(`JS deterministic, 2 threads, inputs copied to shared memory (× ${COPIED})`, COPIED * 12 * n, await measure(COPIED, () => js2.deterministic(unshared, regions)));
const SIMD_WARM_S = Number(process.env.SCORES_BENCH_WARM_S ?? 4);
// a fresh process: module build (binaryen), baseline code, tier-up
const FIRST = Math.min(200, FIELDS);
row(`SIMD deterministic, 1 thread, first ${FIRST} fields after the module build`, FIRST * 12 * n, await measure(FIRST, (i) => simd1.deterministic(pick(i), regions)));
const sdet1 = row(`SIMD deterministic, 1 thread, in place, ${FIELDS} fields`, detBytes, await measure(FIELDS, (i) => simd1.deterministic(pick(i), regions), SIMD_WARM_S));
const sdet2 = row(`SIMD deterministic, 2 threads, in place, ${FIELDS} fields`, detBytes, await measure(FIELDS, (i) => simd2.deterministic(pick(i), regions), SIMD_WARM_S));
const sdet1c = row(`SIMD deterministic, 1 thread, inputs copied to wasm memory (× ${COPIED})`, COPIED * 12 * n, await measure(COPIED, () => simd1.deterministic(unshared, regions)));
const sdet2c = row(`SIMD deterministic, 2 threads, inputs copied (× ${COPIED})`, COPIED * 12 * n, await measure(COPIED, () => simd2.deterministic(unshared, regions)));

await measureCopy("middle");

// --- ensemble M = 50
const M = 50;
const truth = shared32(n);
smoothInto(truth, 0);
const smooth = shared32(M * n);
for (let k = 0; k < M; k++) smoothInto(smooth, k * n);
const noise = shared32(M * n);
for (let q = 0; q < M * n; q++) noise[q] = base[q % n] + gauss();
const ENS_REPS = Number(process.env.SCORES_BENCH_ENS_REPS ?? 3);
const ensBytes = ENS_REPS * 4 * M * n;
const ens: Record<string, { wall: number; cpu: number }> = {};
for (const [kind, members] of [
  ["smooth", smooth],
  ["white noise", noise],
] as const) {
  const input = { members, memberCount: M, truth, weights };
  ens[`${kind} 1`] = row(`JS CRPS etc., M = ${M}, ${kind}, 1 thread (× ${ENS_REPS})`, ensBytes, await measure(ENS_REPS, () => accumulateEnsemble(input, regions)));
  ens[`${kind} 2`] = row(`JS CRPS etc., M = ${M}, ${kind}, 2 threads (× ${ENS_REPS})`, ensBytes, await measure(ENS_REPS, () => js2.ensemble(input, regions)));
}
const SREPS = 4 * ENS_REPS;
const sensBytes = SREPS * 4 * M * n;
for (const [kind, members] of [
  ["smooth", smooth],
  ["white noise", noise],
] as const) {
  const input = { members, memberCount: M, truth, weights };
  if (kind === "smooth") row(`SIMD CRPS etc., M = ${M}, first ${ENS_REPS} fields after the module build`, ensBytes, await measure(ENS_REPS, () => simd1.ensemble(input, regions)));
  ens[`simd ${kind} 1`] = row(`SIMD CRPS etc., M = ${M}, ${kind}, 1 thread, in place (× ${SREPS})`, sensBytes, await measure(SREPS, () => simd1.ensemble(input, regions), SIMD_WARM_S));
  ens[`simd ${kind} 2`] = row(`SIMD CRPS etc., M = ${M}, ${kind}, 2 threads, in place (× ${SREPS})`, sensBytes, await measure(SREPS, () => simd2.ensemble(input, regions), SIMD_WARM_S));
}
const copiedEns = { members: Float32Array.from(smooth), memberCount: M, truth: Float32Array.from(truth), weights };
ens["simd copied 1"] = row(`SIMD CRPS etc., M = ${M}, smooth, 1 thread, inputs copied (× ${SREPS})`, sensBytes, await measure(SREPS, () => simd1.ensemble(copiedEns, regions)));
const big2 = Buffer.alloc(4 * M * n, 1);
const dst2 = Buffer.alloc(big2.length);
const copyEns = row(`(for scale) Buffer.copy of one M = ${M} ensemble, ${(big2.length / 1e6).toFixed(0)} MB (× ${SREPS})`, SREPS * big2.length, await measure(SREPS, () => big2.copy(dst2)));
void copyEns;
await measureCopy("end");
await js2.close();
await simd2.close();
await simd1.close();

const pct = (x: number) => `${(100 * x).toFixed(0)} %`;
console.log(`\ncopy bandwidth (best of 3): ${copy.wall.toFixed(2)} GB/s wall, ${copy.cpu.toFixed(2)} GB/s per CPU second`);
const bestDet = Math.max(det1.wall, det2.wall);
const bestSimdWall = Math.max(sdet1.wall, sdet2.wall);
console.log(`
deterministic, per CPU second: ${det1.cpu.toFixed(2)} GB/s = ${(det1.cpu / plain.cpu).toFixed(2)}× the plain float64 loop (${plain.cpu.toFixed(2)} GB/s per CPU s)
deterministic, wall: 1 thread ${pct(det1.wall / copy.wall)} of copy bandwidth, 2 threads ${pct(det2.wall / copy.wall)}; the plain loop reaches ${pct(plain.wall / copy.wall)} on 1 thread
  target ≥ 50 % of copy: ${bestDet / copy.wall >= 0.5 ? "MET" : "NOT MET"} (best ${pct(bestDet / copy.wall)}; ${copy.wall.toFixed(2)} GB/s copy)
fair CRPS M = 50, per core (per CPU second): smooth ${ens["smooth 1"].cpu.toFixed(2)} GB/s (1 thread), ${ens["smooth 2"].cpu.toFixed(2)} GB/s (2 threads); white noise ${ens["white noise 1"].cpu.toFixed(2)} / ${ens["white noise 2"].cpu.toFixed(2)} GB/s
  = ${(ens["smooth 1"].cpu / plain.cpu).toFixed(3)}× (smooth) and ${(ens["white noise 1"].cpu / plain.cpu).toFixed(3)}× (noise) the plain loop per CPU second
  target ≥ 0.5 GB/s per core (smooth ensemble): ${ens["smooth 1"].cpu >= 0.5 ? "MET" : "NOT MET"}
  full workload (1,600 fields, 173 GB) at the 2-thread wall rate: smooth ${((FIELDS * 4 * M * n) / ens["smooth 2"].wall / 1e9 / 60).toFixed(1)} min, white noise ${((FIELDS * 4 * M * n) / ens["white noise 2"].wall / 1e9 / 60).toFixed(1)} min

SIMD deterministic, per CPU second: ${sdet1.cpu.toFixed(2)} GB/s (1 thread), ${sdet2.cpu.toFixed(2)} GB/s (2 threads) = ${pct(sdet1.cpu / copy.cpu)} / ${pct(sdet2.cpu / copy.cpu)} of copy per CPU second (${copy.cpu.toFixed(2)} GB/s); ${(sdet1.cpu / det1.cpu).toFixed(2)}× the JS kernel, ${(sdet1.cpu / plain.cpu).toFixed(2)}× the plain loop
SIMD deterministic, wall: 1 thread ${pct(sdet1.wall / copy.wall)} of copy bandwidth, 2 threads ${pct(sdet2.wall / copy.wall)}
  target ≥ 50 % of copy: wall ${bestSimdWall / copy.wall >= 0.5 ? "MET" : "NOT MET"} (best ${pct(bestSimdWall / copy.wall)}); per CPU second ${sdet1.cpu / copy.cpu >= 0.5 ? "MET" : "NOT MET"} (1 thread ${pct(sdet1.cpu / copy.cpu)})
  inputs copied into wasm memory first: ${sdet1c.cpu.toFixed(2)} GB/s per CPU s (1 thread), ${sdet2c.cpu.toFixed(2)} (2 threads)
SIMD fair CRPS M = 50, per CPU second: smooth ${ens["simd smooth 1"].cpu.toFixed(2)} / ${ens["simd smooth 2"].cpu.toFixed(2)} GB/s (1 / 2 threads), white noise ${ens["simd white noise 1"].cpu.toFixed(2)} / ${ens["simd white noise 2"].cpu.toFixed(2)} GB/s; ${(ens["simd smooth 1"].cpu / ens["smooth 1"].cpu).toFixed(1)}× the JS kernel (smooth), ${(ens["simd white noise 1"].cpu / ens["white noise 1"].cpu).toFixed(1)}× (noise)
  copied inputs: ${ens["simd copied 1"].cpu.toFixed(2)} GB/s per CPU s
  target ≥ 0.5 GB/s per core: ${Math.min(ens["simd smooth 1"].cpu, ens["simd white noise 1"].cpu) >= 0.5 ? "MET" : "NOT MET"}
  full workload (1,600 fields, 173 GB) at the 2-thread wall rate: ${((1600 * 4 * M * n) / ens["simd smooth 2"].wall / 1e9 / 60).toFixed(1)} min
load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(" ")}`);
