import fs from "node:fs";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { PNG } from "pngjs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { flattenParams, paramBatches, configArtifactJson } from "@/lib/config/flatten";
import { fsSource } from "@/lib/config/fs-source";
import { loadConfig } from "@/lib/config/load";
import { toPlain, type ConfigObject } from "@/lib/config/tree";
import { decodePng, launchBrowser, saveScreenshot, trackPageErrors } from "../support/browser";
import { freshHome, startServer } from "../support/isobar-process";
import { mlflowClient } from "../support/mlflow-client";

type Server = Awaited<ReturnType<typeof startServer>>;

export type SeededRun = { runId: string; name: string; lr: number };

/** A composed training config from the shipped config tree, with one override. */
function trainingConfig(lr: number): ConfigObject {
  const loaded = loadConfig({ source: fsSource(path.resolve("config")), entry: "train", overrides: [`training.lr=${lr}`], env: {} });
  return toPlain(loaded.tree) as ConfigObject;
}

const STEPS = 240;
const VAL_EVERY = 20;
const lossAt = (scale: number, step: number) => scale * (0.05 + 2 * Math.exp(-step / 40)) + 0.01 * Math.sin(step / 3);
const VAL_KEYS = ["val_mse_metric/sfc_2t/1", "val_mse_metric/sfc_2t/2", "val_mse_metric/pl_z_500/1", "val_mse_metric/pl_z_500/2"];

/**
 * Log runs the way anemoi-training's MLflow logger does: experiment by name, run with tags,
 * params in chunks of 100 (the flattened config), one log-batch per step, a config.json artifact
 * uploaded through the artifact proxy, then the run ended.
 */
export async function seedTrackingData(baseUrl: string, experimentName: string): Promise<{ experimentId: string; runs: SeededRun[] }> {
  const api = mlflowClient(baseUrl);
  const ok = (r: { status: number; text: string }, what: string) => {
    if (r.status !== 200) throw new Error(`${what}: HTTP ${r.status} ${r.text}`);
  };
  let got = await api.get("experiments/get-by-name", { experiment_name: experimentName });
  let experimentId: string;
  if (got.status === 404) {
    const created = await api.post("experiments/create", { name: experimentName });
    ok(created, "experiments/create");
    experimentId = String(created.body.experiment_id);
  } else {
    ok(got, "experiments/get-by-name");
    experimentId = String((got.body.experiment as { experiment_id: string }).experiment_id);
  }
  got = await api.get("experiments/get", { experiment_id: experimentId });
  ok(got, "experiments/get");

  const specs = [
    { name: "baseline-gnn", lr: 6.25e-5, status: "FINISHED", scale: 1 },
    { name: "lr-3e-4", lr: 3e-4, status: "FINISHED", scale: 0.8 },
    { name: "lr-1e-3-diverged", lr: 1e-3, status: "FAILED", scale: 1.4 },
  ];
  const t0 = Date.UTC(2025, 0, 15, 8, 0, 0);
  const runs: SeededRun[] = [];
  for (const [i, spec] of specs.entries()) {
    const start = t0 + i * 3_600_000;
    const created = await api.post("runs/create", {
      experiment_id: experimentId,
      run_name: spec.name,
      start_time: start,
      tags: [
        { key: "mlflow.user", value: "forecaster" },
        { key: "mlflow.source.name", value: "anemoi-training" },
        { key: "mlflow.source.type", value: "LOCAL" },
        { key: "mlflow.source.git.commit", value: "3f2a9c1" },
      ],
    });
    ok(created, "runs/create");
    const runId = (created.body.run as { info: { run_id: string } }).info.run_id;
    const config = trainingConfig(spec.lr);
    for (const batch of paramBatches(flattenParams(config).params)) {
      ok(await api.post("runs/log-batch", { run_id: runId, params: batch }), "log-batch params");
    }
    for (let step = 0; step < STEPS; step++) {
      const ts = start + step * 1500;
      const loss = lossAt(spec.scale, step);
      const metrics = [
        { key: "train_mse_loss_step", value: loss, timestamp: ts, step },
        { key: "lr-AdamW", value: spec.lr * Math.min(1, (step + 1) / 50), timestamp: ts, step },
      ];
      if (step % VAL_EVERY === VAL_EVERY - 1) {
        VAL_KEYS.forEach((key, k) => metrics.push({ key, value: loss * (1 + 0.3 * k), timestamp: ts, step }));
        metrics.push({ key: "val_mse_loss_epoch", value: loss * 1.1, timestamp: ts, step });
      }
      ok(await api.post("runs/log-batch", { run_id: runId, metrics }), "log-batch metrics");
    }
    const put = async (rel: string, body: string | Buffer, type: string) => {
      const res = await fetch(`${baseUrl}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/${rel}`, {
        method: "PUT",
        headers: { "content-type": type },
        body: new Uint8Array(body instanceof Buffer ? body : Buffer.from(body)),
      });
      if (res.status !== 200) throw new Error(`PUT ${rel}: HTTP ${res.status} ${await res.text()}`);
    };
    await put("config.json", configArtifactJson(config), "application/json");
    await put("logs/train.log", `epoch 0 step 0 loss ${spec.scale}\nepoch 0 step ${STEPS - 1} done\n`, "text/plain");
    const png = new PNG({ width: 32, height: 16 });
    for (let p = 0; p < 32 * 16; p++) png.data.set([i * 100, 80, 200, 255], p * 4);
    await put("plots/loss.png", PNG.sync.write(png), "image/png");
    ok(await api.post("runs/update", { run_id: runId, status: spec.status, end_time: start + STEPS * 1500 }), "runs/update");
    runs.push({ runId, name: spec.name, lr: spec.lr });
  }
  return { experimentId, runs };
}

