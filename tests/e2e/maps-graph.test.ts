import fs from "node:fs";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDataset, loadRecipe } from "@/lib/datasets";
import { parseGrid } from "@/lib/grids";
import { decodePng, launchBrowser, pixelAt, saveScreenshot, trackPageErrors } from "../support/browser";
import { freshHome, startServer, waitUntil } from "../support/isobar-process";

/**
 * The graph overlay of /maps in Chromium, on the graph of a real checkpoint: a tiny GNN trained by
 * the `training.run` job (hidden mesh: icosahedron refined once, 42 nodes). Expected positions are
 * independent of Isobar's graph code: the 12 base vertices of the icosahedron are the cyclic
 * permutations of (0, ±1, ±φ) (normalised), the data nodes are the points of the 15° grid.
 */

const NODE = { data: [20, 90, 200], hidden: [230, 0, 126] }; // components/maps/graph-layer.ts GRAPH_COLOURS
const TOL = 6;
const PHI = (1 + Math.sqrt(5)) / 2;
const RAD = Math.PI / 180;

type V3 = [number, number, number];
const norm = (v: V3): V3 => {
  const n = Math.hypot(...v);
  return [v[0] / n, v[1] / n, v[2] / n];
};
/** lon in [−180, 180) (the map shows the world once, a node at 180° is drawn at −180°), lat. */
const toLonLat = (v: V3): [number, number] => {
  const lon = Math.atan2(v[1], v[0]) / RAD;
  return [lon >= 180 - 1e-9 ? lon - 360 : lon, Math.atan2(v[2], Math.hypot(v[0], v[1])) / RAD];
};
const unit = (lon: number, lat: number): V3 => [Math.cos(lat * RAD) * Math.cos(lon * RAD), Math.cos(lat * RAD) * Math.sin(lon * RAD), Math.sin(lat * RAD)];
const dot = (a: V3, b: V3) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

/** The 12 icosahedron vertices as unit vectors. */
const BASE: V3[] = [];
for (const s1 of [-1, 1]) for (const s2 of [-1, 1]) BASE.push(norm([0, s1, s2 * PHI]), norm([s1, s2 * PHI, 0]), norm([s2 * PHI, 0, s1]));

/** The 42 nodes of the once-refined icosahedron: the 12 vertices and the 30 edge midpoints (normalised). */
const REFINED: V3[] = [...BASE];
for (let a = 0; a < 12; a++) for (let b = a + 1; b < 12; b++) if (Math.abs(dot(BASE[a], BASE[b]) - 1 / Math.sqrt(5)) < 1e-9) REFINED.push(norm([0, 1, 2].map((i) => BASE[a][i] + BASE[b][i]) as V3));

const dist = (a: number[], b: number[]) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

async function project(page: Page, pts: [number, number][]): Promise<([number, number] | null)[]> {
  return page.evaluate((pts) => pts.map(([lon, lat]) => window.__isobarMaps!.panels["0"].project(lon, lat)), pts);
}

/**
 * Whether a 5×5 neighbourhood holds a processor-edge pixel: orange (250, 130, 0) at alpha 190, blended
 * by antialiasing and overlaps with the bluish-grey background, so red > green > blue with a wide
 * red–blue gap. The background, graticule, coastlines (r ≤ g ≤ b), magenta hidden nodes (g < b)
 * and blue data nodes all fail it.
 */
function edgeNear(shot: ReturnType<typeof decodePng>, x: number, y: number): boolean {
  for (let dy = -2; dy <= 2; dy++)
    for (let dx = -2; dx <= 2; dx++) {
      const [r, g, b] = pixelAt(shot, Math.floor(x) + dx, Math.floor(y) + dy);
      if (r - b > 50 && g - b > 15 && r > g) return true;
    }
  return false;
}

