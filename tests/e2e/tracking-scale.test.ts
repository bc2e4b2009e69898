import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatNumber } from "@/components/charts/series";
import { decodePng, launchBrowser, saveScreenshot, trackPageErrors } from "../support/browser";
import { freshHome, startServer } from "../support/isobar-process";
import { createTestDatabase } from "../support/postgres";
import { scrollFramesJs, seedTrackingScale, SPIKE_VALUE, zoomJs } from "../support/tracking-scale";

/**
 * The tracking pages with many runs and long histories (a smaller version of `npm run bench -- tracking-ui`):
 * the runs table keeps only a window of rows in the DOM, and the compare charts get downsampled series that
 * still contain each run's planted spike.
 */
const RUNS = 2000;
const HISTORY_RUNS = 3;
const POINTS = 20_000;

describe("tracking pages at scale in Chromium (PostgreSQL mode)", () => {
  const home = freshHome("e2e-tracking-scale");
  let pgdb: Awaited<ReturnType<typeof createTestDatabase>>;
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let seeded: Awaited<ReturnType<typeof seedTrackingScale>>;

  beforeAll(async () => {
    pgdb = await createTestDatabase("e2e_scale");
    server = await startServer({ ISOBAR_HOME: home, DATABASE_URL: pgdb.url });
    seeded = await seedTrackingScale(pgdb.url, { name: "scale", runs: RUNS, historyRuns: HISTORY_RUNS, points: POINTS });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.proc.stop();
    await pgdb?.drop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it("the runs table renders a window of rows and loads further pages while scrolling", async () => {
    const page = await browser.browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors = trackPageErrors(page);
    await page.goto(`${server.url}/runs?experiment=${seeded.experimentId}&cols=m:val_loss,p:lr`);
    const rows = page.locator('[data-testid="run-row"]');
    await rows.first().waitFor({ timeout: 60_000 });
    const count = page.locator('[data-testid="runs-count"]');
    await expect.poll(() => count.textContent(), { timeout: 30_000 }).toBe("500+ runs"); // one page of 500 loaded, more to come
    const atTop = await rows.count();
    expect(atTop).toBeGreaterThan(10);
    expect(atTop).toBeLessThan(100); // of the 500 loaded
    // Default order: start_time DESC, so the newest run (highest index) is first.
    expect(await rows.first().getAttribute("data-run-id")).toBe(seeded.runIds[RUNS - 1]);

    // Scroll down through about 1,200 rows: further pages load, the DOM still holds a window.
    await page.evaluate<number[]>(scrollFramesJs('[data-testid="runs-table"]', 400, 90));
    await expect.poll(async () => Number((await count.textContent())?.replace(/\D/g, "")), { timeout: 30_000 }).toBeGreaterThanOrEqual(1000);
    const after = await rows.count();
    expect(after).toBeLessThan(100);
    const ids = await rows.evaluateAll((els) => els.map((e) => e.getAttribute("data-run-id")!));
    const positions = ids.map((id) => RUNS - 1 - seeded.runIds.indexOf(id)); // position in the table
    expect(Math.min(...positions)).toBeGreaterThan(900);
    expect(positions.every((p) => p < RUNS)).toBe(true);
    await saveScreenshot(page, "tracking-scale-runs");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("compare charts get downsampled histories that keep each run's spike, and stay interactive", async () => {
    // The procedure the chart calls: at most ~2,000 points per run, extremes kept.
    const history = await server.api.tracking.metricHistory.query({ runIds: seeded.historyRunIds, key: "train_loss", targetPoints: 2000 });
    expect(history.series).toHaveLength(HISTORY_RUNS);
    history.series.forEach((s, i) => {
      expect(s.totalPoints).toBe(POINTS);
      expect(s.steps.length).toBeLessThanOrEqual(2000);
      expect(s.steps.length).toBeGreaterThan(1000);
      expect(s.values).toContain(SPIKE_VALUE(i));
      expect(s.steps[0]).toBe(0);
      expect(s.steps[s.steps.length - 1]).toBe(POINTS - 1);
    });

    const page = await browser.browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors = trackPageErrors(page);
    await page.goto(`${server.url}/compare?runs=${seeded.historyRunIds.map(encodeURIComponent).join(",")}`);
    const chart = page.locator('[data-testid="metric-chart"][data-key="train_loss"]');
    await chart.locator('[data-drawn="true"]').waitFor({ timeout: 60_000 });
    const meta = (await chart.locator(".meta").textContent()) ?? "";
    const m = /^([\d,]+) of ([\d,]+) points \(downsampled, extremes kept\)$/.exec(meta);
    expect(m, meta).not.toBeNull();
    const shown = Number(m![1].replace(/,/g, ""));
    expect(Number(m![2].replace(/,/g, ""))).toBe(HISTORY_RUNS * POINTS);
    expect(shown).toBeLessThanOrEqual(HISTORY_RUNS * 2000);
    expect(await chart.locator('[data-testid="legend-run"]').count()).toBe(HISTORY_RUNS);

    // Hover shows a value per run; drag-to-zoom redraws the canvas.
    await chart.scrollIntoViewIfNeeded();
    const over = chart.locator(".u-over");
    const box = (await over.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    // Every run shows its value at its own point nearest the cursor (runs keep different steps).
    const legendValues = () => chart.locator(".trk-legend-value").evaluateAll((els) => els.map((e) => e.textContent ?? ""));
    await expect.poll(async () => (await legendValues()).filter((v) => Number.isFinite(Number(v)) && v !== "").length).toBe(HISTORY_RUNS);
    const cursorStep = Number(await chart.locator(".trk-legend-x").textContent());
    const legend = await chart.locator('[data-testid="legend-run"]').evaluateAll((els) => els.map((e) => [e.querySelector("a")?.textContent ?? "", e.querySelector(".trk-legend-value")?.textContent ?? ""]));
    for (const [name, shown] of legend) {
      const s = history.series[seeded.historyRunIds.findIndex((id) => id.endsWith(name.replace("run-", "")))];
      // The shown value is that of a kept point next to the cursor's step (either side of it).
      const after = s.steps.findIndex((step) => step >= cursorStep);
      const near = [after - 1, after].filter((j) => j >= 0).map((j) => formatNumber(s.values[j]));
      expect(near, `${name} at step ${cursorStep}`).toContain(shown);
    }
    const canvas = chart.locator("canvas").first();
    const before = decodePng(await canvas.screenshot()).data;
    await page.evaluate(zoomJs('[data-testid="metric-chart"][data-key="train_loss"] .u-over', 1, false));
    await page.mouse.move(0, 0); // cursor away, so only the zoom differs
    const zoomed = decodePng(await canvas.screenshot()).data;
    expect(Buffer.compare(Buffer.from(before), Buffer.from(zoomed))).not.toBe(0);
    await saveScreenshot(page, "tracking-scale-compare-zoomed");
    expect(errors).toEqual([]);
    await page.close();
  });
});
