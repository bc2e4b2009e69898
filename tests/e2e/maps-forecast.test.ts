/**
 * Forecast maps in Chromium (SwiftShader) on a real forecast store: an analytic O48 dataset and
 * a persistence baseline written by lib/forecasts (registered in the server's database), plus a
 * second forecast store (truth + a known perturbation). Expected fields are read from the zarr
 * arrays with zarrita here and combined independently (error = forecast − truth at the valid
 * time); pixels are compared with the LUT colour of the CPU lookup of those values.
 */
import fs from "node:fs";
import path from "node:path";
import * as zarr from "zarrita";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDataset } from "@/lib/datasets";
import { openStore } from "@/lib/datasets/zarr-store";
import { ForecastWriter, openForecast, writePersistence } from "@/lib/forecasts";
import { parseGrid } from "@/lib/grids";
import { colourScale, colourScaleFor, DIFFERENCE_STYLE, finiteRange, forecastMapUrl, rowsMapGrid, toTextureOrder, unitConversion, variableStyle } from "@/lib/maps";
import { createAnalyticDataset, MAP_TEST_VARIABLES } from "@/lib/maps/test-fields";
import { readEnv } from "@/server/env";
import { openServices } from "@/server/services";
import { registerForecast } from "@/server/verification/forecasts";
import { decodePng, launchBrowser, saveScreenshot, trackPageErrors } from "../support/browser";
import { freshHome, startServer } from "../support/isobar-process";
import { comparePixels, waitAllReady as waitReady } from "../support/maps-pixels";

const H = 3600;
const T0 = Date.parse("2024-01-01T00:00:00Z") / 1000;
const VARS: string[] = MAP_TEST_VARIABLES.map((v) => v.name);
const GRID = "O48";