describe("graph overlay on the map, for a trained checkpoint", () => {
  const home = freshHome("e2e-graph");
  const store = path.join(home, "datasets", "graph.zarr");
  let server: Awaited<ReturnType<typeof startServer>>;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  const ids = { run: "", final: "" };

  beforeAll(async () => {
    const recipe = await loadRecipe(`
name: graph
dates: {start: 2020-01-01T00:00:00, end: 2020-01-06T18:00:00, frequency: 6h}
input:
  join:
    - synthetic: {seed: 5, variables: [z_500], degree: 4}
    - forcings: [cos_latitude]
output: {grid: "15"}
`);
    await createDataset(recipe, store);
    server = await startServer({ ISOBAR_HOME: home, DATABASE_URL: "" });
    browser = await launchBrowser();
    const overrides = [
      `data.dataset=${store}`,
      "data.variables.prognostic=[z_500]",
      "data.variables.forcing=[cos_latitude]",
      "data.variables.diagnostic=[]",
      "training.max_steps=2",
      "training.val_every_n_steps=2",
      "training.multistep_input=1",
      "diagnostics.checkpoint.every_n_steps=1",
      "dataloader.batch_size.training=1",
      "dataloader.training.start=2020-01-01",
      "dataloader.training.end=2020-01-04",
      "dataloader.validation.start=2020-01-05",
      "dataloader.validation.end=2020-01-06",
      "diagnostics.tracker.experiment=graph",
      "diagnostics.tracker.run_name=graph-gnn",
      "model=gnn",
      "model.num_channels=4",
      "model.processor.num_layers=1",
      "model.trainable_size.data=0",
      "model.trainable_size.hidden=0",
      "graph.hidden.resolution=1",
    ];
    const job = await server.api.jobs.submit.mutate({ type: "training.run", payload: { overrides } });
    const done = await waitUntil(
      async () => {
        const j = await server.api.jobs.get.query({ id: job.id });
        return ["completed", "failed", "cancelled"].includes(j.state) ? j : null;
      },
      "training.run job",
      300_000,
      500,
    );
    expect(done.error ?? null).toBeNull();
    ids.run = String((done.result as { runId: unknown }).runId);
    const story = await server.api.training.forecasts.query({ runIds: [ids.run] });
    ids.final = story.runs[0].checkpoints.find((c) => c.kind === "final")!.id;
  }, 600_000);

  afterAll(async () => {
    const c = server?.proc.child;
    if (c && (c.exitCode !== null || c.signalCode !== null)) console.error(`isobar serve exited early (${c.exitCode ?? c.signalCode}):\n${server.proc.output().slice(-4000)}`);
    await browser?.close();
    await server?.proc.stop();
    fs.rmSync(home, { recursive: true, force: true });
  });

  it("run page link → /maps?graph=…: nodes at their projected positions in the node colours, processor edges on their great circles, legend counts", { timeout: 240_000 }, async () => {
    const page = await browser.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = trackPageErrors(page);
    await page.goto(`${server.url}/runs/${ids.run}`);
    const row = page.locator('[data-testid="checkpoint-row"][data-kind="final"]');
    await row.waitFor({ timeout: 30_000 });
    const link = row.locator('[data-testid="checkpoint-graph-link"]');
    expect(await link.textContent()).toBe("View graph on map");
    const href = new URL((await link.getAttribute("href"))!, server.url);
    expect([href.pathname, href.searchParams.get("graph")]).toEqual(["/maps", ids.final]);
    // This run's validation metrics have one point each (step 2). Their charts used to freeze the
    // run page's renderer for seconds each (uPlot's tick loop on an x range [2, 2]), which made
    // the run page, this click and the navigation to the map time out now and then.
    await link.click();
    await page.waitForURL(/\/maps\?/);
    await page.locator('[data-testid="map-panel-0"][data-graph-ready="true"]').waitFor({ timeout: 90_000 });
    await page.waitForTimeout(300); // let the URL/view state settle before reading pixels

    // Legend: 42 hidden nodes (10·4 + 2), the 15° grid's points, multi-scale edges 2·30·(1 + 4) = 300, decoder kNN 3 per data node.
    const grid = parseGrid("15");
    const count = async (id: string) => Number(await page.getAttribute(`[data-testid="${id}"]`, "data-count"));
    expect(await count("graph-legend-nodes-hidden")).toBe(42);
    expect(await count("graph-legend-nodes-data")).toBe(grid.size);
    expect(await count("graph-legend-edges-processor")).toBe(300);
    expect(await count("graph-legend-edges-decoder")).toBe(3 * grid.size);
    expect(await page.getAttribute('[data-testid="graph-legend-shown"]', "data-returned")).toBe("300");
    expect(await page.getAttribute('[data-testid="graph-legend-shown"]', "data-omitted")).toBe("0");

    const shot = decodePng(await page.locator('[data-testid="map-panel-0"]').screenshot());
    await saveScreenshot(page, "maps-graph");
    const hidden = BASE.map(toLonLat);
    const hiddenPx = await project(page, hidden);
    for (const [k, p] of hiddenPx.entries()) {
      expect(p, `hidden node ${k}`).not.toBeNull();
      const got = pixelAt(shot, Math.floor(p![0]), Math.floor(p![1]));
      expect(dist(got, NODE.hidden), `hidden node ${k} at ${hidden[k]} → ${p}: ${got}`).toBeLessThanOrEqual(TOL);
    }
    // Data nodes away from the hidden ones (drawn on top) and off the Mercator edges.
    const candidates: [number, number][] = [];
    for (let i = 0; i < grid.size; i++) {
      const lon = ((grid.longitudes[i] + 540) % 360) - 180;
      if (Math.abs(grid.latitudes[i]) <= 70 && Math.abs(lon) <= 165) candidates.push([lon, grid.latitudes[i]]);
    }
    expect(REFINED).toHaveLength(42);
    const allHiddenPx = await project(page, REFINED.map(toLonLat));
    const dataPx = await project(page, candidates);
    let checked = 0;
    for (const [k, p] of dataPx.entries()) {
      if (!p || allHiddenPx.some((h) => Math.hypot(h![0] - p[0], h![1] - p[1]) < 9)) continue;
      const got = pixelAt(shot, Math.floor(p[0]), Math.floor(p[1]));
      expect(dist(got, NODE.data), `data node at ${candidates[k]} → ${p}: ${got}`).toBeLessThanOrEqual(TOL);
      checked++;
    }
    expect(checked).toBeGreaterThan(100);
    // A quarter of the way along base-mesh edges (on the great circle, 16° from any node): processor-edge colour.
    let edgesChecked = 0;
    for (let a = 0; a < 12; a++)
      for (let b = a + 1; b < 12; b++) {
        const c = dot(BASE[a], BASE[b]);
        if (Math.abs(c - 1 / Math.sqrt(5)) > 1e-9) continue; // neighbours only
        const th = Math.acos(c);
        const f = 0.25;
        const w = [Math.sin((1 - f) * th) / Math.sin(th), Math.sin(f * th) / Math.sin(th)];
        const q = toLonLat([0, 1, 2].map((i) => w[0] * BASE[a][i] + w[1] * BASE[b][i]) as V3);
        const ends = [toLonLat(BASE[a]), toLonLat(BASE[b])];
        if (ends.some(([lon]) => Math.abs(lon) > 150) || Math.abs(q[1]) > 70) continue;
        const [p] = await project(page, [q]);
        expect(edgeNear(shot, p![0], p![1]), `processor edge ${a}–${b} at ${q}: ${pixelAt(shot, Math.floor(p![0]), Math.floor(p![1]))}`).toBe(true);
        edgesChecked++;
      }
    expect(edgesChecked).toBeGreaterThanOrEqual(6);
    // …and none at the centres of the base faces (inside the middle level-1 triangle, away from every edge).
    let centres = 0;
    for (let a = 0; a < 12; a++)
      for (let b = a + 1; b < 12; b++)
        for (let c = b + 1; c < 12; c++) {
          const nb = (i: number, j: number) => Math.abs(dot(BASE[i], BASE[j]) - 1 / Math.sqrt(5)) < 1e-9;
          if (!nb(a, b) || !nb(a, c) || !nb(b, c)) continue;
          const q = toLonLat(norm([0, 1, 2].map((i) => BASE[a][i] + BASE[b][i] + BASE[c][i]) as V3));
          if (Math.abs(q[0]) > 150 || Math.abs(q[1]) > 60) continue;
          const [p] = await project(page, [q]);
          expect(edgeNear(shot, p![0], p![1]), `face centre ${q}`).toBe(false);
          centres++;
        }
    expect(centres).toBeGreaterThanOrEqual(4);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("globe: front nodes and processor edges drawn, far-side nodes hidden by the globe; encoder edges and controls", { timeout: 180_000 }, async () => {
    const page = await browser.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = trackPageErrors(page);
    await page.goto(`${server.url}/maps?graph=${ids.final}&view=globe&overlays=none&lon=20&lat=30&zoom=1.2`);
    await page.locator('[data-testid="map-panel-0"][data-graph-ready="true"]').waitFor({ timeout: 90_000 });
    await page.waitForTimeout(300);
    const shot = decodePng(await page.locator('[data-testid="map-panel-0"]').screenshot());
    await saveScreenshot(page, "maps-graph-globe");
    const centre = unit(20, 30);
    const hidden = BASE.map(toLonLat);
    const px = await project(page, hidden);
    const front = BASE.map((v) => dot(v, centre) > 0.35);
    let seen = 0;
    let occluded = 0;
    for (const [k, p] of px.entries()) {
      const got = pixelAt(shot, Math.floor(p![0]), Math.floor(p![1]));
      if (front[k]) {
        expect(dist(got, NODE.hidden), `front node ${k} at ${hidden[k]}: ${got}`).toBeLessThanOrEqual(TOL);
        seen++;
      } else if (dot(BASE[k], centre) < -0.35) {
        // Skip a far-side node that happens to project under a front node.
        if (px.some((q, j) => front[j] && Math.hypot(q![0] - p![0], q![1] - p![1]) < 10)) continue;
        expect(dist(got, NODE.hidden), `far-side node ${k} at ${hidden[k]} must be hidden: ${got}`).toBeGreaterThan(60);
        occluded++;
      }
    }
    expect(seen).toBeGreaterThanOrEqual(3);
    expect(occluded).toBeGreaterThanOrEqual(2);
    // Processor edges on the front: a quarter of the way along base-mesh edges, over the globe surface (246, 248, 251).
    let edgesChecked = 0;
    for (let a = 0; a < 12; a++)
      for (let b = a + 1; b < 12; b++) {
        if (Math.abs(dot(BASE[a], BASE[b]) - 1 / Math.sqrt(5)) > 1e-9) continue;
        const th = Math.acos(1 / Math.sqrt(5));
        const w = [Math.sin(0.75 * th) / Math.sin(th), Math.sin(0.25 * th) / Math.sin(th)];
        const qv = [0, 1, 2].map((i) => w[0] * BASE[a][i] + w[1] * BASE[b][i]) as V3;
        if (dot(norm(qv), centre) < 0.6) continue; // well inside the visible disc
        const [p] = await project(page, [toLonLat(qv)]);
        expect(edgeNear(shot, p![0], p![1]), `globe processor edge ${a}–${b}`).toBe(true);
        edgesChecked++;
      }
    expect(edgesChecked).toBeGreaterThanOrEqual(3);

    // Switch to the encoder edges with the control: the URL and the legend follow.
    await page.selectOption('[aria-label="Graph edges"]', "encoder");
    await page.locator('[data-testid="graph-legend-edges-encoder"]').waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid="graph-legend-shown"]')?.textContent?.includes("encoder"));
    const encoder = Number(await page.getAttribute('[data-testid="graph-legend-edges-encoder"]', "data-count"));
    expect(Number(await page.getAttribute('[data-testid="graph-legend-shown"]', "data-returned"))).toBe(encoder);
    await expect.poll(() => new URL(page.url()).searchParams.get("graphEdges")).toBe("encoder");
    expect(await page.locator('[aria-label="Graph checkpoint"] option').allTextContents()).toEqual(["step 1 (periodic)", "step 2 (final)"]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it("over a field: the dataset's z_500 and the graph in the same panel, nodes on top", { timeout: 180_000 }, async () => {
    const page = await browser.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors = trackPageErrors(page);
    await page.goto(`${server.url}/maps?dataset=datasets/graph.zarr&variable=z_500&graph=${ids.final}&graphEdges=none&overlays=none`);
    await page.locator('[data-testid="map-panel-0"][data-ready="true"][data-graph-ready="true"]').waitFor({ timeout: 90_000 });
    await page.waitForTimeout(300);
    expect(await page.getAttribute('[data-testid="graph-legend-shown"]', "data-returned")).toBe("0");
    const shot = decodePng(await page.locator('[data-testid="map-panel-0"]').screenshot());
    await saveScreenshot(page, "maps-graph-field");
    const px = await project(page, BASE.map(toLonLat));
    for (const [k, p] of px.entries()) expect(dist(pixelAt(shot, Math.floor(p![0]), Math.floor(p![1])), NODE.hidden), `hidden node ${k}`).toBeLessThanOrEqual(TOL);
    // The field is drawn around the nodes: most of the map is neither background nor a node colour.
    let field = 0;
    let total = 0;
    for (let y = 20; y < shot.height - 20; y += 17)
      for (let x = 0; x < shot.width; x += 17) {
        const c = pixelAt(shot, x, y);
        total++;
        if (dist(c, [223, 230, 238]) > 12 && dist(c, NODE.data) > 12 && dist(c, NODE.hidden) > 12) field++;
      }
    expect(field / total).toBeGreaterThan(0.3);
    expect(errors).toEqual([]);
    await page.close();
  });
});