/** Count pixels of an element screenshot that differ clearly from white (drawn lines). */
function drawnPixels(shot: PNG): number {
  let n = 0;
  for (let i = 0; i < shot.data.length; i += 4) {
    const [r, g, b] = [shot.data[i], shot.data[i + 1], shot.data[i + 2]];
    if (Math.max(Math.abs(r - g), Math.abs(g - b), Math.abs(r - b)) > 60) n++; // coloured, not grey axis/text
  }
  return n;
}

async function trackingScenario(server: Server, browser: Browser) {
  const { experimentId, runs } = await seedTrackingData(server.url, "e2e-anemoi");
  const [baseline, lr3, diverged] = runs;
  const page: Page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = trackPageErrors(page);

  // The Runs link in the navigation opens the runs page with the default columns.
  await page.goto(server.url);
  await page.click("nav[aria-label=Main] >> text=Runs");
  await page.waitForURL(/\/runs$/);
  await expect.poll(() => page.locator('[data-testid="run-row"]').count(), { timeout: 30_000 }).toBe(3);

  // Runs page: experiment in the sidebar, the three runs, a metric column with its value.
  await page.goto(`${server.url}/runs?experiment=${experimentId}&cols=m:train_mse_loss_step,p:training.lr`);
  await page.locator(`[data-testid="experiment-item"][data-experiment-id="${experimentId}"]`).waitFor();
  const rows = page.locator('[data-testid="runs-table"] [data-testid="run-row"]');
  await expect.poll(() => rows.count(), { timeout: 30_000 }).toBe(3);
  const baselineRow = page.locator(`[data-testid="run-row"][data-run-id="${baseline.runId}"]`);
  expect(await baselineRow.locator('[data-testid="run-name"]').textContent()).toBe("baseline-gnn");
  const lossCell = (await baselineRow.locator('[data-col="m:train_mse_loss_step"]').textContent()) ?? "";
  expect(Number(lossCell)).toBeCloseTo(lossAt(1, STEPS - 1), 5); // the last logged value
  expect(await baselineRow.locator('[data-col="p:training.lr"]').textContent()).toBe("0.0000625");
  expect(await page.locator(`[data-testid="run-row"][data-run-id="${diverged.runId}"] .badge`).textContent()).toBe("FAILED");
  await saveScreenshot(page, "tracking-runs");

  // Sorting by the metric column: descending puts the diverged run first.
  await page.click('[data-testid="sort-m:train_mse_loss_step"]');
  await page.waitForURL(/sort=m%3Atrain_mse_loss_step%3Aasc/);
  await expect.poll(async () => rows.first().getAttribute("data-run-id")).toBe(lr3.runId);
  await page.click('[data-testid="sort-m:train_mse_loss_step"]');
  await page.waitForURL(/sort=m%3Atrain_mse_loss_step%3Adesc/);
  await expect.poll(async () => rows.first().getAttribute("data-run-id")).toBe(diverged.runId);

  // The filter box uses MLflow's grammar; a bad filter shows the parser's message inline.
  const filter = page.locator('[data-testid="runs-filter"]');
  await filter.fill("params.`training.lr` = '0.0003'");
  await filter.press("Enter");
  await page.waitForURL(/filter=/);
  await expect.poll(() => rows.count()).toBe(1);
  expect(await rows.first().getAttribute("data-run-id")).toBe(lr3.runId);
  await filter.fill("metrics.train_mse_loss_step >> 1");
  await filter.press("Enter");
  const filterError = page.locator('[data-testid="filter-error"]');
  await filterError.waitFor();
  expect(await filterError.textContent()).toContain("Invalid filter at column");
  await saveScreenshot(page, "tracking-runs-filter-error");
  await filter.fill("");
  await filter.press("Enter");
  await expect.poll(() => rows.count()).toBe(3);

  // Multi-select two runs and compare them.
  await page.locator(`[data-testid="run-row"][data-run-id="${baseline.runId}"] input[type=checkbox]`).check();
  await page.locator(`[data-testid="run-row"][data-run-id="${lr3.runId}"] input[type=checkbox]`).check();
  await page.click('[data-testid="compare-button"]');
  await page.waitForURL(/\/compare\?runs=/);
  expect(decodeURIComponent(new URL(page.url()).searchParams.get("runs") ?? "")).toBe(`${baseline.runId},${lr3.runId}`);

  // Compare page: config diff shows only the differing leaf, side by side.
  const diff = page.locator('[data-testid="config-diff"]');
  await diff.waitFor({ timeout: 30_000 });
  const leaves = diff.locator('[data-testid="diff-leaf"]');
  await expect.poll(() => leaves.count(), { timeout: 30_000 }).toBe(1);
  expect(await leaves.first().getAttribute("data-path")).toBe("training.lr");
  const leafText = (await leaves.first().textContent()) ?? "";
  expect(leafText).toContain("0.0000625");
  expect(leafText).toContain("0.0003");
  // Overlaid chart with one legend entry per run, drawn.
  const compareChart = page.locator('[data-testid="metric-chart"][data-key="train_mse_loss_step"]');
  await compareChart.locator('[data-drawn="true"]').waitFor({ timeout: 30_000 });
  expect(await compareChart.locator('[data-testid="legend-run"]').count()).toBe(2);
  expect(drawnPixels(decodePng(await compareChart.locator("canvas").first().screenshot()))).toBeGreaterThan(200);
  // Last/min/max table.
  const summaryRow = page.locator('[data-testid="metric-summary"] tr[data-key="train_mse_loss_step"]');
  await summaryRow.waitFor();
  expect(await summaryRow.locator("td").count()).toBeGreaterThanOrEqual(1 + 2 * 3);
  await saveScreenshot(page, "tracking-compare");
  // "only differences" off shows the equal leaves too (expanded on demand).
  await page.locator('[data-testid="diff-only-differences"]').uncheck();
  await page.waitForURL(/all=1/);
  await page.locator('[data-testid="diff-search"]').fill("optimizer");
  await expect.poll(() => leaves.count()).toBeGreaterThan(2);
  await saveScreenshot(page, "tracking-compare-all");

  // Run page: overview, params tree with search, metric charts drawn, artifacts, config.
  await page.goto(`${server.url}/runs/${baseline.runId}`);
  await page.locator('[data-testid="run-status"]').waitFor();
  expect(await page.textContent('[data-testid="run-title"]')).toContain("baseline-gnn");
  expect(await page.textContent('[data-testid="run-overview"]')).toContain("anemoi-training");
  const chart = page.locator('[data-testid="metric-chart"][data-key="train_mse_loss_step"]');
  await chart.locator('[data-drawn="true"]').waitFor({ timeout: 30_000 });
  expect(drawnPixels(decodePng(await chart.locator("canvas").first().screenshot()))).toBeGreaterThan(200);
  // Grouped sections: the anemoi matrix section for val_mse_metric.
  await page.locator('[data-testid="metric-section"][data-section="val_mse_metric"]').waitFor();
  const tree = page.locator('[data-testid="params-tree"]');
  await tree.locator('[data-path="training"]').waitFor();
  await page.locator('[data-testid="params-search"]').fill("lr_schedule");
  await tree.locator('[data-path="training.lr_schedule.warmup_steps"]').waitFor();
  expect(await tree.locator('[data-path="training.lr_schedule.warmup_steps"]').textContent()).toContain("1000");
  await saveScreenshot(page, "tracking-run");

  // Artifacts: folders and previews.
  await page.click('[data-testid="artifact-entry"][data-path="config.json"]');
  await page.locator('[data-testid="artifact-preview"][data-kind="json"]').waitFor();
  expect(await page.textContent('[data-testid="artifact-preview"]')).toContain('"training"');
  await page.click('[data-testid="artifact-entry"][data-path="plots"]');
  await page.click('[data-testid="artifact-entry"][data-path="plots/loss.png"]');
  const img = page.locator('[data-testid="artifact-preview"][data-kind="image"] img');
  await img.waitFor();
  await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).naturalWidth)).toBe(32);
  await page.locator('[data-testid="run-config"]').waitFor();
  expect(await page.textContent('[data-testid="run-config"]')).toContain("config.json");
  await saveScreenshot(page, "tracking-run-artifacts");

  // The deliberately bad filter is answered 400 by tracking.runs; nothing else may fail.
  // (Chromium also logs each 400 response as a console "Failed to load resource" line.)
  const expected400 = (e: string) => (e.startsWith("http 400") && e.includes("tracking.runs")) || e.includes("status of 400 (Bad Request)");
  expect(errors.filter((e) => !expected400(e))).toEqual([]);
  await page.close();
}