describe("forecast maps in Chromium (SwiftShader)", () => {
  const home = freshHome("e2e-maps-forecast");
  const truthPath = path.join(home, "truth.zarr");
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let persistenceId = "";
  let otherId = "";
  const grid = parseGrid(GRID);
  const mg = rowsMapGrid(grid);
  const P = grid.size;

  /** The truth's 2t at a valid time: data[(t − T0)/6 h, 2t, member 0, :] read with zarrita. */
  async function truthAt(valid: number): Promise<Float32Array> {
    const arr = await zarr.open.v2(zarr.root(openStore(truthPath)).resolve("data"), { kind: "array" });
    return (await zarr.get(arr, [(valid - T0) / (6 * H), VARS.indexOf("2t"), 0, null])).data as Float32Array;
  }
  /** data[i, l, v, 0, :] of a forecast store, read with zarrita. */
  async function forecastAt(store: string, i: number, l: number, v: number): Promise<Float32Array> {
    const arr = await zarr.open.v2(zarr.root(openStore(path.join(home, store))).resolve("data"), { kind: "array" });
    return (await zarr.get(arr, [i, l, v, 0, null])).data as Float32Array;
  }
  const minus = (a: Float32Array, b: Float32Array) => a.map((x, p) => Math.fround(x - b[p]));

  beforeAll(async () => {
    await createAnalyticDataset(truthPath, GRID, { start: "2024-01-01T00:00:00", end: "2024-01-02T00:00:00", frequency: "6h" });
    const truth = await openDataset(truthPath);
    await writePersistence(truth, path.join(home, "persistence.zarr"), { initTimes: [T0, T0 + 6 * H], leadTimesHours: [0, 6, 12, 18], sourceDataset: truthPath });
    // A second "model": the truth at the valid time plus 3 K · sin(lat) · cos(lon).
    const w = await ForecastWriter.create(path.join(home, "other.zarr"), { initTimes: [T0, T0 + 6 * H], leadTimesHours: [0, 6, 12, 18], variables: ["2t"], grid, producer: { kind: "model" }, sourceDataset: truthPath });
    for (let i = 0; i < 2; i++)
      for (const [l, h] of [0, 6, 12, 18].entries()) {
        const t = await truthAt(T0 + i * 6 * H + h * H);
        const out = new Float32Array(P);
        for (let p = 0; p < P; p++) out[p] = t[p] + 3 * Math.sin((grid.latitudes[p] * Math.PI) / 180) * Math.cos((grid.longitudes[p] * Math.PI) / 180);
        await w.writeField(i, l, out);
      }
    const services = await openServices(readEnv({ ISOBAR_HOME: home }), { command: "vitest", runWorkers: false, supervise: false });
    persistenceId = (await registerForecast(services.storage.db, await openForecast(path.join(home, "persistence.zarr")), { name: "persistence-truth" })).id;
    otherId = (await registerForecast(services.storage.db, await openForecast(path.join(home, "other.zarr")), { name: "other-model" })).id;
    await services.close();
    server = await startServer({ ISOBAR_HOME: home, DATABASE_URL: "" });
    browser = await launchBrowser();
  }, 300_000);
  afterAll(async () => {
    await browser?.close();
    await server?.proc.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it("forecast | truth | error: pixels match the CPU lookup of independently computed fields; the meteogram shows forecast and truth", async () => {
    const page = await browser.browser.newPage({ viewport: { width: 1500, height: 1100 } });
    const errors = trackPageErrors(page);
    await page.goto(`${server.url}/maps?forecast=${persistenceId}&variable=2t&init=2024-01-01T06:00:00Z&lead=12&panels=a,truth,err&overlays=none&lon=0&lat=0&zoom=0`);
    await waitReady(page, 3);
    expect(await page.textContent('[data-testid="map-title-0"]')).toContain("persistence-truth");
    expect(await page.textContent('[data-testid="map-date"]')).toContain("valid 2024-01-01T18:00:00Z");
    await saveScreenshot(page, "maps-forecast-triplet");

    const fc = await forecastAt("persistence.zarr", 1, 2, VARS.indexOf("2t"));
    const tv = await truthAt(T0 + 18 * H);
    const err = minus(fc, tv);
    expect(Math.max(...err.map(Math.abs))).toBeGreaterThan(0.5); // a real error field, not zero
    const r = finiteRange(err);
    const errScale = colourScale(colourScaleFor(DIFFERENCE_STYLE, { min: r.min, max: r.max, conversion: unitConversion("K", undefined, true), difference: true }));
    const errShot = decodePng(await page.locator('[data-testid="map-panel-2"]').screenshot());
    const ce = await comparePixels(page, "2", errShot, toTextureOrder(mg, err), mg, errScale, 13);
    expect(ce.checked, JSON.stringify(ce)).toBeGreaterThan(40);
    expect(ce.matched / ce.checked, JSON.stringify(ce)).toBeGreaterThanOrEqual(0.99);
    const vScale = colourScale(colourScaleFor(variableStyle("2t"), { ...finiteRange(tv), conversion: unitConversion("K") }));
    const truthShot = decodePng(await page.locator('[data-testid="map-panel-1"]').screenshot());
    const ct = await comparePixels(page, "1", truthShot, toTextureOrder(mg, tv), mg, vScale);
    expect(ct.checked).toBeGreaterThan(40);
    expect(ct.matched / ct.checked, JSON.stringify(ct)).toBeGreaterThanOrEqual(0.99);
    const fShot = decodePng(await page.locator('[data-testid="map-panel-0"]').screenshot());
    const cf = await comparePixels(page, "0", fShot, toTextureOrder(mg, fc), mg, vScale);
    expect(cf.matched / cf.checked, JSON.stringify(cf)).toBeGreaterThanOrEqual(0.99);

    // The lead-time slider moves to the next lead (valid time + 6 h) and the panels redraw.
    await page.click('button[aria-label="Next lead time"]');
    await expect.poll(async () => page.textContent('[data-testid="map-date"]')).toContain("valid 2024-01-02T00:00:00Z");
    await waitReady(page, 3);

    // Click for the meteogram at (45° N, 30° E).
    const at = await page.evaluate(() => window.__isobarMaps!.panels["0"].project(30, 45));
    const box = (await page.locator('[data-testid="map-panel-0"]').boundingBox())!;
    await page.mouse.click(box.x + at![0], box.y + at![1]);
    const table = page.locator('[data-testid="meteogram-table"]');
    await table.waitFor({ timeout: 60_000 });
    await page.locator('[data-testid="meteogram"] [data-drawn="true"]').waitFor({ timeout: 30_000 });
    await expect.poll(() => new URL(page.url()).searchParams.get("point")).toMatch(/^\d+\.\d+,\d+\.\d+$/);
    const [plat, plon] = new URL(page.url()).searchParams.get("point")!.split(",").map(Number);
    expect(Math.abs(plat - 45)).toBeLessThan(1);
    expect(Math.abs(plon - 30)).toBeLessThan(1);
    // Nearest grid point by brute force (great circle).
    const R = Math.PI / 180;
    let best = -1;
    let bestD = Infinity;
    for (let p = 0; p < P; p++) {
      const d = Math.acos(Math.min(1, Math.sin(grid.latitudes[p] * R) * Math.sin(plat * R) + Math.cos(grid.latitudes[p] * R) * Math.cos(plat * R) * Math.cos((grid.longitudes[p] - plon) * R)));
      if (d < bestD) [best, bestD] = [p, d];
    }
    expect(await page.textContent('[data-testid="meteogram-point"]')).toContain(`grid point ${best} `);
    const rows = await table.locator("tbody tr").evaluateAll((trs) => trs.map((tr) => [tr.getAttribute("data-lead"), ...[...tr.querySelectorAll("td[data-value]")].map((td) => td.getAttribute("data-value"))]));
    expect(rows.map((r) => Number(r[0]))).toEqual([0, 6, 12, 18]);
    for (const [l, h] of [0, 6, 12, 18].entries()) {
      const f = (await forecastAt("persistence.zarr", 1, l, VARS.indexOf("2t")))[best];
      const t = (await truthAt(T0 + 6 * H + h * H))[best];
      expect(Math.abs(Number(rows[l][1]) - f), `lead ${h} forecast`).toBeLessThan(1e-4);
      expect(Math.abs(Number(rows[l][2]) - t), `lead ${h} truth`).toBeLessThan(1e-4);
    }
    await page.locator('[data-testid="meteogram"]').scrollIntoViewIfNeeded();
    await saveScreenshot(page, "maps-forecast-meteogram");
    expect(errors).toEqual([]);
    await page.close();
  });

  it("error A | error B (the scorecard-cell view) share one diverging scale; region presets fly the view", async () => {
    const page = await browser.browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors = trackPageErrors(page);
    await page.goto(`${server.url}/maps?forecast=${otherId}&forecastB=${persistenceId}&variable=2t&init=2024-01-01T00:00:00Z&lead=6&panels=err,errb&overlays=none&lon=0&lat=0&zoom=0`);
    await waitReady(page, 2);
    await saveScreenshot(page, "maps-forecast-errors");
    const tv = await truthAt(T0 + 6 * H);
    const ea = minus(await forecastAt("other.zarr", 0, 1, 0), tv);
    const eb = minus(await forecastAt("persistence.zarr", 0, 1, VARS.indexOf("2t")), tv);
    const ra = finiteRange(ea);
    const rb = finiteRange(eb);
    // The "other" error is 3 sin(lat) cos(lon) up to float32 rounding: independent of the store.
    for (const p of [0, 100, 1000]) expect(ea[p]).toBeCloseTo(3 * Math.sin(grid.latitudes[p] * (Math.PI / 180)) * Math.cos(grid.longitudes[p] * (Math.PI / 180)), 3);
    const scale = colourScale(colourScaleFor(DIFFERENCE_STYLE, { min: Math.min(ra.min, rb.min), max: Math.max(ra.max, rb.max), conversion: unitConversion("K", undefined, true), difference: true }));
    for (const [panel, values] of [["0", ea], ["1", eb]] as const) {
      const shot = decodePng(await page.locator(`[data-testid="map-panel-${panel}"]`).screenshot());
      const c = await comparePixels(page, panel, shot, toTextureOrder(mg, values), mg, scale, 13);
      expect(c.checked, JSON.stringify(c)).toBeGreaterThan(40);
      expect(c.matched / c.checked, `panel ${panel} ${JSON.stringify(c)}`).toBeGreaterThanOrEqual(0.99);
    }
    // Region preset: Europe fits −12.5…42.5° E, 35…75° N into the panel.
    await page.selectOption('select[aria-label="Region"]', "europe");
    await expect.poll(() => new URL(page.url()).searchParams.get("zoom")).not.toBe("0.00");
    const corners = await page.evaluate(() => [window.__isobarMaps!.panels["0"].project(-12.5, 35), window.__isobarMaps!.panels["0"].project(42.5, 75)]);
    const size = (await page.locator('[data-testid="map-panel-0"]').boundingBox())!;
    for (const c of corners) {
      expect(c![0]).toBeGreaterThanOrEqual(-1);
      expect(c![0]).toBeLessThanOrEqual(size.width + 1);
      expect(c![1]).toBeGreaterThanOrEqual(-1);
      expect(c![1]).toBeLessThanOrEqual(size.height + 1);
    }
    expect(Math.max(corners[1]![0] - corners[0]![0], corners[0]![1] - corners[1]![1])).toBeGreaterThan(Math.min(size.width, size.height) * 0.8);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("the forecast page links to its map; bad forecast requests are explained", async () => {
    const page = await browser.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = trackPageErrors(page);
    await page.goto(`${server.url}/forecasts/${persistenceId}`);
    const link = page.locator('[data-testid="open-map"]');
    await link.waitFor();
    expect(await link.getAttribute("href")).toBe(forecastMapUrl({ forecast: persistenceId }));
    await page.goto(`${server.url}/maps?forecast=${persistenceId}&variable=2t&init=2024-01-01T00:00:00Z&lead=6&panels=a,b&forecastB=${otherId}&member=0`);
    await waitReady(page, 2);
    await page.goto(`${server.url}/maps?forecast=${otherId}&variable=msl&lead=6&panels=a`);
    await page.locator('[data-testid="maps-error"], [data-testid="map-panel-0"][data-ready="true"]').first().waitFor({ timeout: 60_000 });
    expect(errors).toEqual([]);
    await page.close();
    const res = await fetch(`${server.url}/api/fields?forecast=${persistenceId}&variable=2t&lead=7`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toBe("lead 7 h is not a lead time of forecast persistence-truth (lead times: 0, 6, 12, 18 h)");
  });
});
