import fs from "node:fs";
import path from "node:path";
import { createTRPCClient, httpLink } from "@trpc/client";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppRouter } from "@/server/trpc/router";
import { decodePng, launchBrowser, saveScreenshot, trackPageErrors } from "../support/browser";
import { freshHome, startIsobar, waitUntil, type IsobarProcess } from "../support/isobar-process";
import { waitReady } from "../support/maps-pixels";

/**
 * The main job end to end: `isobar demo --quick` on a fresh ISOBAR_HOME builds a dataset, trains
 * two models, makes forecasts and baselines and scores them, all through jobs, while the dashboard
 * already answers; then Chromium walks home → run → compare → scorecard cell → map, checking at
 * each step numbers that the pipeline produced (read back through the API, not hard-coded).
 *
 * With ISOBAR_README_SCREENSHOTS=1 the screenshots also go to docs/screenshots/ for the README.
 */
const README_SHOTS = process.env.ISOBAR_README_SCREENSHOTS === "1" ? path.resolve("docs/screenshots") : null;

/**
 * How many distinct colours (quantised to 4 bits per channel) a map panel shows: a panel with a
 * field on it has many, an empty or failed one (background, coastlines, graticule) a handful.
 */
async function dataPixels(page: Page, panel: number): Promise<number> {
  const png = decodePng(await page.locator(`[data-testid="map-panel-${panel}"]`).screenshot());
  const colours = new Set<number>();
  for (let y = 0; y < png.height; y += 3) {
    for (let x = 0; x < png.width; x += 3) {
      const i = (y * png.width + x) * 4;
      colours.add(((png.data[i] >> 4) << 8) | ((png.data[i + 1] >> 4) << 4) | (png.data[i + 2] >> 4));
    }
  }
  return colours.size;
}

