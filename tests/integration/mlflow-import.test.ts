import fs from "node:fs";
import type http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readEnv } from "@/server/env";
import { createIsobarServer, listen } from "@/server/http/server";
import { openServices, type Services } from "@/server/services";
import { importRemoteMlflow } from "@/server/tracking/import/remote-import";
import { getRun } from "@/server/tracking/store/runs";
import { getMetricHistory } from "@/server/tracking/store/history";
import { freshHome, runIsobar } from "../support/isobar-process";
import { mlflowClient } from "../support/mlflow-client";

/** Write a small MLflow FileStore by hand, as MLflow's file store lays it out. */
function writeMlruns(root: string, extraPoints = 0): void {
  const w = (rel: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };
  w("1/meta.yaml", "artifact_location: file:///old/machine/mlruns/1\ncreation_time: 1700000000000\nexperiment_id: '1'\nlast_update_time: 1700000000000\nlifecycle_stage: active\nname: anemoi-debug\n");
  w("1/tags/team", "ml");
  const run = "1/0123456789abcdef0123456789abcdef";
  w(`${run}/meta.yaml`, "artifact_uri: file:///old/machine/mlruns/1/0123456789abcdef0123456789abcdef/artifacts\nend_time: 1700000100000\nentry_point_name: ''\nexperiment_id: '1'\nlifecycle_stage: active\nrun_id: 0123456789abcdef0123456789abcdef\nrun_name: silent-gale-7\nrun_uuid: 0123456789abcdef0123456789abcdef\nsource_name: ''\nsource_type: 4\nsource_version: ''\nstart_time: 1700000000000\nstatus: 3\ntags: []\nuser_id: forecaster\n");
  w(`${run}/params/training.lr`, "0.000625");
  w(`${run}/params/model.num_channels`, "512");
  w(`${run}/tags/mlflow.runName`, "silent-gale-7");
  const lines = ["1700000000001 2.5 0", "1700000000002 1.25 1", "1700000000003 nan 2"];
  for (let i = 0; i < extraPoints; i++) lines.push(`${1700000001000 + i} ${1 / (i + 2)} ${3 + i}`);
  w(`${run}/metrics/train_mse_loss_step`, `${lines.join("\n")}\n`);
  w(`${run}/metrics/val_mse_metric/sfc_2t/1`, "1700000000005 0.5\n"); // legacy 2-field line: step 0
  w(`${run}/artifacts/config.json`, '{"training": {"lr": 0.000625}}');
  w(".trash/2/meta.yaml", "artifact_location: file:///x\ncreation_time: 1700000000000\nexperiment_id: '2'\nlast_update_time: 1700000000000\nlifecycle_stage: deleted\nname: old-exp\n");
}

