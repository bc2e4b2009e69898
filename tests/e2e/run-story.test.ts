import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDataset, loadRecipe } from "@/lib/datasets";
import { launchBrowser, saveScreenshot, trackPageErrors } from "../support/browser";
import { freshHome, startServer, waitUntil } from "../support/isobar-process";
import { TINY_GNN_OVERRIDES, tinyDataOverrides, tinyRecipe } from "../support/tiny-training";

/**
 * The run page's story and the Compare page's verification, in Chromium, on data made by the
 * jobs themselves: two tiny trainings, their forecasts, persistence, scores.
 */
describe("Run page story and Compare page verification with real job data", () => {
  const home = freshHome("e2e-story");
  const store = path.join(home, "datasets", "story.zarr");
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;

  async function runJob(type: string, payload: unknown): Promise<Record<string, unknown>> {
    const job = await server.api.jobs.submit.mutate({ type, payload });
    const done = await waitUntil(
      async () => {
        const j = await server.api.jobs.get.query({ id: job.id });
        return ["completed", "failed", "cancelled"].includes(j.state) ? j : null;
      },
      `${type} job`,
      300_000,
      500,
    );
    expect(done.error ?? null).toBeNull();
    expect(done.state).toBe("completed");
    return done.result as Record<string, unknown>;
  }

  const common = [
    ...tinyDataOverrides(store),
    "training.max_steps=6",
    "training.val_every_n_steps=3",
    "training.multistep_input=1",
    "diagnostics.log.every_n_steps=1",
    "diagnostics.checkpoint.every_n_steps=3",
    "dataloader.batch_size.training=2",
    "dataloader.training.start=2020-01-01",
    "dataloader.training.end=2020-01-08",
    "dataloader.validation.start=2020-01-09",
    "dataloader.validation.end=2020-01-10",
    "diagnostics.tracker.experiment=story",
  ];
  const gnn = ["model=gnn", ...TINY_GNN_OVERRIDES];
  const forecastSettings = { dataset: store, init: "2020-01-11:2020-01-17", initStep: "12h" };
  const ids = { runA: "", runB: "", fcA: "", fcB: "", pers: "", datasetId: "" };

  beforeAll(async () => {
    const recipe = await loadRecipe(tinyRecipe({ name: "story", seed: 11, lastDay: 20 }));
    await createDataset(recipe, store);
    server = await startServer({ ISOBAR_HOME: home, DATABASE_URL: "" });
    browser = await launchBrowser();
    ids.datasetId = (await server.api.datasets.register.mutate({ path: store })).id;
    ids.runA = String((await runJob("training.run", { overrides: [...common, ...gnn, "diagnostics.tracker.run_name=story-gnn"] })).runId);
    ids.runB = String((await runJob("training.run", { overrides: [...common, "model=mlp", "diagnostics.tracker.run_name=story-mlp"] })).runId);
    const story = await server.api.training.forecasts.query({ runIds: [ids.runA, ids.runB] });
    const final = (i: number) => story.runs[i].checkpoints.find((c) => c.kind === "final")!.id;
    ids.fcA = String((await runJob("inference.run", { checkpoint: final(0), ...forecastSettings, lead: "12h:48h:12h", name: "story-gnn" })).forecastId);
    ids.fcB = String((await runJob("inference.run", { checkpoint: final(1), ...forecastSettings, lead: "12h:48h:12h", name: "story-mlp" })).forecastId);
    ids.pers = String((await runJob("forecasts.baseline", { kind: "persistence", ...forecastSettings, leads: "12h:48h:12h", leadStep: "12h", name: "story-persistence" })).forecastId);
    for (const f of [ids.fcA, ids.fcB, ids.pers]) await runJob("verification.score", { forecast: f, truth: store, regions: ["global", "tropics"] });
  }, 900_000);
  afterAll(async () => {
    await browser?.close();
    await server?.proc.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it("run page: checkpoints, forecasts with map links, score curves against persistence, scorecard, reproduce", { timeout: 300_000 }, async () => {
    const page = await browser.browser.newPage({ viewport: { width: 1400, height: 1100 } });
    const errors = trackPageErrors(page);
    await page.goto(`${server.url}/runs/${ids.runA}`);
    await page.waitForSelector('[data-testid="run-checkpoints"]');
    const losses = (await server.api.tracking.metricHistory.query({ runIds: [ids.runA], key: "train_mse_loss_step" })).series[0];
    expect(Number(await page.getAttribute('[data-testid="run-final-loss"]', "data-value"))).toBe(losses.values.at(-1));
    // checkpoint every 3 of 6 steps: a periodic one at 3, the final at 6
    const cps = await page.locator('[data-testid="checkpoint-row"]').evaluateAll((rows) => rows.map((r) => [r.getAttribute("data-step"), r.getAttribute("data-kind")]));
    expect(cps).toEqual([
      ["3", "periodic"],
      ["6", "final"],
    ]);
    // Graph model: each checkpoint links to its graph on the map (lib/maps/map-url graphMapUrl).
    const graphLinks = await page.locator('[data-testid="checkpoint-row"] [data-testid="checkpoint-graph-link"]').evaluateAll((as) => as.map((a) => new URL(a.getAttribute("href")!, location.href)).map((u) => [u.pathname, u.searchParams.get("graph")]));
    const story = await server.api.training.forecasts.query({ runIds: [ids.runA] });
    expect(graphLinks).toEqual(story.runs[0].checkpoints.map((c) => ["/maps", c.id]));
    const row = page.locator(`[data-testid="forecast-row"][data-forecast-id="${ids.fcA}"]`);
    await row.waitFor();
    expect(await page.locator('[data-testid="forecast-row"]').count()).toBe(1);
    // 2020-01-11 00:00 … 2020-01-17 12:00 every 12 h (a date as the range's end covers that whole day)
    expect(await row.locator('[data-testid="forecast-init-times"]').textContent()).toBe("14");
    const mapHref = new URL((await row.locator('[data-testid="forecast-map-link"]').getAttribute("href"))!, server.url);
    expect(mapHref.pathname).toBe("/maps");
    expect(mapHref.searchParams.get("forecast")).toBe(ids.fcA);
    expect(mapHref.searchParams.get("truth")).toBe(ids.datasetId);
    expect(mapHref.searchParams.get("init")).toBe("2020-01-11T00:00:00Z");
    expect(mapHref.searchParams.get("panels")).toBe("a,truth,err");

    // Score curves: this run's forecast and persistence (the default reference), values per lead.
    await page.waitForSelector('[data-testid="run-score-curves"] [data-testid="score-chart"] canvas', { timeout: 60_000 });
    const table = page.locator('[data-testid="run-score-table"]');
    await table.waitFor();
    const values = async (forecastId: string) =>
      table.locator(`tr[data-forecast-id="${forecastId}"] [data-testid="score-value"]`).evaluateAll((cells) => cells.map((c) => [Number(c.getAttribute("data-lead")), Number(c.getAttribute("data-value"))]));
    const pers = await values(ids.pers);
    const model = await values(ids.fcA);
    expect(pers.map(([h]) => h)).toEqual([12, 24, 36, 48]);
    expect(model.map(([h]) => h)).toEqual([12, 24, 36, 48]);
    // persistence error grows with lead time on an evolving field
    expect(pers[3][1]).toBeGreaterThan(pers[0][1]);
    expect(pers.every(([, v]) => v > 0) && model.every(([, v]) => v > 0)).toBe(true);
    expect(await page.locator('[data-testid="curve-variable"]').inputValue()).toBe("t|850");

    // The scorecard against persistence: the same numbers through the scorecard's own code path.
    const card = page.locator('[data-testid="run-scorecard"]');
    await card.locator('[data-testid="scorecard-ecmwf"]').waitFor();
    const cell = card.locator('[data-cell="global|rmse|t|850|24"]');
    expect(Number(await cell.getAttribute("data-experiment"))).toBeCloseTo(model[1][1], 6);
    expect(Number(await cell.getAttribute("data-reference"))).toBeCloseTo(pers[1][1], 6);
    expect(Number(await cell.getAttribute("data-n"))).toBe(14);
    // 2 regions × 2 variables × days 1 and 2
    expect(await card.locator('[data-testid="scorecard-cell"]').count()).toBe(8);
    const counts = await Promise.all(["better", "worse", "neutral"].map(async (v) => Number(await card.locator(`[data-testid="scorecard-${v}"]`).textContent())));
    expect(counts.reduce((a, b) => a + b, 0)).toBe(8);
    await cell.click();
    await page.waitForSelector('[data-testid="run-scorecard-cell-detail"] [data-testid="score-diff-chart"] canvas');
    await page.locator('[data-testid="lineage-panel"]').waitFor();
    expect(await page.textContent('[data-testid="lineage-panel"]')).toContain("dataset story");
    await page.locator('[data-testid="run-checkpoints"]').scrollIntoViewIfNeeded();
    await saveScreenshot(page, "run-story");

    // Reproduce: a new training.run job for the same config, dataset and seed.
    await page.locator('[data-testid="run-reproduce"] button').click();
    const jobLink = page.locator('[data-testid="run-reproduce-job"] a');
    await jobLink.waitFor();
    const jobId = (await jobLink.getAttribute("href"))!.replace("/jobs/", "");
    const job = await server.api.jobs.get.query({ id: jobId });
    expect(job.type).toBe("training.run");
    expect((job.payload as { reproduces: string }).reproduces).toBe(ids.runA);
    await server.api.jobs.cancel.mutate({ id: jobId }); // its result is covered by tests/integration/reproduce.test.ts

    // The MLP run's checkpoints hold no graph: no map link, a note instead.
    await page.goto(`${server.url}/runs/${ids.runB}`);
    await page.waitForSelector('[data-testid="run-checkpoints"]');
    expect(await page.locator('[data-testid="checkpoint-graph-link"]').count()).toBe(0);
    expect(await page.locator('[data-testid="checkpoint-row"]').first().textContent()).toContain("none (per-point model)");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("compare page: score curves per variable, scorecard B vs A, synchronised maps link", { timeout: 300_000 }, async () => {
    const page = await browser.browser.newPage({ viewport: { width: 1400, height: 1100 } });
    const errors = trackPageErrors(page);
    await page.goto(`${server.url}/compare?runs=${ids.runA},${ids.runB}`);
    const charts = page.locator('[data-testid="compare-score-chart"]');
    await page.waitForSelector('[data-testid="compare-score-chart"] canvas', { timeout: 60_000 });
    expect(await charts.evaluateAll((els) => els.map((e) => e.getAttribute("data-variable")))).toEqual(["t850", "z500"]);
    // each chart's table has both runs' forecasts and persistence
    const rows = await page.locator('[data-testid="compare-score-table"]').first().locator("tbody tr").evaluateAll((trs) => trs.map((t) => t.getAttribute("data-forecast-id")));
    expect(rows).toEqual([ids.fcA, ids.fcB, ids.pers]);

    const card = page.locator('[data-testid="compare-scorecard"]');
    await card.locator('[data-testid="scorecard-ecmwf"]').waitFor();
    expect(await card.locator('[data-testid="scorecard-ecmwf"] text').first().textContent()).toBe("story-mlp vs story-gnn");
    expect(await card.locator('[data-testid="scorecard-cell"]').count()).toBe(8);
    const z = page.locator('[data-testid="compare-score-chart"][data-variable="z500"] [data-testid="score-value"]');
    const zA = await z.evaluateAll((cells) => cells.filter((c) => c.closest("tr")?.getAttribute("data-forecast-id") !== null).map((c) => [c.closest("tr")!.getAttribute("data-forecast-id"), Number(c.getAttribute("data-lead")), Number(c.getAttribute("data-value"))]));
    const at = (f: string, h: number) => zA.find(([id, lead]) => id === f && lead === h)![2] as number;
    const zCell = card.locator('[data-cell="global|rmse|z|500|48"]');
    expect(Number(await zCell.getAttribute("data-experiment"))).toBeCloseTo(at(ids.fcB, 48), 6);
    expect(Number(await zCell.getAttribute("data-reference"))).toBeCloseTo(at(ids.fcA, 48), 6);

    const maps = new URL((await page.locator('[data-testid="compare-maps-link"]').getAttribute("href"))!, server.url);
    expect(maps.pathname).toBe("/maps");
    expect([maps.searchParams.get("forecast"), maps.searchParams.get("forecastB"), maps.searchParams.get("panels")]).toEqual([ids.fcA, ids.fcB, "a,b,a-b"]);
    await page.locator('[data-testid="compare-score-curves"]').scrollIntoViewIfNeeded();
    await saveScreenshot(page, "compare-verification");
    expect(errors).toEqual([]);
    await page.close();
  });
});