describe("isobar demo --quick, then the dashboard in Chromium", () => {
  const home = freshHome("e2e-demo");
  let demo: IsobarProcess;
  let url = "";
  let api: ReturnType<typeof createTRPCClient<AppRouter>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let errors: string[] = [];

  async function shot(name: string) {
    await saveScreenshot(page, `demo-${name}`);
    if (README_SHOTS) {
      // the README shows what a user sees first: the viewport, not the whole scrolled page
      fs.mkdirSync(README_SHOTS, { recursive: true });
      await page.screenshot({ path: path.join(README_SHOTS, `${name}.png`), fullPage: false });
    }
  }

  beforeAll(async () => {
    demo = startIsobar(["demo", "--quick", "--port", "0"], { ISOBAR_HOME: home, DATABASE_URL: "" });
    [, url] = await demo.waitFor(/Isobar is running at (http:\/\/\S+)/, 240_000);
    api = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${url}/api/trpc` })] });
    browser = await launchBrowser();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it("answers while a model trains: a run is RUNNING and its loss curve grows", async () => {
    const running = await waitUntil(
      async () => {
        const found = await api.tracking.runs.query({ filter: "attributes.status = 'RUNNING'" });
        return found.runs.find((r) => r.runName.startsWith("demo-")) ?? null;
      },
      "a demo run to be training",
      600_000,
      1000,
    );
    const points = async () => (await api.tracking.metricHistory.query({ runIds: [running.runId], key: "train_mse_loss_step" })).series[0].totalPoints;
    const first = await waitUntil(async () => (await points()) || null, "a first logged loss", 300_000, 1000);
    await waitUntil(async () => ((await points()) > first ? true : null), "the loss curve to grow while training", 300_000, 1000);
  }, 900_000);

  it("finishes the pipeline: two runs, five scored forecasts", async () => {
    await demo.waitFor(/Demo ready in [\d.]+ min: 2 runs, 5 scored forecasts/, 1_500_000);
    const summary = await api.overview.summary.query();
    expect(summary.counts.datasets).toBe(1);
    expect(summary.counts.runs).toBe(2);
    expect(summary.counts.scoredForecasts).toBe(5);
    expect(summary.scorecards.map((c) => c.why)).toEqual(["model vs persistence", "model vs persistence", "model B vs model A"]);
  }, 1_600_000);

  it("home shows the runs and the forecasts' scores the pipeline computed", async () => {
    page = await browser.browser.newPage({ viewport: { width: 1360, height: 1000 } });
    errors = trackPageErrors(page);
    await page.goto(url);
    await page.waitForSelector('[data-testid="overview-forecasts"] [data-testid="overview-forecast"]');
    const summary = await api.overview.summary.query();
    expect(await page.locator('[data-testid="overview-run"]').count()).toBe(2);
    expect(await page.locator('[data-testid="overview-forecast"]').count()).toBe(5);
    // the persistence RMSE of z500 at 24 h, as the scores API computes it, is what home shows
    const persistence = summary.forecasts.find((f) => f.kind === "persistence")!;
    const curves = await api.verification.curves.query({ scoreRunIds: [persistence.scoreRunId], score: "rmse", variable: "z", level: 500, region: "global" });
    const rmse24 = curves.series[0].points.find((p) => p.leadHours === 24)!.value!;
    const rmse72 = curves.series[0].points.find((p) => p.leadHours === 72)!.value!;
    expect(rmse24).toBeGreaterThan(0);
    expect(rmse72).toBeGreaterThan(rmse24); // persistence error grows with lead time
    const cell = page.locator(`[data-testid="overview-forecast"][data-forecast-id="${persistence.forecastId}"] [data-testid="overview-rmse-z500@24h"]`);
    expect(Number(await cell.textContent())).toBeCloseTo(Number(rmse24.toPrecision(3)), 6);
    await shot("overview");
  });

  it("run page: the GNN run's curve, its forecasts and their scores against persistence, then its forecast on the map", async () => {
    await page.goto(url);
    await page.locator('[data-testid="overview-run"] a', { hasText: "demo-gnn-quick" }).click();
    await page.waitForSelector('[data-testid="run-title"]');
    expect(await page.textContent('[data-testid="run-title"]')).toContain("demo-gnn-quick");
    await page.waitForSelector('[data-testid="metric-chart"][data-key="train_mse_loss_step"] canvas');
    // the forecasts made from this run: the deterministic one and the 4-member ensemble
    await page.locator('[data-testid="forecast-row"]').first().waitFor();
    expect(await page.locator('[data-testid="forecast-row"]').count()).toBe(2);
    const table = page.locator('[data-testid="run-score-table"]');
    await table.waitFor();
    const summary = await api.overview.summary.query();
    const gnn = summary.forecasts.find((f) => f.name === "demo-gnn-quick")!;
    const shown = await table.locator(`tr[data-forecast-id="${gnn.forecastId}"] [data-testid="score-value"]`).evaluateAll((cells) => cells.map((c) => [Number(c.getAttribute("data-lead")), Number(c.getAttribute("data-value"))]));
    expect(shown.length).toBeGreaterThan(3);
    // the same numbers as the scores API gives for the variable the page shows
    const [variable, level] = (await page.locator('[data-testid="curve-variable"]').inputValue()).split("|");
    const curves = await api.verification.curves.query({ scoreRunIds: [gnn.scoreRunId], score: "rmse", variable, level: Number(level), region: "global" });
    for (const [lead, value] of shown) expect(value).toBeCloseTo(curves.series[0].points.find((p) => p.leadHours === lead)!.value!, 6);
    await page.locator('[data-testid="run-scorecard"] [data-testid="scorecard-ecmwf"]').waitFor();
    await shot("run");

    // its forecast on the map: forecast | truth | error, every panel drawn with data
    const row = page.locator(`[data-testid="forecast-row"][data-forecast-id="${gnn.forecastId}"]`);
    await row.locator('[data-testid="forecast-map-link"]').click();
    await waitReady(page, 3);
    for (let i = 0; i < 3; i++) expect(await dataPixels(page, i)).toBeGreaterThan(12);
    await shot("map-triplet");
  });

  it("compare page: the config differs in the model; score curves and the scorecard MLP vs GNN", async () => {
    const summary = await api.overview.summary.query();
    const ids = [...summary.runs].reverse().map((r) => r.id); // oldest first: GNN (A), MLP (B)
    await page.goto(`${url}/compare?runs=${ids.join(",")}`);
    await page.waitForSelector('[data-testid="config-diff"] [data-testid="diff-leaf"]');
    const changed = await page.locator('[data-testid="config-diff"] [data-testid="diff-leaf"]').evaluateAll((els) => els.map((e) => e.getAttribute("data-path") ?? ""));
    expect(changed.some((p) => p.startsWith("model."))).toBe(true);
    await page.waitForSelector('[data-testid="compare-score-chart"] canvas', { timeout: 60_000 });
    const card = page.locator('[data-testid="compare-scorecard"]');
    await card.locator('[data-testid="scorecard-ecmwf"]').waitFor();
    expect(await card.locator('[data-testid="scorecard-ecmwf"] text').first().textContent()).toBe("demo-mlp-quick vs demo-gnn-quick");
    expect(await card.locator('[data-testid="scorecard-cell"]').count()).toBeGreaterThan(5);
    await shot("compare");
  });

  it("scorecard: GNN vs persistence from home, a cell's numbers on hover, its chart on click", async () => {
    await page.goto(url);
    await page.locator('[data-testid="overview-scorecard-link"]').first().click();
    const ecmwf = page.locator('[data-testid="scorecard-ecmwf"]');
    await ecmwf.waitFor();
    const cell = ecmwf.locator('[data-cell="global|rmse|z|500|24"]');
    await cell.hover();
    const tip = (await page.locator('[data-testid="scorecard-tooltip"]').textContent()) ?? "";
    expect(tip).toMatch(/experiment [\d.]+ +reference [\d.]+/);
    const { exp, ref } = Object.fromEntries(new URL(page.url()).searchParams) as { exp: string; ref: string };
    const card = await api.verification.scorecard.query({ experimentScoreRunId: exp, referenceScoreRunId: ref });
    const row = card.rows.find((r) => r.region === "global" && r.score === "rmse" && r.variable === "z" && r.level === 500)!;
    const c24 = row.cells.find((c) => c.leadHours === 24)!;
    expect(await cell.getAttribute("data-verdict")).toBe(c24.verdict);
    await cell.click();
    await page.waitForSelector('[data-testid="score-chart"]');
    await shot("scorecard");
    // the cell on the map: the error of the GNN and of persistence at z500, day 1, side by side
    await page.click('[data-testid="scorecard-open-map"]');
    await waitReady(page, 2);
    const state = new URL(page.url()).searchParams;
    expect([state.get("variable"), state.get("lead")]).toEqual(["z_500", "24"]);
    for (let i = 0; i < 2; i++) expect(await dataPixels(page, i)).toBeGreaterThan(12);
    await shot("map-scorecard-cell");
    expect(errors).toEqual([]);
  });

  it("Launch training: the form previews the config, explains a bad value, and queues a run that trains", async () => {
    await page.goto(`${url}/train`);
    await page.selectOption('[data-testid="launch-group-model"]', "mlp");
    await page.waitForFunction(() => /^ {2}name: mlp$/m.test(document.querySelector('[data-testid="launch-preview"]')?.textContent ?? ""));
    await page.fill('[data-testid="launch-field-training.lr"]', "fast");
    await page.waitForSelector('[data-testid="launch-error"]');
    expect(await page.textContent('[data-testid="launch-error"]')).toContain('training.lr: expected a number, got "fast"');
    expect(await page.isDisabled('[data-testid="launch-submit"]')).toBe(true);
    await page.fill('[data-testid="launch-field-training.lr"]', "1e-3");
    const datasetPath = (await api.datasets.list.query())[0].path;
    await page.selectOption('[data-testid="launch-dataset"]', datasetPath);
    await page.fill('[data-testid="launch-field-diagnostics.tracker.run_name"]', "mlp-from-form");
    await page.fill('[data-testid="launch-field-training.max_steps"]', "3");
    await page.fill(
      '[data-testid="launch-extra"]',
      [
        "data.variables.prognostic=[z_500,t_850]",
        "data.variables.forcing=[cos_latitude,sin_latitude]",
        "data.variables.diagnostic=[]",
        "model.num_channels=16",
        "dataloader.training.start=2018-01-01",
        "dataloader.training.end=2018-02-28",
        "dataloader.validation.start=2018-03-01",
        "dataloader.validation.end=2018-03-05",
      ].join("\n"),
    );
    await page.waitForFunction(() => (document.querySelector('[data-testid="launch-preview"]')?.textContent ?? "").includes("mlp-from-form"));
    await shot("launch-training");
    await page.click('[data-testid="launch-submit"]');
    const link = page.locator('[data-testid="launch-result"] a[href^="/jobs/"]');
    await link.waitFor();
    const jobId = ((await link.getAttribute("href")) ?? "").split("/").pop()!;
    const job = await waitUntil(
      async () => {
        const j = await api.jobs.get.query({ id: jobId });
        return ["completed", "failed", "cancelled"].includes(j.state) ? j : null;
      },
      "the launched training job",
      600_000,
      1000,
    );
    expect(job.error ?? null).toBeNull();
    expect(job.state).toBe("completed");
    const found = await api.tracking.runs.query({ filter: "attributes.run_name = 'mlp-from-form'", metricKeys: ["train_mse_loss_step"] });
    expect(found.runs).toHaveLength(1);
    expect(found.runs[0].status).toBe("FINISHED");
    expect(Number(found.runs[0].metrics.train_mse_loss_step)).toBeGreaterThan(0);
    await page.goto(`${url}/jobs`);
    await page.locator(`a[href="/jobs/${jobId}"]`).first().waitFor();
    await shot("jobs");
    expect(errors).toEqual([]);
  }, 700_000);
});
