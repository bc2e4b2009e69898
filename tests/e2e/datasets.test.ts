import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDataset, inspectDataset, loadRecipe } from "@/lib/datasets";
import { runPython } from "@/lib/datasets/test-utils";
import { formatStat } from "@/components/datasets/format";
import { parseGrid, type Grid } from "@/lib/grids";
import { colourScale, colourScaleFor, finiteRange, rowsMapGrid, toTextureOrder, unitConversion, variableStyle } from "@/lib/maps";
import { createAnalyticDataset, mapAnalytic } from "@/lib/maps/test-fields";
import { decodePng, launchBrowser, saveScreenshot, trackPageErrors } from "../support/browser";
import { freshHome, startServer } from "../support/isobar-process";
import { comparePixels, waitReady } from "../support/maps-pixels";

describe("Datasets pages in Chromium", () => {
  const home = freshHome("e2e-datasets");
  const store = path.join(home, "datasets", "demo.zarr");
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;

  beforeAll(async () => {
    const recipe = await loadRecipe(`
name: tiny-synthetic
dates: {start: 2020-06-01T00:00:00, end: 2020-06-02T00:00:00, frequency: 6h}
input:
  join:
    - synthetic: {seed: 7, variables: [z_500, t_850, 2t], degree: 8}
    - forcings: [cos_latitude]
output: {grid: "10"}
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

  it("registers a dataset and shows it in the list and on its page with its statistics", async () => {
    const registered = await server.api.datasets.register.mutate({ path: store });
    expect(registered).toMatchObject({ name: "tiny-synthetic", dateCount: 5, frequencyHours: 6, variables: ["z_500", "t_850", "2t", "cos_latitude"] });
    const again = await server.api.datasets.register.mutate({ path: store });
    expect(again.id).toBe(registered.id); // idempotent per path
    await expect(server.api.datasets.register.mutate({ path: path.join(home, "nope.zarr") })).rejects.toThrow();

    const page = await browser.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = trackPageErrors(page);
    await page.goto(`${server.url}/datasets`);
    const row = page.locator(`tr[data-dataset-id="${registered.id}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain("z_500, t_850, 2t, cos_latitude");
    await saveScreenshot(page, "datasets-list");
    await row.locator("a").click();
    await page.waitForURL(new RegExp(`/datasets/${registered.id}$`));
    await page.waitForSelector('[data-testid="variables-table"]');
    const expected = await inspectDataset(store);
    const z500 = expected.variables.find((v) => v.name === "z_500")!;
    const rowText = await page.locator('[data-testid="variables-table"] tr', { hasText: "z_500" }).textContent();
    expect(rowText).toContain(formatStat(z500.mean));
    expect(rowText).toContain(formatStat(z500.maximum));
    expect(z500.mean! > 4.5e4 && z500.mean! < 6e4).toBe(true); // geopotential at 500 hPa, m²/s²
    expect(await page.textContent('[data-testid="dataset-recipe"]')).toContain("synthetic");
    await saveScreenshot(page, "dataset-detail");
    expect(await page.getAttribute('[data-testid="open-map"]', "href")).toBe(`/maps?dataset=${registered.id}`);
    expect(errors).toEqual([]);
    await page.close();
  });
});

/**
 * Known fields, written once by Isobar (the map-analytic test source) and once by zarr-python
 * (numpy evaluating the same formula on its own), in the anemoi layout. Each store is registered,
 * inspected on its page, opened on the map from there, and its rendered pixels are compared with
 * the colour lookup of the formula's value at the pixel's lat/lon (computed here, on the CPU).
 */
const WRITE_ANEMOI_IN_PYTHON = `
import sys, zarr, numpy as np, json
g = zarr.open_group(sys.argv[1], mode="w")   # default compressor: Blosc lz4, as zarr-python writes
dates = np.array(["2024-01-01T00:00:00", "2024-01-01T06:00:00", "2024-01-01T12:00:00"], dtype="datetime64[s]")
lat1 = np.arange(90, -90.5, -2.0)
lon1 = np.arange(0, 360, 2.0)
lats = np.repeat(lat1, lon1.size)
lons = np.tile(lon1, lat1.size)
data = np.empty((dates.size, 2, 1, lats.size), dtype="f4")
r = np.pi / 180
for t, d in enumerate(dates):
    hours = d.astype("datetime64[h]").astype(np.int64)
    shift = (hours % 240) / 240 * 360
    c, l = np.cos(lats * r), (lons - shift) * r
    data[t, 0, 0] = 250 + 45 * c * c + 6 * c * np.sin(l)
    data[t, 1, 0] = 101325 + 1500 * np.sin(2 * lats * r) * np.cos(2 * l)
a = g.create_dataset("data", data=data, chunks=(1, 2, 1, lats.size), fill_value=np.nan)
a.attrs["_ARRAY_DIMENSIONS"] = ["time", "variable", "ensemble", "cell"]
g.create_dataset("dates", data=dates).attrs["_ARRAY_DIMENSIONS"] = ["time"]
g.create_dataset("latitudes", data=lats).attrs["_ARRAY_DIMENSIONS"] = ["cell"]
g.create_dataset("longitudes", data=lons).attrs["_ARRAY_DIMENSIONS"] = ["cell"]
x = data[:, :, 0, :].astype("f8")
stats = {"mean": x.mean(axis=(0, 2)), "stdev": x.std(axis=(0, 2)), "minimum": x.min(axis=(0, 2)), "maximum": x.max(axis=(0, 2)),
         "sums": x.sum(axis=(0, 2)), "squares": (x * x).sum(axis=(0, 2))}
for k, v in stats.items():
    g.create_dataset(k, data=v).attrs["_ARRAY_DIMENSIONS"] = ["variable"]
g.create_dataset("count", data=np.full(2, x.shape[0] * x.shape[2], dtype="i8")).attrs["_ARRAY_DIMENSIONS"] = ["variable"]
g.create_dataset("has_nans", data=np.zeros(2, dtype=bool)).attrs["_ARRAY_DIMENSIONS"] = ["variable"]
g.attrs.update({"variables": ["2t", "msl"], "frequency": "6h", "start_date": "2024-01-01T00:00:00", "end_date": "2024-01-01T12:00:00",
  "resolution": "2", "field_shape": [91, 180], "missing_dates": [], "version": "0.30", "licence": "CC-BY-4.0",
  "attribution": "zarr-python fixture", "uuid": "3f0c6a52-6a51-4c1e-9a57-2a2d1f6f0b11",
  "variables_metadata": {"2t": {"units": "K", "long_name": "2 metre temperature"}, "msl": {"units": "Pa"}}})
print(json.dumps({k: [float(u) for u in v] for k, v in stats.items()}))
`;

type Stats = { mean: number[]; stdev: number[]; minimum: number[]; maximum: number[] };

/** Statistics of the formula over a store's grid and dates, in float64 over the float32 values (as anemoi). */
function analyticStats(grid: Grid, variables: string[], dates: string[]): Stats {
  const out: Stats = { mean: [], stdev: [], minimum: [], maximum: [] };
  for (const v of variables) {
    let s = 0, s2 = 0, n = 0, lo = Infinity, hi = -Infinity;
    for (const d of dates) {
      const f = analyticField(grid, v, d);
      for (const x of f) {
        s += x;
        s2 += x * x;
        n++;
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
      }
    }
    const mean = s / n;
    out.mean.push(mean);
    out.stdev.push(Math.sqrt(Math.max(0, s2 / n - mean * mean)));
    out.minimum.push(lo);
    out.maximum.push(hi);
  }
  return out;
}

function analyticField(grid: Grid, variable: string, date: string): Float32Array {
  const hours = Date.parse(date) / 3.6e6;
  const f = new Float32Array(grid.size);
  for (let p = 0; p < grid.size; p++) f[p] = mapAnalytic(variable, grid.latitudes[p], grid.longitudes[p], hours);
  return f;
}

describe("datasets written by Isobar and by zarr-python: register, inspect, preview on the map", () => {
  const home = freshHome("e2e-datasets-interop");
  const stores = {
    isobar: { file: path.join(home, "datasets", "isobar-o48.zarr"), grid: parseGrid("O48"), dates: ["2024-01-01T00:00:00Z", "2024-01-01T06:00:00Z", "2024-01-01T12:00:00Z"] },
    python: { file: path.join(home, "datasets", "python-2deg.zarr"), grid: parseGrid("2"), dates: ["2024-01-01T00:00:00Z", "2024-01-01T06:00:00Z", "2024-01-01T12:00:00Z"] },
  };
  let pythonStats: Stats;
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;

  beforeAll(async () => {
    fs.mkdirSync(path.join(home, "datasets"), { recursive: true });
    await createAnalyticDataset(stores.isobar.file, "O48", { start: "2024-01-01T00:00:00", end: "2024-01-01T12:00:00", frequency: "6h" });
    pythonStats = JSON.parse(runPython(WRITE_ANEMOI_IN_PYTHON, [stores.python.file])) as Stats;
    server = await startServer({ ISOBAR_HOME: home, DATABASE_URL: "" });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.proc.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  const cases = [
    { key: "isobar", label: "written by Isobar (O48)", gridId: "O48", variables: ["2t", "msl", "z_500", "10u", "10v", "tp"] },
    { key: "python", label: "written by zarr-python (2°, default Blosc)", gridId: "regular-2x2", variables: ["2t", "msl"] },
  ] as const;

  for (const c of cases) {
    it(`a store ${c.label}`, async () => {
      const store = stores[c.key];
      const registered = await server.api.datasets.register.mutate({ path: store.file });
      expect(registered).toMatchObject({ gridId: c.gridId, dateCount: 3, frequencyHours: 6, variables: [...c.variables] });

      // Independent statistics: numpy's for the zarr-python store, the formula's for Isobar's.
      const stats = c.key === "python" ? pythonStats : analyticStats(store.grid, ["2t"], store.dates);
      const page = await browser.browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors = trackPageErrors(page);
      await page.goto(`${server.url}/datasets`);
      const row = page.locator(`tr[data-dataset-id="${registered.id}"]`);
      await row.waitFor();
      await row.locator("a").click();
      await page.waitForURL(new RegExp(`/datasets/${registered.id}$`));
      const t2 = page.locator('[data-testid="variables-table"] tr', { hasText: "2t" }).first();
      await t2.waitFor();
      const text = (await t2.textContent())!;
      expect(text).toContain("K");
      for (const k of ["mean", "stdev", "minimum", "maximum"] as const) expect(text, k).toContain(formatStat(stats[k][0]));
      await saveScreenshot(page, `dataset-${c.key}`);

      // From the dataset page to the map, then a fixed view of 2t at 06 UTC.
      await page.locator('[data-testid="open-map"]').click();
      await page.waitForURL(new RegExp(`/maps\\?dataset=${registered.id}`));
      await waitReady(page, 1);
      const date = store.dates[1];
      await page.goto(`${server.url}/maps?dataset=${registered.id}&variable=2t&date=${date}&overlays=none&lon=0&lat=0&zoom=0.6`);
      await waitReady(page, 1);
      const mg = rowsMapGrid(store.grid);
      const values = toTextureOrder(mg, analyticField(store.grid, "2t", date));
      const scale = colourScale(colourScaleFor(variableStyle("2t"), { ...finiteRange(values), conversion: unitConversion("K") }));
      const shot = decodePng(await page.locator('[data-testid="map-panel-0"]').screenshot());
      await saveScreenshot(page, `dataset-map-${c.key}`);
      const r = await comparePixels(page, "0", shot, values, mg, scale);
      expect(r.checked, JSON.stringify(r)).toBeGreaterThan(200);
      expect(r.matched / r.checked, JSON.stringify(r)).toBeGreaterThanOrEqual(0.99);
      expect(errors).toEqual([]);
      await page.close();
    });
  }
});
