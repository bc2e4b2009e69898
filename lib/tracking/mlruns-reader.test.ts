import { mkdtemp, mkdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MlrunsFormatError, MlrunsReader, parseMetricLine, parsePythonFloat } from "@/lib/tracking/mlruns-reader";

let tmp: string;
let root: string;

async function put(rel: string, content: string): Promise<void> {
  const file = path.join(root, ...rel.split("/"));
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, content);
}

const RUN_A = "0a1b2c3d4e5f";
const RUN_B = "ffffeeee0000";

beforeAll(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), "isobar-mlruns-"));
  root = path.join(tmp, "mlruns");
  // Default experiment, empty
  await put(
    "0/meta.yaml",
    "artifact_location: file:///old/mlruns/0\ncreation_time: 1700000000000\nexperiment_id: '0'\nlast_update_time: 1700000000000\nlifecycle_stage: active\nname: Default\n",
  );
  // Experiment with a huge numeric id, tags, two runs
  const expId = "909682684414341917";
  await put(
    `${expId}/meta.yaml`,
    `artifact_location: file:///hpc/mlruns/${expId}\ncreation_time: 1710000000000\nexperiment_id: '${expId}'\nlast_update_time: 1710000005000\nlifecycle_stage: active\nname: aifs-o96\n`,
  );
  await put(`${expId}/tags/mlflow.note.content`, "multi\nline note");
  await put(
    `${expId}/${RUN_A}/meta.yaml`,
    [
      `artifact_uri: file:///hpc/mlruns/${expId}/${RUN_A}/artifacts`,
      "end_time: 1710000900000",
      "entry_point_name: ''",
      `experiment_id: '${expId}'`,
      "lifecycle_stage: active",
      `run_id: ${RUN_A}`,
      "run_name: bold-cat-42",
      `run_uuid: ${RUN_A}`,
      "source_name: ''",
      "source_type: 4",
      "source_version: ''",
      "start_time: 1710000000000",
      "status: 3",
      "tags: []",
      "user_id: alice",
      "",
    ].join("\n"),
  );
  await put(`${expId}/${RUN_A}/params/lr`, "0.001");
  await put(`${expId}/${RUN_A}/params/training/optimizer/name`, "AdamW");
  await put(`${expId}/${RUN_A}/params/empty`, "");
  await put(`${expId}/${RUN_A}/tags/mlflow.runName`, "bold-cat-42");
  await put(`${expId}/${RUN_A}/tags/mlflow.source.name`, "anemoi-training");
  await put(`${expId}/${RUN_A}/metrics/train_loss`, "1710000000001 0.5 0\n1710000000002 0.25 100\r\n1710000000003 nan 200\n1710000000004 inf 300\n1710000000005 -inf 400\n1710000000006 1e-05 500\n\n");
  await put(`${expId}/${RUN_A}/metrics/legacy`, "1600000000000 3.5\n1600000000001 -2\n");
  await put(`${expId}/${RUN_A}/metrics/val_mse_metric/sfc_2t/1`, "1710000000100 0.75 1000\n");
  await put(`${expId}/${RUN_A}/metrics/val_mse_metric/sfc_2t/2`, "1710000000100 0.8 1000\n");
  await put(`${expId}/${RUN_A}/metrics/bad`, "1 2 3\n4 5 6\nx y\n");
  await put(`${expId}/${RUN_A}/metrics/badvalue`, "1 abc 3\n");
  await put(`${expId}/${RUN_A}/metrics/onefield`, "17\n");
  await put(`${expId}/${RUN_A}/artifacts/config.json`, "{}");
  // Run B: old style (no run_name, name in tag), running, deleted lifecycle, null end_time, status as int 1
  await put(
    `${expId}/${RUN_B}/meta.yaml`,
    `artifact_uri: mlflow-artifacts:/${expId}/${RUN_B}/artifacts\nend_time: null\nexperiment_id: '${expId}'\nlifecycle_stage: deleted\nrun_uuid: ${RUN_B}\nstart_time: 1710000001000\nstatus: 1\nuser_id: bob\n`,
  );
  await put(`${expId}/${RUN_B}/tags/mlflow.runName`, "resumed-run");
  // Folders that are not runs
  await put(`${expId}/datasets/abc/meta.yaml.not`, "x");
  await mkdir(path.join(root, expId, "emptydir"), { recursive: true });
  // Deleted experiment in .trash with a run whose status is KILLED
  await put(".trash/7/meta.yaml", "artifact_location: file:///x\nexperiment_id: '7'\nlifecycle_stage: deleted\nname: old-exp\ncreation_time: 1\nlast_update_time: 2\n");
  await put(".trash/7/r7/meta.yaml", "run_id: r7\nexperiment_id: '7'\nstatus: 5\nstart_time: 10\nend_time: 20\nlifecycle_stage: active\nuser_id: carol\nrun_name: 1e5\n");
  // model registry folder at the root has no meta.yaml and is ignored
  await put("models/m/meta.yaml.txt", "x");
});

afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("parsePythonFloat / parseMetricLine", () => {
  it("reads Python float text", () => {
    expect(parsePythonFloat("1.5")).toBe(1.5);
    expect(parsePythonFloat("-2")).toBe(-2);
    expect(parsePythonFloat("1e-05")).toBe(1e-5);
    expect(parsePythonFloat("nan")).toBeNaN();
    expect(parsePythonFloat("NaN")).toBeNaN();
    expect(parsePythonFloat("inf")).toBe(Infinity);
    expect(parsePythonFloat("-inf")).toBe(-Infinity);
    expect(parsePythonFloat("Infinity")).toBe(Infinity);
    expect(parsePythonFloat("")).toBeNull();
    expect(parsePythonFloat("0x10")).toBeNull();
    expect(parsePythonFloat("1,5")).toBeNull();
  });

  it("parses 3-field, legacy 2-field and extended lines", () => {
    expect(parseMetricLine("100 0.5 7")).toEqual({ timestamp: 100, value: 0.5, step: 7 });
    expect(parseMetricLine("100 0.5")).toEqual({ timestamp: 100, value: 0.5, step: 0 });
    expect(parseMetricLine("100 0.5 7 ds digest")).toEqual({ timestamp: 100, value: 0.5, step: 7 });
    expect(parseMetricLine("  ")).toBeNull();
    expect(parseMetricLine("x y")).toBe("timestamp 'x' is not an integer");
    expect(parseMetricLine("1 2 3.5")).toBe("step '3.5' is not an integer");
    expect(parseMetricLine("17")).toBe("");
  });
});

