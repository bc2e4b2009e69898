import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDataset, loadRecipe } from "@/lib/datasets";
import { gridFromDescriptor, parseGrid, type GridDescriptor } from "@/lib/grids";
import {
  colourScale,
  colourScaleFor,
  DatasetMetaSchema,
  decodeField,
  DIFFERENCE_STYLE,
  finiteRange,
  GridInfoSchema,
  mapGridFor,
  mapGridFromInfo,
  rowsMapGrid,
  sampleMapGrid,
  toDisplay,
  toTextureOrder,
  unitConversion,
  variableStyle,
  type MapGrid,
} from "@/lib/maps";
import { createAnalyticDataset } from "@/lib/maps/test-fields";
import { decodePng, launchBrowser, pixelAt, saveScreenshot, trackPageErrors } from "../support/browser";
import { comparePixels, waitReady } from "../support/maps-pixels";
import { freshHome, startServer } from "../support/isobar-process";

type Server = Awaited<ReturnType<typeof startServer>>;

/** A global unstructured grid: a Fibonacci lattice of 4,000 points (drawn as a triangle mesh). */
function fibonacciGrid(n: number): GridDescriptor {
  const golden = Math.PI * (3 - Math.sqrt(5));
  const latitudes: number[] = [];
  const longitudes: number[] = [];
  for (let i = 0; i < n; i++) {
    latitudes.push((Math.asin(1 - (2 * i + 1) / n) * 180) / Math.PI);
    longitudes.push((((((i * golden * 180) / Math.PI) % 360) + 540) % 360) - 180);
  }
  return { kind: "unstructured", latitudes, longitudes, domain: "global" };
}

const GRIDS: { spec: string | GridDescriptor; name: string; file: string }[] = [
  { spec: "1", name: "1", file: "regular.zarr" },
  { spec: "O96", name: "O96", file: "o96.zarr" },
  { spec: "H32", name: "H32", file: "h32.zarr" },
  { spec: fibonacciGrid(4000), name: "unstructured", file: "unstructured.zarr" },
];

async function fetchField(server: Server, dataset: string, variable: string, date: string, mg: MapGrid): Promise<Float32Array> {
  const res = await fetch(`${server.url}/api/fields?${new URLSearchParams({ dataset, variable, date, encoding: "q16" })}`);
  expect(res.status).toBe(200);
  const { values } = decodeField(new Uint8Array(await res.arrayBuffer()));
  return toTextureOrder(mg, values);
}

