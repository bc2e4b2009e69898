import { randomUUID } from "node:crypto";
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkpoints, datasets, forecasts, scoreRuns } from "@/server/db/schema";
import { readEnv } from "@/server/env";
import { lineageOf } from "@/server/lineage/lineage";
import { openServices, type Services } from "@/server/services";
import { logInputs } from "@/server/tracking/store/logging";
import { createRun } from "@/server/tracking/store/runs";
import { freshHome, runIsobar } from "../support/isobar-process";

describe("lineage from dataset to scores", () => {
  const home = freshHome("lineage");
  let services: Services;
  const ids = { dataset: randomUUID(), checkpoint: randomUUID(), forecast: randomUUID(), baseline: randomUUID(), scores: randomUUID(), run: "" };

  beforeAll(async () => {
    services = await openServices(readEnv({ ISOBAR_HOME: home }), { command: "vitest", runWorkers: false, supervise: false });
    const db = services.storage.db;
    await db.insert(datasets).values({ id: ids.dataset, name: "era", path: "/data/era.zarr", datasetUuid: "uuid-era", recipeChecksum: "abc123def456" });
    const run = await createRun(db, { experimentId: "0", runName: "gnn-a" });
    ids.run = run.info.runId;
    await logInputs(db, ids.run, [{ dataset: { name: "era", digest: "uuid-era", sourceType: "local", source: "/data/era.zarr" }, tags: [] }]);
    await db.insert(checkpoints).values({ id: ids.checkpoint, runId: ids.run, step: 500, kind: "final", path: "/ck/final.ckpt" });
    await db.insert(forecasts).values({ id: ids.forecast, name: "gnn-a", path: "/fc/a.zarr", kind: "model", producer: { checkpointId: ids.checkpoint, runId: ids.run }, sourceDataset: "/data/era.zarr" });
    await db.insert(forecasts).values({ id: ids.baseline, name: "persistence", path: "/fc/p.zarr", kind: "persistence", sourceDataset: "/data/era.zarr" });
    await db.insert(scoreRuns).values({ id: ids.scores, forecastId: ids.forecast, truthPath: "/data/era.zarr", regions: ["global"] });
  });
  afterAll(async () => {
    await services?.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  const kinds = (nodes: { kind: string; id: string }[]) => nodes.map((n) => `${n.kind}:${n.id}`).sort();

  it("walks each step both ways", async () => {
    const db = services.storage.db;
    const d = await lineageOf(db, ids.dataset);
    expect(kinds(d.upstream)).toEqual(["dataset:abc123def456"]); // its recipe
    expect(kinds(d.downstream)).toEqual(kinds([{ kind: "run", id: ids.run }, { kind: "forecast", id: ids.forecast }, { kind: "forecast", id: ids.baseline }, { kind: "score-run", id: ids.scores }]));
    const r = await lineageOf(db, ids.run);
    expect(kinds(r.upstream)).toEqual([`dataset:${ids.dataset}`]);
    expect(kinds(r.downstream)).toEqual([`checkpoint:${ids.checkpoint}`]);
    const c = await lineageOf(db, ids.checkpoint);
    expect(kinds(c.upstream)).toEqual([`run:${ids.run}`]);
    expect(kinds(c.downstream)).toEqual([`forecast:${ids.forecast}`]);
    const f = await lineageOf(db, ids.forecast);
    expect(kinds(f.upstream)).toEqual(kinds([{ kind: "checkpoint", id: ids.checkpoint }, { kind: "dataset", id: ids.dataset }]));
    expect(kinds(f.downstream)).toEqual([`score-run:${ids.scores}`]);
    const s = await lineageOf(db, ids.scores);
    expect(kinds(s.upstream)).toEqual(kinds([{ kind: "forecast", id: ids.forecast }, { kind: "dataset", id: ids.dataset }]));
    await expect(lineageOf(db, "nothing-here")).rejects.toThrow("no dataset, run, checkpoint, forecast or score run with id nothing-here");
  });

  it("prints it with 'isobar lineage'", async () => {
    await services.close();
    try {
      const out = await runIsobar(["lineage", ids.forecast], { ISOBAR_HOME: home, DATABASE_URL: "" });
      expect(out.stderr).toBe("");
      expect(out.stdout).toContain("forecast gnn-a (model)");
      expect(out.stdout).toContain(`← checkpoint step 500 (final)  ${ids.checkpoint}`);
      expect(out.stdout).toContain(`→ scores ${ids.scores.slice(0, 8)}`);
    } finally {
      services = await openServices(readEnv({ ISOBAR_HOME: home }), { command: "vitest", runWorkers: false, supervise: false });
    }
  });
});
