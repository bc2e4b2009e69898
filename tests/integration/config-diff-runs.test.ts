import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readEnv } from "@/server/env";
import { openServices } from "@/server/services";
import { createRun } from "@/server/tracking/store/runs";
import { logBatch } from "@/server/tracking/store/logging";
import { freshHome, runIsobar } from "../support/isobar-process";

describe("isobar config diff with tracked run ids", () => {
  const home = freshHome("config-diff");
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

  it("diffs the configs of two runs: one from its config.json artifact, one from its params", async () => {
    const services = await openServices(readEnv({ ISOBAR_HOME: home }), { command: "vitest", runWorkers: false, supervise: false });
    let a: string;
    let b: string;
    try {
      const ra = await createRun(services.storage.db, { experimentId: "0", runName: "gnn-run" });
      const rb = await createRun(services.storage.db, { experimentId: "0", runName: "transformer-run" });
      a = ra.info.runId;
      b = rb.info.runId;
      const dir = path.join(home, "artifacts", ra.info.artifactUri.replace("mlflow-artifacts:/", ""));
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ config_version: 3, model: { processor: "gnn", layers: 16 }, training: { lr: 0.001 } }));
      await logBatch(services.storage.db, b, { params: [{ key: "config_version", value: "3" }, { key: "model.processor", value: "transformer" }, { key: "model.layers", value: "16" }, { key: "training.lr", value: "0.001" }] });
    } finally {
      await services.close();
    }
    const out = await runIsobar(["config", "diff", a, `run:${b}`, "--json"], { ISOBAR_HOME: home, DATABASE_URL: "" });
    expect(out.stderr).toBe("");
    const diff = JSON.parse(out.stdout) as { labels: string[]; changes: { path: string; status: string; values: unknown[] }[] };
    expect(diff.labels).toEqual([`gnn-run (${a.slice(0, 8)})`, `transformer-run (${b.slice(0, 8)})`]);
    expect(diff.changes.map((c) => [c.path, c.status])).toEqual([["model.processor", "changed"]]);
    const missing = await runIsobar(["config", "diff", a, "0123456789abcdef0123456789abcdef"], { ISOBAR_HOME: home, DATABASE_URL: "" });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^isobar: .*Run with id=0123456789abcdef0123456789abcdef not found/);
  });
});