describe("maps in Chromium (SwiftShader)", () => {
  const home = freshHome("e2e-maps");
  let server: Server;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;

  beforeAll(async () => {
    for (const g of GRIDS) await createAnalyticDataset(path.join(home, g.file), g.spec);
    // Random z_500 fields (their ranges differ from date to date) on the O96 grid.
    await createDataset(
      await loadRecipe(`
name: synthetic-o96
dates: {start: 2024-01-01T00:00:00, end: 2024-01-01T18:00:00, frequency: 6h}
input:
  synthetic: {seed: 11, variables: [z_500], degree: 6}
output: {grid: O96}
`),
      path.join(home, "synthetic-o96.zarr"),
    );
    server = await startServer({ ISOBAR_HOME: home, DATABASE_URL: "" });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.proc.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  for (const g of GRIDS) {
    it(`draws 2t on the ${g.name} grid with the colours of the CPU lookup, and probes it`, async () => {
      const page = await browser.browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors = trackPageErrors(page);
      const date = "2024-01-01T06:00:00Z";
      await page.goto(`${server.url}/maps?dataset=${g.file}&variable=2t&date=${date}&overlays=none&lon=0&lat=0&zoom=0.6`);
      await waitReady(page, 1);
      const grid = typeof g.spec === "string" ? parseGrid(g.spec) : gridFromDescriptor(g.spec);
      const mg = mapGridFor(grid);
      if (mg.kind === "mesh") {
        // The server's mesh (what the page draws) is the one computed here.
        const info = GridInfoSchema.parse(await (await fetch(`${server.url}/api/grids/${grid.id}`)).json());
        const res = await fetch(`${server.url}/api/grids/${grid.id}/mesh`);
        expect(res.headers.get("cache-control")).toContain("immutable");
        const served = mapGridFromInfo(info, undefined, await res.arrayBuffer());
        expect(served.kind === "mesh" && Array.from(served.triangles)).toEqual(Array.from(mg.triangles));
        expect(mg.triangles.length / 3).toBeGreaterThan(2 * 4000 - 4); // the sphere's 2n − 4, plus seam copies
      }
      const values = await fetchField(server, g.file, "2t", date, mg);
      const scale = colourScale(colourScaleFor(variableStyle("2t"), { ...finiteRange(values), conversion: unitConversion("K") }));
      const panel = page.locator('[data-testid="map-panel-0"]');
      const shot = decodePng(await panel.screenshot());
      await saveScreenshot(page, `maps-${g.name}`);
      const r = await comparePixels(page, "0", shot, values, mg, scale);
      expect(r.checked, JSON.stringify(r)).toBeGreaterThan(200);
      expect(r.matched / r.checked, JSON.stringify(r)).toBeGreaterThanOrEqual(0.99);

      // Hover probe: the same CPU value, in °C, with lat/lon.
      const box = (await panel.boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.4);
      const probe = page.locator('[data-testid="map-probe-0"]');
      await expect.poll(async () => (await probe.textContent()) ?? "").toMatch(/°C at/);
      const text = (await probe.textContent())!;
      const m = /^(-?[\d.]+) °C at ([\d.]+)°([NS]) ([\d.]+)°([EW])$/.exec(text);
      expect(m, text).not.toBeNull();
      const lat = Number(m![2]) * (m![3] === "S" ? -1 : 1);
      const lon = Number(m![4]) * (m![5] === "W" ? -1 : 1);
      const cpu = toDisplay(sampleMapGrid(mg, values, lat, lon), unitConversion("K"));
      expect(Math.abs(Number(m![1]) - cpu)).toBeLessThan(0.3); // probe is at the exact cursor, text rounds lat/lon to 0.01°
      expect(errors).toEqual([]);
      await page.close();
    });
  }

  it("triplet: field | next date | difference, with synchronised panels", async () => {
    const page = await browser.browser.newPage({ viewport: { width: 1500, height: 900 } });
    const errors = trackPageErrors(page);
    const file = "o96.zarr";
    await page.goto(`${server.url}/maps?dataset=${file}&variable=2t&date=2024-01-01T00:00:00Z&otherDate=2024-01-01T18:00:00Z&panels=a,b,a-b&overlays=none&lon=0&lat=0&zoom=0`);
    await waitReady(page, 3);
    await saveScreenshot(page, "maps-triplet");
    const mg = rowsMapGrid(parseGrid("O96"));
    const a = await fetchField(server, file, "2t", "2024-01-01T00:00:00Z", mg);
    const b = await fetchField(server, file, "2t", "2024-01-01T18:00:00Z", mg);
    const d = a.map((v, i) => v - b[i]);
    const r = finiteRange(d);
    const diffScale = colourScale(colourScaleFor(DIFFERENCE_STYLE, { min: r.min, max: r.max, conversion: unitConversion("K", undefined, true), difference: true }));
    const shot = decodePng(await page.locator('[data-testid="map-panel-2"]').screenshot());
    const c = await comparePixels(page, "2", shot, d, mg, diffScale, 13);
    expect(c.checked, JSON.stringify(c)).toBeGreaterThan(40);
    expect(c.matched / c.checked, JSON.stringify(c)).toBeGreaterThanOrEqual(0.99);
    const scaleB = colourScale(colourScaleFor(variableStyle("2t"), { ...finiteRange(b), conversion: unitConversion("K") }));
    const shotB = decodePng(await page.locator('[data-testid="map-panel-1"]').screenshot());
    const cb = await comparePixels(page, "1", shotB, b, mg, scaleB);
    expect(cb.matched / cb.checked, JSON.stringify(cb)).toBeGreaterThanOrEqual(0.99);
    // Synchronised: the same lon/lat lands on the same pixel in every panel.
    const where = await page.evaluate(() => ["0", "1", "2"].map((p) => window.__isobarMaps!.panels[p].project(30, 45)));
    expect(where[1]).toEqual(where[0]);
    expect(where[2]).toEqual(where[0]);
    expect(errors).toEqual([]);
    await page.close();
  });

  for (const g of [GRIDS[2], GRIDS[3]]) {
    it(`globe view renders the ${g.name} field (non-background pixels, colours from the CPU value)`, async () => {
      const page = await browser.browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors = trackPageErrors(page);
      await page.goto(`${server.url}/maps?dataset=${g.file}&variable=2t&date=0&view=globe&lon=20&lat=30&zoom=1.8`);
      await waitReady(page, 1);
      const shot = decodePng(await page.locator('[data-testid="map-panel-0"]').screenshot());
      await saveScreenshot(page, g.name === "H32" ? "maps-globe" : `maps-globe-${g.name}`);
      const bg = [0xdf, 0xe6, 0xee];
      let coloured = 0;
      for (let y = 0; y < shot.height; y += 4) for (let x = 0; x < shot.width; x += 4) if (Math.max(...pixelAt(shot, x, y).map((v, i) => Math.abs(v - bg[i]))) > 10) coloured++;
      const total = Math.ceil(shot.height / 4) * Math.ceil(shot.width / 4);
      expect(coloured / total).toBeGreaterThan(0.3);
      const mg = mapGridFor(typeof g.spec === "string" ? parseGrid(g.spec) : gridFromDescriptor(g.spec));
      const values = await fetchField(server, g.file, "2t", "2024-01-01T00:00:00Z", mg);
      const scale = colourScale(colourScaleFor(variableStyle("2t"), { ...finiteRange(values), conversion: unitConversion("K") }));
      const c = await comparePixels(page, "0", shot, values, mg, scale, 29);
      expect(c.checked, JSON.stringify(c)).toBeGreaterThan(50);
      // Coastlines and the graticule are drawn over the globe here, so allow for the pixels they cover.
      // (On a mesh the GPU interpolates across flat 3-D triangles, the CPU probe in Mercator: the
      // two differ by far less than a colour band, and band edges are skipped.)
      expect(c.matched / c.checked, JSON.stringify(c)).toBeGreaterThanOrEqual(0.9);
      expect(errors).toEqual([]);
      await page.close();
    });
  }

  it("colour levels (tp) and contour lines (msl): each field's own shader variant draws the CPU lookup's colours", async () => {
    const page = await browser.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = trackPageErrors(page);
    const date = "2024-01-01T06:00:00Z";
    const mg = mapGridFor(parseGrid("O96"));
    for (const [variable, units] of [["tp", "m"], ["msl", "Pa"]] as const) {
      await page.goto(`${server.url}/maps?dataset=o96.zarr&variable=${variable}&date=${date}&overlays=none&lon=0&lat=0&zoom=0.6`);
      await waitReady(page, 1);
      const values = await fetchField(server, "o96.zarr", variable, date, mg);
      const input = colourScaleFor(variableStyle(variable), { ...finiteRange(values), conversion: unitConversion(units) });
      const scale = colourScale(input);
      const shot = decodePng(await page.locator('[data-testid="map-panel-0"]').screenshot());
      await saveScreenshot(page, `maps-${variable}-variant`);
      const r = await comparePixels(page, "0", shot, values, mg, scale);
      // Pixels dark enough to be contour lines (the line colour is (20, 20, 26) at 85 %).
      let dark = 0;
      for (let y = 0; y < shot.height; y++) for (let x = 0; x < shot.width; x++) if (Math.max(...pixelAt(shot, x, y)) < 70) dark++;
      const darkShare = dark / (shot.width * shot.height);
      if (variable === "tp") {
        expect(scale.levels.length).toBeGreaterThan(0);
        expect(r.checked, JSON.stringify(r)).toBeGreaterThan(100);
        expect(r.matched / r.checked, JSON.stringify(r)).toBeGreaterThanOrEqual(0.99);
        expect(darkShare).toBeLessThan(0.001); // no contours on a levels field
      } else {
        expect(input.contour).toBeGreaterThan(0);
        // Away from the lines the colours are the CPU's; the misses are pixels darkened by a line.
        expect(r.checked, JSON.stringify(r)).toBeGreaterThan(200);
        expect(r.matched / r.checked, JSON.stringify(r)).toBeGreaterThanOrEqual(0.8);
        for (const miss of r.misses) {
          const [got, want] = [/got (\d+),(\d+),(\d+)/, /want (\d+),(\d+),(\d+)/].map((re) => re.exec(miss)!.slice(1).map(Number));
          expect(got.reduce((a, b) => a + b), miss).toBeLessThan(want.reduce((a, b) => a + b));
        }
        expect(darkShare).toBeGreaterThan(0.005);
        expect(darkShare).toBeLessThan(0.2);
      }
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  // 2t has a fixed colour range; z_500's automatic range comes from the dataset's statistics, the
  // same at every date although each field's own range differs, so its frames drawn ahead are
  // reused too (contour lines on).
  for (const [dataset, variable, units] of [["o96.zarr", "2t", "K"], ["synthetic-o96.zarr", "z_500", "m**2 s**-2"]] as const) {
    it(`stepping through prefetched dates (textures uploaded while idle) draws each date's own ${variable} field`, async () => {
      const page = await browser.browser.newPage({ viewport: { width: 1280, height: 900 } });
      const errors = trackPageErrors(page);
      const dates = ["2024-01-01T00:00:00Z", "2024-01-01T06:00:00Z", "2024-01-01T12:00:00Z", "2024-01-01T18:00:00Z"];
      const mg = mapGridFor(parseGrid("O96"));
      const meta = DatasetMetaSchema.parse(await (await fetch(`${server.url}/api/fields/meta?dataset=${dataset}`)).json());
      const stats = meta.variables.find((v) => v.name === variable)!.range;
      expect(stats).not.toBeNull();
      if (variable === "z_500") {
        const maxima = await Promise.all(dates.map(async (d) => finiteRange(await fetchField(server, dataset, variable, d, mg)).max));
        expect(new Set(maxima).size, `field maxima ${maxima}`).toBe(dates.length);
      }
      await page.goto(`${server.url}/maps?dataset=${dataset}&variable=${variable}&date=${dates[1]}&overlays=none&lon=0&lat=0&zoom=0.6`);
      await waitReady(page, 1);
      const check = async (date: string) => {
        await page.locator(`[data-testid="map-panel-0"][data-rendered-key*="${date}"][data-ready="true"]`).waitFor({ timeout: 60_000 });
        const values = await fetchField(server, dataset, variable, date, mg);
        const f = finiteRange(values);
        const margin = 0.05 * (stats!.max - stats!.min); // the statistics range + 5 % each side, or the field beyond it
        const input = colourScaleFor(variableStyle(variable), { min: Math.min(stats!.min - margin, f.min), max: Math.max(stats!.max + margin, f.max), conversion: unitConversion(units) });
        const shot = decodePng(await page.locator('[data-testid="map-panel-0"]').screenshot());
        // z_500 changes colour faster across the map than 2t: sample a finer pixel lattice for as many uniform spots.
        const r = await comparePixels(page, "0", shot, values, mg, colourScale(input), input.contour ? 11 : 23);
        expect(r.checked, `${date} ${JSON.stringify(r)}`).toBeGreaterThan(200);
        if (!input.contour) {
          expect(r.matched / r.checked, `${date} ${JSON.stringify(r)}`).toBeGreaterThanOrEqual(0.99);
          return;
        }
        // Away from the contour lines the colours are the CPU's; the misses are pixels darkened by a line.
        expect(r.matched / r.checked, `${date} ${JSON.stringify(r)}`).toBeGreaterThanOrEqual(0.8);
        for (const miss of r.misses) {
          const [got, want] = [/got (\d+),(\d+),(\d+)/, /want (\d+),(\d+),(\d+)/].map((re) => re.exec(miss)!.slice(1).map(Number));
          expect(got.reduce((a, b) => a + b), `${date} ${miss}`).toBeLessThan(want.reduce((a, b) => a + b));
        }
      };
      // Neighbours 0, 2 and 3 are prefetched, uploaded on idle timers and their frames drawn ahead;
      // step through them: a switch to a field drawn ahead copies that frame, which must show the
      // same colours as drawing the field.
      await page.waitForTimeout(2500);
      const copiedBefore = await page.evaluate(() => window.__isobarMaps!.frames.copied);
      for (const [button, date] of [["Next date", dates[2]], ["Next date", dates[3]], ["Previous date", dates[2]], ["Previous date", dates[1]], ["Previous date", dates[0]]] as const) {
        await page.locator(`button[aria-label="${button}"]`).click();
        await check(date);
        await page.waitForTimeout(1200);
      }
      const frames = await page.evaluate(() => window.__isobarMaps!.frames);
      expect(frames.copied - copiedBefore, JSON.stringify(frames)).toBeGreaterThanOrEqual(3);
      expect(errors).toEqual([]);
      await page.close();
    });
  }

  it("reports bad requests clearly", async () => {
    const res = await fetch(`${server.url}/api/fields?dataset=o96.zarr&variable=2t&date=0&minus=h32.zarr`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(/grids differ \(O96 .* vs H32-ring/);
    const r2 = await fetch(`${server.url}/api/fields?dataset=o96.zarr&variable=nope`);
    expect(r2.status).toBe(400);
    const grid = await fetch(`${server.url}/api/grids/O96`);
    expect(grid.headers.get("cache-control")).toContain("immutable");
  });
});