describe("importing MLflow data", () => {
  const work = freshHome("import");
  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  it("imports an mlruns folder with the CLI, and a second import adds only what is new", async () => {
    const mlruns = path.join(work, "mlruns");
    writeMlruns(mlruns);
    const home = path.join(work, "home-mlruns");
    const env = { ISOBAR_HOME: home, DATABASE_URL: "" };
    const first = await runIsobar(["import", "mlruns", mlruns], env);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("Imported 2 experiment(s), 1 run(s) (1 new), 4 new metric point(s), 1 artifact file(s).");
    writeMlruns(mlruns, 2);
    const second = await runIsobar(["import", "mlruns", mlruns], env);
    expect(second.stdout).toContain("Imported 2 experiment(s), 1 run(s) (0 new), 2 new metric point(s), 0 artifact file(s).");

    const services = await openServices(readEnv({ ISOBAR_HOME: home }), { command: "vitest", runWorkers: false, supervise: false });
    try {
      const run = await getRun(services.storage.db, "0123456789abcdef0123456789abcdef");
      expect(run.info).toMatchObject({ runName: "silent-gale-7", status: "FINISHED", userId: "forecaster", startTime: 1700000000000, endTime: 1700000100000 });
      expect(run.data.params).toEqual([
        { key: "model.num_channels", value: "512" },
        { key: "training.lr", value: "0.000625" },
      ]);
      const history = await getMetricHistory(services.storage.db, run.info.runId, "train_mse_loss_step");
      expect(history.metrics.map((m) => [m.step, m.value])).toEqual([
        [0, 2.5],
        [1, 1.25],
        [2, NaN],
        [3, 0.5],
        [4, 1 / 3],
      ]);
      const legacy = await getMetricHistory(services.storage.db, run.info.runId, "val_mse_metric/sfc_2t/1");
      expect(legacy.metrics).toEqual([{ key: "val_mse_metric/sfc_2t/1", value: 0.5, timestamp: 1700000000005, step: 0 }]);
      expect(fs.readFileSync(path.join(home, "artifacts", run.info.artifactUri.replace("mlflow-artifacts:/", ""), "config.json"), "utf8")).toBe('{"training": {"lr": 0.000625}}');
      const jobs = await services.queue.list({ type: "tracking.import" });
      expect(jobs.map((j) => j.state)).toEqual(["completed", "completed"]);
    } finally {
      await services.close();
    }
  });

  describe("from a remote MLflow server", () => {
    let remote: Services;
    let server: http.Server;
    let url: string;
    beforeAll(async () => {
      remote = await openServices(readEnv({ ISOBAR_HOME: path.join(work, "remote") }), { command: "vitest", runWorkers: false, supervise: false });
      server = createIsobarServer(remote, null);
      url = await listen(server, 0, "127.0.0.1");
      const api = mlflowClient(url);
      const exp = (await api.post("experiments/create", { name: "remote-exp" })).body.experiment_id as string;
      const run = ((await api.post("runs/create", { experiment_id: exp, run_name: "far-away" })).body.run as { info: { run_id: string; artifact_uri: string } }).info;
      await api.post("runs/log-batch", { run_id: run.run_id, params: [{ key: "lr", value: "0.1" }], metrics: Array.from({ length: 30 }, (_, i) => ({ key: "loss", value: 30 - i, timestamp: 1000 + i, step: i })) });
      await fetch(`${url}/api/2.0/mlflow-artifacts/artifacts/${run.artifact_uri.replace("mlflow-artifacts:/", "")}/notes/readme.txt`, { method: "PUT", body: "hello" });
      await api.post("experiments/create", { name: "not-wanted" });
    });
    afterAll(async () => {
      await new Promise((r) => server.close(r));
      await remote.close();
    });

    it("pulls the named experiment incrementally, with history and artifacts", async () => {
      const local = await openServices(readEnv({ ISOBAR_HOME: path.join(work, "local") }), { command: "vitest", runWorkers: false, supervise: false });
      try {
        const first = await importRemoteMlflow(local.storage.db, local.env.home, { url, experiments: ["remote-exp"] }, () => undefined);
        expect(first).toMatchObject({ experiments: 1, runs: 1, newRuns: 1, newMetricPoints: 30, artifactsCopied: 1, warnings: [] });
        const again = await importRemoteMlflow(local.storage.db, local.env.home, { url, experiments: ["remote-exp"] }, () => undefined);
        expect(again).toMatchObject({ runs: 1, newRuns: 0, newMetricPoints: 0, artifactsCopied: 0 });
        const api = mlflowClient(url);
        const remoteRun = ((await api.post("runs/search", { filter: "attributes.run_name = 'far-away'" })).body.runs as { info: { run_id: string } }[])[0].info.run_id;
        const run = await getRun(local.storage.db, remoteRun);
        expect(run.info.runName).toBe("far-away");
        expect(run.data.params).toEqual([{ key: "lr", value: "0.1" }]);
        expect(run.data.metrics).toEqual([{ key: "loss", value: 1, timestamp: 1029, step: 29 }]);
        const file = path.join(local.env.home, "artifacts", run.info.artifactUri.replace("mlflow-artifacts:/", ""), "notes", "readme.txt");
        expect(fs.readFileSync(file, "utf8")).toBe("hello");
        await expect(importRemoteMlflow(local.storage.db, local.env.home, { url, experiments: ["missing"] }, () => undefined)).rejects.toThrow(
          /experiments\/get-by-name on http:\/\/127\.0\.0\.1:\d+ failed with HTTP 404: Could not find experiment with name 'missing'/,
        );
      } finally {
        await local.close();
      }
    });
  });
});