describe("MlrunsReader", () => {
  it("lists experiments, active first then .trash as deleted", async () => {
    const exps = await new MlrunsReader(root).experiments();
    expect(exps.map((e) => [e.experimentId, e.name, e.lifecycleStage, e.inTrash])).toEqual([
      ["0", "Default", "active", false],
      ["909682684414341917", "aifs-o96", "active", false],
      ["7", "old-exp", "deleted", true],
    ]);
    const aifs = exps[1];
    expect(aifs.creationTime).toBe(1710000000000);
    expect(aifs.lastUpdateTime).toBe(1710000005000);
    expect(aifs.artifactLocation).toBe("file:///hpc/mlruns/909682684414341917");
    expect(aifs.tags).toEqual({ "mlflow.note.content": "multi\nline note" });
    expect(aifs.dir).toBe(path.join(root, "909682684414341917"));
  });

  it("reads runs with status codes, params and tags (nested keys), artifacts dir", async () => {
    const reader = new MlrunsReader(root);
    const [, aifs, trashed] = await reader.experiments();
    const runs = await reader.runs(aifs);
    expect(runs.map((r) => r.runId)).toEqual([RUN_A, RUN_B]);
    const a = runs[0];
    expect(a).toMatchObject({
      runId: RUN_A,
      runName: "bold-cat-42",
      experimentId: "909682684414341917",
      userId: "alice",
      status: "FINISHED",
      startTime: 1710000000000,
      endTime: 1710000900000,
      artifactUri: `file:///hpc/mlruns/909682684414341917/${RUN_A}/artifacts`,
      lifecycleStage: "active",
      params: { lr: "0.001", "training/optimizer/name": "AdamW", empty: "" },
      tags: { "mlflow.runName": "bold-cat-42", "mlflow.source.name": "anemoi-training" },
      artifactDir: path.join(aifs.dir, RUN_A, "artifacts"),
    });
    expect(a.metricKeys).toEqual(["bad", "badvalue", "legacy", "onefield", "train_loss", "val_mse_metric/sfc_2t/1", "val_mse_metric/sfc_2t/2"]);
    expect(a.meta.source_type).toBe(4);

    const b = runs[1];
    expect(b).toMatchObject({ runId: RUN_B, runName: "resumed-run", status: "RUNNING", endTime: null, lifecycleStage: "deleted", artifactDir: null });
    expect(b.params).toEqual({});
    expect(b.metricKeys).toEqual([]);

    const [r7] = await reader.runs(trashed);
    // YAML 1.1 like PyYAML: an unquoted 1e5 is a string, not 100000
    expect(r7).toMatchObject({ runId: "r7", status: "KILLED", startTime: 10, endTime: 20, runName: "1e5", experimentId: "7" });
  });

  it("streams metric histories with nan/inf, CRLF, blank lines and legacy lines", async () => {
    const reader = new MlrunsReader(root);
    const [, aifs] = await reader.experiments();
    const [a] = await reader.runs(aifs);
    const points = [];
    for await (const p of reader.metricHistory(a, "train_loss")) points.push(p);
    expect(points.map((p) => p.step)).toEqual([0, 100, 200, 300, 400, 500]);
    expect(points[0]).toEqual({ timestamp: 1710000000001, value: 0.5, step: 0 });
    expect(points[1].value).toBe(0.25);
    expect(points[2].value).toBeNaN();
    expect(points[3].value).toBe(Infinity);
    expect(points[4].value).toBe(-Infinity);
    expect(points[5].value).toBe(1e-5);

    const legacy = [];
    for await (const p of reader.metricHistory(a.dir, "legacy")) legacy.push(p);
    expect(legacy).toEqual([
      { timestamp: 1600000000000, value: 3.5, step: 0 },
      { timestamp: 1600000000001, value: -2, step: 0 },
    ]);

    const nested = [];
    for await (const p of reader.metricHistory(a, "val_mse_metric/sfc_2t/1")) nested.push(p);
    expect(nested).toEqual([{ timestamp: 1710000000100, value: 0.75, step: 1000 }]);
  });

  it("batches columns", async () => {
    const reader = new MlrunsReader(root);
    const [, aifs] = await reader.experiments();
    const [a] = await reader.runs(aifs);
    const batches = [];
    for await (const b of reader.metricBatches(a, "train_loss", 4)) batches.push(b);
    expect(batches.map((b) => b.length)).toEqual([4, 2]);
    expect(Array.from(batches[0].steps)).toEqual([0, 100, 200, 300]);
    expect(Array.from(batches[1].values)).toEqual([-Infinity, 1e-5]);
    expect(batches[1].timestamps).toHaveLength(2);
  });

  it("reports malformed metric lines with file and line", async () => {
    const reader = new MlrunsReader(root);
    const [, aifs] = await reader.experiments();
    const [a] = await reader.runs(aifs);
    const drain = async (key: string): Promise<MlrunsFormatError> => {
      try {
        for await (const _ of reader.metricHistory(a, key)) void _;
      } catch (e) {
        expect(e).toBeInstanceOf(MlrunsFormatError);
        return e as MlrunsFormatError;
      }
      throw new Error("expected a format error");
    };
    const bad = await drain("bad");
    expect(bad.message).toBe(`mlruns/909682684414341917/${RUN_A}/metrics/bad line 3: expected '<timestamp> <value> <step>', found 'x y' (timestamp 'x' is not an integer)`);
    expect(bad.line).toBe(3);
    expect(bad.file).toBe(`mlruns/909682684414341917/${RUN_A}/metrics/bad`);
    expect((await drain("badvalue")).message).toBe(
      `mlruns/909682684414341917/${RUN_A}/metrics/badvalue line 1: expected '<timestamp> <value> <step>', found '1 abc 3' (value 'abc' is not a number)`,
    );
    expect((await drain("onefield")).message).toBe(`mlruns/909682684414341917/${RUN_A}/metrics/onefield line 1: expected '<timestamp> <value> <step>', found '17'`);
    expect((await drain("missing")).message).toMatch(new RegExp(`^mlruns/909682684414341917/${RUN_A}/metrics/missing: cannot read \\(ENOENT`));
    expect((await drain("../params/lr")).message).toBe(`invalid metric key '../params/lr'`);
  });

  it("malformed meta.yaml throws, or is skipped with onWarning", async () => {
    const t2 = await mkdtemp(path.join(tmpdir(), "isobar-mlruns-bad-"));
    const r2 = path.join(t2, "mlruns");
    try {
      await mkdir(path.join(r2, "1", "run1"), { recursive: true });
      await mkdir(path.join(r2, "2"), { recursive: true });
      await mkdir(path.join(r2, "3"), { recursive: true });
      await writeFile(path.join(r2, "1", "meta.yaml"), "experiment_id: '1'\nname: ok\n");
      await writeFile(path.join(r2, "1", "run1", "meta.yaml"), "run_id: run1\nstatus: 9\n");
      await writeFile(path.join(r2, "2", "meta.yaml"), "name: [unclosed\n");
      await writeFile(path.join(r2, "3", "meta.yaml"), "");
      await expect(new MlrunsReader(r2).experiments()).rejects.toThrow(/^mlruns\/2\/meta.yaml: invalid YAML/);
      const warnings: string[] = [];
      const reader = new MlrunsReader(r2, { onWarning: (e) => warnings.push(e.message) });
      const exps = await reader.experiments();
      expect(exps.map((e) => e.experimentId)).toEqual(["1"]);
      expect(await reader.runs(exps[0])).toEqual([]);
      expect(warnings[0]).toMatch(/^mlruns\/2\/meta.yaml: invalid YAML/);
      expect(warnings[1]).toBe("mlruns/3/meta.yaml: expected a mapping of fields, found an empty file");
      expect(warnings[2]).toBe("mlruns/1/run1/meta.yaml: status \"9\" is not one of 1..5 (RUNNING, SCHEDULED, FINISHED, FAILED, KILLED)");
      await expect(new MlrunsReader(path.join(t2, "nope")).experiments()).rejects.toThrow(/not a directory/);
    } finally {
      await rm(t2, { recursive: true, force: true });
    }
  });

  it("streams a 10^6-line history without holding it in memory", async () => {
    const t3 = await mkdtemp(path.join(tmpdir(), "isobar-mlruns-big-"));
    try {
      const dir = path.join(t3, "mlruns", "1", "r", "metrics");
      await mkdir(dir, { recursive: true });
      const n = 1_000_000;
      const lines: string[] = [];
      for (let i = 0; i < n; i++) lines.push(`${1700000000000 + i} ${i * 0.5} ${i}`);
      await writeFile(path.join(dir, "loss"), lines.join("\n") + "\n");
      lines.length = 0;
      const reader = new MlrunsReader(path.join(t3, "mlruns"));
      let count = 0;
      let last = -1;
      let sum = 0;
      for await (const b of reader.metricBatches(path.join(t3, "mlruns", "1", "r"), "loss", 50_000)) {
        count += b.length;
        last = b.steps[b.length - 1];
        sum += b.values[0];
      }
      expect(count).toBe(n);
      expect(last).toBe(n - 1);
      expect(sum).toBeGreaterThan(0);
    } finally {
      await rm(t3, { recursive: true, force: true });
    }
  }, 60_000);
});
