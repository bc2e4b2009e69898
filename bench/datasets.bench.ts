import { fork } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import Blosc from "numcodecs/blosc";
import { createDataset, loadRecipe, openDataset, registerSource } from "@/lib/datasets";
import { createSyntheticSource, SyntheticConfigSchema } from "@/lib/datasets/sources/synthetic";
import type { OpenedSource } from "@/lib/datasets/sources/source";
import { DatasetWriter } from "@/lib/datasets/writer";
import { classicReducedPl, octahedralPl, regularGlobal, type GridDescriptor } from "@/lib/grids";
import { report } from "./harness";

/**
 * Datasets benchmark (issue 3, "Performance"; figures in docs/benchmarks-datasets.md):
 *
 * 1. Creation: a recipe with the `synthetic` source (its 8 standard variables) over 30 days
 *    6-hourly (120 dates) on three grids — 64×32 regular (5.625°, no pole rows), O96 and ECMWF's
 *    classic reduced Gaussian N320 (542,080 points, its published row table from lib/grids).
 *    Each case runs `createDataset` in its own child process, so its peak RSS is clean. The child
 *    times the source's `fieldsAt` and the writer's `writeDate` inside the real build (both
 *    wrapped, nothing else changed) and records memory at three checkpoints (after 10 dates, half
 *    of them, all): maxRSS high-water, then retained heap + external after a full GC.
 * 2. Reading: one full date of the N320 dataset through `openDataset(...).readDate(i)` vs
 *    fs.readFile + the store's codec (numcodecs Blosc, as zarrita uses, or node:zlib) on the same
 *    chunk file: interleaved pairs, GC before each call, wall and CPU time, medians.
 *
 * Needs ~1.2 GB of space in the temp directory (removed at the end). BENCH_SCALE (0–1, default 1)
 * shrinks the number of days (min 3) and of read runs.
 */

const CHILD_ENV = "ISOBAR_BENCH_DATASETS_CHILD";
const SCALE = Math.min(1, Math.max(0.01, Number(process.env.BENCH_SCALE ?? "1") || 1));
const DAYS = Math.max(3, Math.round(30 * SCALE));
const MEMORY_CHECKPOINT = 10; // dates
const VARIABLES = ["z_500", "t_850", "2t", "msl", "10u", "10v", "q_700", "tp"];


type CaseSpec = { label: string; grid: GridDescriptor; points: number };

function cases(): CaseSpec[] {
  const regular = regularGlobal(5.625, 5.625, { poles: false }); // 64 × 32, cell centres ±87.1875°
  const o96: GridDescriptor = { kind: "gaussian", N: 96, pl: octahedralPl(96) };
  const n320: GridDescriptor = { kind: "gaussian", N: 320, pl: classicReducedPl(320) };
  const size = (d: GridDescriptor) => (d.kind === "gaussian" ? d.pl.reduce((a, b) => a + b, 0) : 0);
  return [
    { label: "64×32 regular (5.625°)", grid: regular.descriptor, points: regular.size },
    { label: "O96", grid: o96, points: size(o96) },
    { label: "N320 (classic reduced Gaussian)", grid: n320, points: size(n320) },
  ];
}

