import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { regularGlobal } from "@/lib/grids";
import { buildGraph, serializeGraph, type GraphSummary } from "@/lib/graphs";
import { exportCheckpoint } from "@/lib/inference";
import { ForecastModel, initTf } from "@/lib/models";
import { formatGraphSummary, readGraphFile } from "./graphs";
import { inspectGraph } from "@/lib/graphs";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/**
 * A graph small enough to check by hand: two data nodes at the poles (a 360°×180° grid with
 * poles) and the bare icosahedron (r = 0) as hidden mesh, with vertices at latitudes
 * ±atan(φ) = ±58.2825° (4), ±atan(1/φ) = ±31.7175° (4) and 0° (4).
 * - encoder kNN k = 2: every hidden node gets both poles → 24 edges; lengths 90° ∓ lat, so
 *   min 90 − 58.2825, max 90 + 58.2825 and mean exactly 90.
 * - decoder kNN k = 12: each pole gets all 12 vertices → the same 24 lengths.
 * - processor multi-scale r = 0: the 30 icosahedron edges both ways → 60 edges, degree 5,
 *   each of length acos(1/√5) = 63.4349°.
 */
const grid = regularGlobal(360, 180, { poles: true });
const graph = buildGraph(grid, {
  hidden: { type: "icosahedral", resolution: 0 },
  encoder: { method: "knn", num_nearest_neighbours: 2 },
  decoder: { method: "knn", num_nearest_neighbours: 12 },
  processor: { method: "multiscale", x_hops: 1 },
} as never);
const deg = (Math.atan((1 + Math.sqrt(5)) / 2) * 180) / Math.PI;
const icoEdge = (Math.acos(1 / Math.sqrt(5)) * 180) / Math.PI;

function expectHandChecked(s: GraphSummary) {
  expect(s.nodes).toEqual([{ name: "data", size: 2 }, { name: "hidden", size: 12 }]);
  const [enc, proc, dec] = s.edges;
  expect([enc.source, enc.target, enc.size, proc.size, dec.source, dec.target, dec.size]).toEqual(["data", "hidden", 24, 60, "hidden", "data", 24]);
  expect(enc.inDegree).toEqual({ min: 2, mean: 2, max: 2 });
  expect(enc.outDegree).toEqual({ min: 12, mean: 12, max: 12 });
  expect(dec.inDegree).toEqual({ min: 12, mean: 12, max: 12 });
  expect(dec.outDegree).toEqual({ min: 2, mean: 2, max: 2 });
  expect(proc.inDegree).toEqual({ min: 5, mean: 5, max: 5 });
  expect(proc.outDegree).toEqual({ min: 5, mean: 5, max: 5 });
  for (const e of [enc, dec]) {
    expect(e.lengthDeg.min).toBeCloseTo(90 - deg, 6);
    expect(e.lengthDeg.mean).toBeCloseTo(90, 6);
    expect(e.lengthDeg.max).toBeCloseTo(90 + deg, 6);
  }
  expect(proc.lengthDeg.min).toBeCloseTo(icoEdge, 6);
  expect(proc.lengthDeg.max).toBeCloseTo(icoEdge, 6);
}

describe("isobar graphs inspect", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "isobar-graphs-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("summarises a graph file: counts, degrees and edge lengths of a hand-checked graph", () => {
    const file = path.join(dir, "tiny.graph");
    fs.writeFileSync(file, serializeGraph(graph));
    const s = inspectGraph(readGraphFile(file));
    expectHandChecked(s);
    const text = formatGraphSummary(s);
    expect(text).toContain("processor");
    expect(text).toMatch(/hidden → hidden\s+60\s+5 \/ 5 \/ 5\s+5 \/ 5 \/ 5\s+63\.43 \/ 63\.43 \/ 63\.43/);
  });

  it("reads the graph inside a checkpoint, through the CLI, and explains bad files", async () => {
    await initTf();
    const model = new ForecastModel({ num_channels: 4, processor: { type: "gnn", num_layers: 1 } }, { multistepInput: 1, numPrognostic: 1, numForcing: 0 }, { latitudes: grid.latitudes, longitudes: grid.longitudes, graph }, 1);
    const ckpt = exportCheckpoint(model, {
      variables: { prognostic: ["z_500"], forcing: [] },
      timestep: "6h",
      grid: grid.descriptor,
      normalisation: { mean: { z_500: 0 }, std: { z_500: 1 }, tendency_mean: { z_500: 0 }, tendency_std: { z_500: 1 } },
      graph,
    });
    model.dispose();
    const file = path.join(dir, "tiny.ckpt");
    fs.writeFileSync(file, ckpt);
    const out = execFileSync("node", ["cli/isobar.mjs", "graphs", "inspect", file, "--json"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
    expectHandChecked(JSON.parse(out) as GraphSummary);

    const junk = path.join(dir, "junk.bin");
    fs.writeFileSync(junk, "hello");
    expect(() => readGraphFile(junk)).toThrow(/neither an Isobar checkpoint \(zip\) nor a graph file/);
    expect(() => readGraphFile(path.join(dir, "missing.ckpt"))).toThrow(/no such file/);
  }, 60_000);
});
