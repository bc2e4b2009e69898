import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDataset, loadRecipe } from "@/lib/datasets";
import { scorecardCellMapUrl } from "@/lib/maps/map-url";
import { launchBrowser, saveScreenshot, trackPageErrors } from "../support/browser";
import { freshHome, startServer, waitUntil } from "../support/isobar-process";

describe("Scorecards in Chromium with real data from the jobs", () => {
  const home = freshHome("e2e-scorecards");
  const store = path.join(home, "datasets", "truth.zarr");
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;

  async function runJob(type: string, payload: unknown): Promise<Record<string, unknown>> {
    const job = await server.api.jobs.submit.mutate({ type, payload });
    const done = await waitUntil(async () => {
      const j = await server.api.jobs.get.query({ id: job.id });
      return ["completed", "failed", "cancelled"].includes(j.state) ? j : null;
    }, `${type} job`, 240_000, 500);
    expect(done.error ?? null).toBeNull();
    expect(done.state).toBe("completed");
    return done.result as Record<string, unknown>;
  }

  beforeAll(async () => {
    const recipe = await loadRecipe(`
name: truth
dates: {start: 2019-11-01T00:00:00, end: 2021-01-25T00:00:00, frequency: 24h}
input: {synthetic: {seed: 5, variables: [z_500, t_850, 10u, 10v], degree: 12}}
output: {grid: "22.5"}
`);
    await createDataset(recipe, store);
    server = await startServer({ ISOBAR_HOME: home, DATABASE_URL: "" });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.proc.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it("baseline and score jobs feed both scorecard layouts; hover shows numbers; a click opens the chart", async () => {
    const common = { dataset: store, init: "2021-01-01:2021-01-15", initStep: "24h", leads: "10d" };
    const pers = await runJob("forecasts.baseline", { kind: "persistence", ...common });
    const clim = await runJob("forecasts.baseline", { kind: "climatology", ...common, period: "2019-11-01:2020-12-31", windowDays: 31 });
    const regions = ["global", "northern-hemisphere", "tropics"];
    await runJob("verification.score", { forecast: pers.forecastId, truth: store, climatology: clim.climatologyPath, regions });
    await runJob("verification.score", { forecast: clim.forecastId, truth: store, climatology: clim.climatologyPath, regions });

    const page = await browser.browser.newPage({ viewport: { width: 1280, height: 1000 } });
    const errors = trackPageErrors(page);
    await page.goto(`${server.url}/forecasts`);
    await page.waitForSelector('[data-testid="forecasts-table"]');
    expect(await page.textContent('[data-testid="forecasts-table"]')).toContain("persistence-truth");
    await saveScreenshot(page, "forecasts-list");

    await page.goto(`${server.url}/scorecards`);
    // defaults: reference = persistence, experiment = climatology
    const ecmwf = page.locator('[data-testid="scorecard-ecmwf"]');
    await ecmwf.waitFor();
    const symbols = await ecmwf.locator("[data-symbol]").count();
    expect(symbols).toBeGreaterThan(20);
    // climatology beats persistence at day 10 and loses at day 1 for z500 RMSE
    const d10 = ecmwf.locator('[data-cell="global|rmse|z|500|240"]');
    const d1 = ecmwf.locator('[data-cell="global|rmse|z|500|24"]');
    expect(await d10.getAttribute("data-verdict")).toBe("better");
    expect(await d1.getAttribute("data-verdict")).toBe("worse");
    expect(await d1.locator("[data-symbol]").getAttribute("data-symbol")).toMatch(/^down-(large|small)$/);
    await d10.hover();
    const tip = page.locator('[data-testid="scorecard-tooltip"]');
    await tip.waitFor();
    const tipText = (await tip.textContent()) ?? "";
    expect(tipText).toContain("global · rmse · z500 · day 10");
    expect(tipText).toMatch(/experiment [\d.]+ +reference [\d.]+/);
    expect(tipText).toMatch(/p = /);
    await saveScreenshot(page, "scorecard-ecmwf");

    await page.selectOption('[data-testid="scorecard-layout"]', "wb2");
    const wb2 = page.locator('[data-testid="scorecard-wb2"]');
    await wb2.waitFor();
    const cellText = await wb2.locator('[data-cell="global|rmse|z|500|24"] text').textContent();
    expect(Number(cellText)).toBeGreaterThan(0); // climatology is worse (positive %) at day 1
    await wb2.locator('[data-cell="global|rmse|z|500|240"]').hover();
    expect(await tip.textContent()).toContain("Δ");
    await saveScreenshot(page, "scorecard-wb2");

    await wb2.locator('[data-cell="global|rmse|z|500|120"]').click();
    await page.waitForSelector('[data-testid="score-chart"] .u-wrap, [data-testid="score-chart"] canvas', { timeout: 30_000 });
    expect(await page.textContent('[data-testid="score-chart"]')).toContain("rmse · z500 · global");
    await page.waitForSelector('[data-testid="score-diff-chart"] canvas');
    // The cell opens on the map: errors of the experiment (climatology) and the reference (persistence) at z500, day 5.
    expect(await page.getAttribute('[data-testid="scorecard-open-map"]', "href")).toBe(
      scorecardCellMapUrl({ experiment: String(clim.forecastId), reference: String(pers.forecastId), variable: "z", level: 500, leadHours: 120, region: "global", truth: store }),
    );
    await page.locator('[data-testid="score-chart"]').scrollIntoViewIfNeeded();
    await saveScreenshot(page, "scorecard-row-chart");

    await page.goto(`${server.url}/scores`);
    await page.waitForSelector('[data-testid="score-chart"] canvas');
    await saveScreenshot(page, "scores-curves");
    expect(errors).toEqual([]);
    await page.close();
  });
});