describe("tracking pages in Chromium", () => {
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  const home = freshHome("e2e-tracking");
  let server: Server;
  beforeAll(async () => {
    browser = await launchBrowser();
    server = await startServer({ ISOBAR_HOME: home, DATABASE_URL: "" });
  });
  afterAll(async () => {
    await server?.proc.stop();
    await browser?.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it("shows runs logged like anemoi-training: table, filter, run page, compare and config diff", async () => {
    await trackingScenario(server, browser.browser);
  });

  // uPlot's tick loop never ends on an empty or float-noise-narrow scale range: it froze the run
  // page for seconds per chart and threw "Invalid array length" (series.ts xRange / yExtent).
  it("draws charts of one-point metrics and metrics flat up to float32 noise, and the page stays responsive", async () => {
    const api = mlflowClient(server.url);
    const created = await api.post("experiments/create", { name: "e2e-flat-metrics" });
    expect(created.status).toBe(200);
    const run = await api.post("runs/create", { experiment_id: String(created.body.experiment_id), run_name: "short-run", start_time: Date.UTC(2025, 0, 1) });
    expect(run.status).toBe(200);
    const runId = (run.body.run as { info: { run_id: string } }).info.run_id;
    const f32 = (v: number) => Math.fround(v);
    const series: Record<string, number[]> = {
      val_loss_once: [], // one point, at step 2: the x range is [2, 2]
      grad_norm_clipped: [0, 1, 2, 3, 4, 5].map((i) => (i % 2 ? f32(1.0000002) : f32(0.9999998))), // 1 ± 2.4e-7
      counter_flat_big: [1e14, 1e14 + 0.015625, 1e14], // 16 digits: the spacing of doubles near 1e14 is 0.0156
      always_zero: [0, 0, 0, 0],
    };
    const metrics: { key: string; value: number; timestamp: number; step: number }[] = [{ key: "val_loss_once", value: 0.37, timestamp: Date.UTC(2025, 0, 1, 0, 1), step: 2 }];
    for (const [key, values] of Object.entries(series)) for (const [step, value] of values.entries()) metrics.push({ key, value, timestamp: Date.UTC(2025, 0, 1, 0, 0, step), step });
    expect((await api.post("runs/log-batch", { run_id: runId, metrics })).status).toBe(200);
    expect((await api.post("runs/update", { run_id: runId, status: "FINISHED", end_time: Date.UTC(2025, 0, 1, 0, 2) })).status).toBe(200);

    const page = await browser.browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors = trackPageErrors(page);
    await page.goto(`${server.url}/runs/${runId}`);
    for (const key of Object.keys(series)) {
      const card = page.locator(`[data-testid="metric-chart"][data-key="${key}"]`);
      await card.scrollIntoViewIfNeeded();
      await card.locator('[data-drawn="true"]').waitFor({ timeout: 30_000 });
      // A line across the plot, or for the one-point metric its marker (7 px across).
      expect(drawnPixels(decodePng(await card.locator("canvas").first().screenshot())), key).toBeGreaterThan(key === "val_loss_once" ? 20 : 200);
    }
    // All four drawn, none left waiting on a tick loop.
    expect(await page.evaluate(() => document.querySelectorAll('[data-testid="metric-chart"] [data-drawn="true"]').length)).toBe(4);
    await saveScreenshot(page, "tracking-flat-metrics");
    expect(errors).toEqual([]);
    await page.close();
  });
});