function recipeText(grid: GridDescriptor, days: number): string {
  const end = new Date(Date.UTC(2020, 0, 1) + (days * 24 - 6) * 3600_000).toISOString().slice(0, 19);
  return [
    "name: bench-synthetic",
    `dates: {start: 2020-01-01T00:00:00, end: ${end}, frequency: 6h}`,
    "input:",
    `  synthetic: {seed: 1, variables: ${JSON.stringify(VARIABLES)}}`,
    `output: {dtype: float32, grid: ${JSON.stringify(grid)}, compression: blosc-lz4}`,
    "",
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------
// Child: one creation case.

type CreateRequest = { kind: "create"; grid: GridDescriptor; out: string; days: number };
type ReadRequest = { kind: "read"; store: string; runs: number };
type ChildRequest = CreateRequest | ReadRequest;
type MemorySample = {
  /** process.resourceUsage().maxRSS: the kernel's high-water mark so far. */
  maxRssMiB: number;
  /** High-water of heapUsed / external (which includes ArrayBuffers), sampled after every date. */
  heapHighMiB: number;
  externalHighMiB: number;
  /** After a full GC at this point: heapUsed + external still reachable, and current RSS. */
  retainedMiB: number;
  rssAfterGcMiB: number;
};
type ChildResult = {
  dates: number;
  points: number;
  variables: number;
  totalMs: number;
  /** Open the input, create the store (before the first date). */
  setupMs: number;
  /** Statistics arrays, final attributes, rename (after the last date). */
  finaliseMs: number;
  /** Process CPU time (user + system, all threads) of the createDataset call. */
  cpuMs: number;
  sourceMs: number;
  /** The first date's source call (builds the synthetic model's checkpoint memory). */
  sourceFirstMs: number;
  writeMs: number;
  bytes: number;
  afterCheckpoint: MemorySample;
  afterHalf: MemorySample;
  halfDates: number;
  afterAll: MemorySample;
  checkpointDates: number;
};

const MiB = 1024 * 1024;

async function runCreate(req: CreateRequest): Promise<ChildResult> {
  // Time the real `synthetic` source by registering a wrapper under the same name (the registry
  // prefers registered factories over the lazily loaded built-ins).
  let sourceMs = 0;
  let sourceFirstMs = -1;
  let firstDateAt = -1;
  registerSource("synthetic", {
    configSchema: SyntheticConfigSchema,
    create: (config) => {
      const inner = createSyntheticSource(config);
      return {
        description: inner.description,
        async open(grid) {
          const opened: OpenedSource = await inner.open(grid);
          return {
            variables: opened.variables,
            async fieldsAt(date: Date) {
              const t0 = performance.now();
              if (firstDateAt < 0) firstDateAt = t0;
              const fields = await opened.fieldsAt(date);
              const dt = performance.now() - t0;
              sourceMs += dt;
              if (sourceFirstMs < 0) sourceFirstMs = dt;
              return fields;
            },
            close: opened.close?.bind(opened),
          };
        },
      };
    },
  });
  // Time chunk encoding + writing (zarrita set → Blosc → file) by wrapping the writer's method.
  let writeMs = 0;
  const writeDate = DatasetWriter.prototype.writeDate;
  DatasetWriter.prototype.writeDate = async function (this: DatasetWriter, i: number, values: Float32Array) {
    const t0 = performance.now();
    await writeDate.call(this, i, values);
    writeMs += performance.now() - t0;
  };

  let heapHigh = 0;
  let externalHigh = 0;
  const gc = (globalThis as { gc?: () => void }).gc;
  const track = () => {
    const m = process.memoryUsage();
    heapHigh = Math.max(heapHigh, m.heapUsed);
    externalHigh = Math.max(externalHigh, m.external);
  };
  /** Checkpoint: high-water marks so far, then a full GC to see what is actually retained. */
  const checkpoint = (): MemorySample => {
    track();
    const maxRssMiB = process.resourceUsage().maxRSS / 1024;
    gc?.();
    const m = process.memoryUsage();
    return {
      maxRssMiB,
      heapHighMiB: heapHigh / MiB,
      externalHighMiB: externalHigh / MiB,
      retainedMiB: gc ? (m.heapUsed + m.external) / MiB : NaN,
      rssAfterGcMiB: m.rss / MiB,
    };
  };
  const recipe = await loadRecipe(recipeText(req.grid, req.days));
  const total = recipe.dates.all.length;
  const checkpointDates = Math.min(MEMORY_CHECKPOINT, total);
  let afterCheckpoint: MemorySample | undefined;
  const halfDates = Math.max(checkpointDates, Math.round(total / 2));
  let afterHalf: MemorySample | undefined;
  let lastDateAt = -1;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await createDataset(recipe, req.out, {
    uuid: "00000000-0000-4000-8000-000000000000",
    onProgress: (p) => {
      track();
      if (p.done === checkpointDates) afterCheckpoint = checkpoint();
      if (p.done === halfDates) afterHalf = checkpoint();
      lastDateAt = performance.now();
    },
  });
  const t1 = performance.now();
  const cpu = process.cpuUsage(c0);
  const afterAll = checkpoint();
  return {
    dates: result.dates,
    points: recipe.output.grid.size,
    variables: result.variables.length,
    totalMs: t1 - t0,
    cpuMs: (cpu.user + cpu.system) / 1000,
    setupMs: firstDateAt - t0,
    finaliseMs: t1 - lastDateAt,
    sourceMs,
    sourceFirstMs,
    writeMs,
    bytes: result.bytes,
    afterCheckpoint: afterCheckpoint ?? afterAll,
    afterHalf: afterHalf ?? afterAll,
    halfDates,
    afterAll,
    checkpointDates,
  };
}

/**
 * Run one case in a fresh `node --import tsx --expose-gc` child of this same file; it answers over
 * IPC. Creation calls gc() only at its three memory checkpoints; reading before each timed call.
 */
function inChild<T>(req: ChildRequest): Promise<T> {
  const repoRoot = fileURLToPath(new URL("..", import.meta.url));
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [], {
      cwd: repoRoot,
      execArgv: ["--import", "tsx", "--expose-gc"],
      env: { ...process.env, [CHILD_ENV]: JSON.stringify(req) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    let result: T | undefined;
    child.on("message", (m) => {
      result = m as T;
    });
    child.on("error", reject);
    child.on("exit", (code) => (result && code === 0 ? resolve(result) : reject(new Error(`benchmark child exited with code ${code}`))));
  });
}

// ---------------------------------------------------------------------------------------------
// Reading: readDate vs raw read-and-decompress of the same chunk file.

type ZArray = { compressor: { id: string; [k: string]: unknown } | null; dimension_separator?: string };

async function runRead({ store, runs }: ReadRequest) {
  const zarray = JSON.parse(fs.readFileSync(path.join(store, "data", ".zarray"), "utf8")) as ZArray;
  const sep = zarray.dimension_separator ?? ".";
  const comp = zarray.compressor;
  let decode: (bytes: Uint8Array) => Promise<Uint8Array>;
  let codecName: string;
  if (comp === null) {
    decode = async (b) => b;
    codecName = "none";
  } else if (comp.id === "blosc") {
    const codec = Blosc.fromConfig(comp);
    decode = async (b) => codec.decode(b);
    codecName = `numcodecs Blosc (${String(comp.cname)}, clevel ${String(comp.clevel)}, shuffle ${String(comp.shuffle)})`;
  } else if (comp.id === "zlib") {
    decode = async (b) => new Uint8Array(zlib.inflateSync(b));
    codecName = "node:zlib inflate";
  } else {
    throw new Error(`unexpected compressor ${comp.id}`);
  }
  const rawRead = async (i: number): Promise<Float32Array> => {
    const bytes = await fs.promises.readFile(path.join(store, "data", [i, 0, 0, 0].join(sep)));
    const out = await decode(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    return new Float32Array(out.buffer, out.byteOffset, out.byteLength / 4);
  };

  const ds = await openDataset(store);
  const n = ds.dates.length;
  const date = (r: number) => (r * 7) % n;
  // Correctness: both paths give the same values.
  const a = await ds.readDate(date(0));
  const b = await rawRead(date(0));
  if (a.length !== b.length || !a.every((v, k) => Object.is(v, b[k]))) throw new Error("readDate and the raw decode disagree");
  const chunkBytes = fs.statSync(path.join(store, "data", [date(0), 0, 0, 0].join(sep))).size;

  // Interleaved (alternating which goes first) so both see the same machine load; one warm-up
  // pair. Wall time and process CPU time (user + system, all threads) per operation: on a
  // shared machine the CPU time is the steadier of the two.
  type Sample = { wall: number; cpu: number };
  const gc = (globalThis as { gc?: () => void }).gc;
  const timeIt = async (fn: () => Promise<unknown>): Promise<Sample> => {
    gc?.(); // start each operation with no garbage left by the previous one
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await fn();
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    return { wall, cpu: (c.user + c.system) / 1000 };
  };
  const read: Sample[] = [];
  const raw: Sample[] = [];
  for (let r = -1; r < runs; r++) {
    const i = date(r + 1);
    let x: Sample;
    let y: Sample;
    if (r % 2 === 0) {
      x = await timeIt(() => ds.readDate(i));
      y = await timeIt(() => rawRead(i));
    } else {
      y = await timeIt(() => rawRead(i));
      x = await timeIt(() => ds.readDate(i));
    }
    if (r >= 0) {
      read.push(x);
      raw.push(y);
    }
  }
  const median = (v: number[]) => {
    const s = [...v].sort((p, q) => p - q);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const summary = (k: keyof Sample) => {
    const x = read.map((s) => s[k]);
    const y = raw.map((s) => s[k]);
    return {
      read: median(x),
      raw: median(y),
      readMin: Math.min(...x),
      rawMin: Math.min(...y),
      medianRatio: median(x.map((v, j) => v / y[j])),
      ratioOfMedians: median(x) / median(y),
      ratioOfMinima: Math.min(...x) / Math.min(...y),
    };
  };
  return {
    points: ds.grid.size,
    variables: ds.variables.length,
    values: a.length,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
    chunkBytes,
    codecName,
    runs,
    wall: summary("wall"),
    cpu: summary("cpu"),
  };
}

type ReadResult = Awaited<ReturnType<typeof runRead>>;

// ---------------------------------------------------------------------------------------------

const fmt = (x: number, digits = 1) => x.toFixed(digits);
const mega = (x: number) => `${(x / 1e6).toFixed(2)} M`;
const mem = (m: MemorySample) =>
  `max RSS ${fmt(m.maxRssMiB, 0)} MiB (heap high-water ${fmt(m.heapHighMiB, 0)}, external ${fmt(m.externalHighMiB, 0)}); after GC: retained heap+external ${fmt(m.retainedMiB, 0)} MiB, RSS ${fmt(m.rssAfterGcMiB, 0)} MiB`;

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "isobar-bench-datasets-"));
  try {
    const results: { spec: CaseSpec; r: ChildResult }[] = [];
    for (const spec of cases()) {
      const out = path.join(dir, `${spec.points}.zarr`);
      const r = await inChild<ChildResult>({ kind: "create", grid: spec.grid, out, days: DAYS });
      results.push({ spec, r });
      const values = r.dates * r.variables * r.points;
      const loopMs = r.totalMs - r.setupMs - r.finaliseMs;
      const other = loopMs - r.sourceMs - r.writeMs;
      const pct = (x: number) => `${fmt((100 * x) / r.totalMs)} %`;
      report(`create: ${spec.label}, ${r.points.toLocaleString("en")} points × ${r.variables} variables × ${r.dates} dates (${DAYS} days 6-hourly)`, [
        ["wall time", `${fmt(r.totalMs / 1000, 2)} s  (${fmt(r.totalMs / r.dates)} ms/date)`],
        ["throughput", `${mega((values * 1000) / r.totalMs)} grid-point-values/s end to end; ${mega((values * 1000) / loopMs)}/s per-date loop`],
        ["CPU time (user + system)", `${fmt(r.cpuMs / 1000, 2)} s  → ${mega((values * 1000) / r.cpuMs)} grid-point-values per CPU-second`],
        ["setup (open input, create store)", `${pct(r.setupMs)}  (${fmt(r.setupMs)} ms)`],
        ["source (synthetic fieldsAt)", `${pct(r.sourceMs)}  (${fmt(r.sourceMs / r.dates)} ms/date, first date ${fmt(r.sourceFirstMs)} ms; alone ${mega((values * 1000) / r.sourceMs)} values/s)`],
        ["write (zarrita set: copy, Blosc, file)", `${pct(r.writeMs)}  (${fmt(r.writeMs / r.dates)} ms/date)`],
        ["other per date (checks, statistics, state)", `${pct(other)}  (${fmt(other / r.dates)} ms/date)`],
        ["finalise (statistics arrays, attributes)", `${pct(r.finaliseMs)}  (${fmt(r.finaliseMs)} ms)`],
        ["store size", `${fmt(r.bytes / MiB)} MiB (${fmt((r.dates * r.variables * r.points * 4) / r.bytes, 2)}× compression)`],
        [`memory after ${r.checkpointDates} dates`, mem(r.afterCheckpoint)],
        ...(r.halfDates > r.checkpointDates && r.halfDates < r.dates ? [[`memory after ${r.halfDates} dates`, mem(r.afterHalf)] as [string, string]] : []),
        [`memory after ${r.dates} dates`, mem(r.afterAll)],
        [
          `growth from date ${r.checkpointDates} to ${r.dates}`,
          `max RSS ${fmt(r.afterAll.maxRssMiB - r.afterCheckpoint.maxRssMiB, 0)} MiB, retained ${fmt(r.afterAll.retainedMiB - r.afterCheckpoint.retainedMiB, 1)} MiB (one date of data = ${fmt((r.variables * r.points * 4) / MiB)} MiB)`,
        ],
      ]);
    }

    const big = results[results.length - 1];
    const runs = Math.max(5, Math.round(21 * SCALE) | 1);
    const rc = await inChild<ReadResult>({ kind: "read", store: path.join(dir, `${big.spec.points}.zarr`), runs });
    report(`read one date: ${big.spec.label}, ${rc.points.toLocaleString("en")} points × ${rc.variables} variables (${fmt((rc.values * 4) / MiB)} MiB decoded, chunk ${fmt(rc.chunkBytes / MiB)} MiB)`, [
      ["runs (interleaved pairs)", `${rc.runs}`],
      ["readDate, wall", `median ${fmt(rc.wall.read)} ms, min ${fmt(rc.wall.readMin)} ms`],
      ["raw read + decode, wall", `median ${fmt(rc.wall.raw)} ms, min ${fmt(rc.wall.rawMin)} ms  [fs.readFile + ${rc.codecName}]`],
      ["readDate, CPU", `median ${fmt(rc.cpu.read)} ms, min ${fmt(rc.cpu.readMin)} ms`],
      ["raw read + decode, CPU", `median ${fmt(rc.cpu.raw)} ms, min ${fmt(rc.cpu.rawMin)} ms`],
      ["ratio, wall (target ≤ 1.3)", `${fmt(rc.wall.medianRatio, 2)}× median of per-pair ratios; ${fmt(rc.wall.ratioOfMedians, 2)}× of medians; ${fmt(rc.wall.ratioOfMinima, 2)}× of minima`],
      ["ratio, CPU", `${fmt(rc.cpu.medianRatio, 2)}× median of per-pair ratios; ${fmt(rc.cpu.ratioOfMedians, 2)}× of medians; ${fmt(rc.cpu.ratioOfMinima, 2)}× of minima`],
      ["peak RSS of the reading process", `${fmt(rc.maxRssMiB, 0)} MiB`],
      ["readDate throughput", `${fmt((rc.values * 4) / MiB / (rc.wall.read / 1000), 0)} MiB/s decoded (median wall)`],
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const childRequest = process.env[CHILD_ENV];
if (childRequest) {
  const req = JSON.parse(childRequest) as ChildRequest;
  const result = req.kind === "create" ? await runCreate(req) : await runRead(req);
  if (process.send) process.send(result);
  else console.log(JSON.stringify(result, null, 2)); // run by hand: ISOBAR_BENCH_DATASETS_CHILD='{...}' node --import tsx bench/datasets.bench.ts
  process.disconnect?.();
} else {
  await main();
}
