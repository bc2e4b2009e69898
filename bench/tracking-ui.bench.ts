import fs from "node:fs";
import { launchBrowser } from "../tests/support/browser";
import { freshHome, startServer } from "../tests/support/isobar-process";
import { createTestDatabase } from "../tests/support/postgres";
import { frameStats, hoverJs, scrollFramesJs, seedTrackingScale, zoomJs, type FrameStats } from "../tests/support/tracking-scale";
import { report } from "./harness";

/**
 * Tracking pages at scale in Chromium (issue 5: "a virtualised table that stays smooth at 10,000
 * runs", "charts must stay interactive with 20 runs × 100,000 points each"). Figures in docs/benchmarks.md.
 *
 * A PostgreSQL-mode server (production build: run `node scripts/build.mjs` first) over a database
 * filled through SQL with 10,000 runs, 20 of them with a 100,000-point `train_loss` history. In
 * Debian's headless Chromium (SwiftShader, no GPU):
 * - /runs: time to the first rows; then frame intervals while the virtualised table scrolls by 90 px
 *   every animation frame for 600 frames (about 1,800 rows, loading further pages of 500 on the way);
 * - /compare with the 20 runs: time until the train_loss chart is drawn; the time from a mousemove
 *   to the second frame after it (hover: cursor and legend values), for 100 positions across the
 *   chart; and the same for drag-to-zoom and double-click reset, 10 times.
 * The baseline is the same procedures on an empty page in the same browser and run (a plain
 * scrolling div, an empty div with no listeners): they measure the frame cadence alone.
 * BENCH_SCALE (default 1) scales the number of runs and of points per history.
 */
const SCALE = Number(process.env.BENCH_SCALE ?? "1");
const RUNS = Math.max(100, Math.round(10_000 * SCALE));
const HISTORY_RUNS = 20;
const POINTS = Math.max(1000, Math.round(100_000 * SCALE));
const SCROLL_FRAMES = 600;
const SCROLL_STEP = 90;

const fmt = (s: FrameStats) => `median ${s.median.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms, max ${s.max.toFixed(0)} ms, ${s.over50}/${s.n} over 50 ms`;
const ratio = (a: FrameStats, b: FrameStats) => `ratio to empty page: median ${(a.median / b.median).toFixed(2)}, p95 ${(a.p95 / b.p95).toFixed(2)}`;

const home = freshHome("bench-tracking-ui");
const pgdb = await createTestDatabase("bench_ui");
let server: Awaited<ReturnType<typeof startServer>> | undefined;
let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
try {
  server = await startServer({ ISOBAR_HOME: home, DATABASE_URL: pgdb.url });
  const t0 = performance.now();
  const seeded = await seedTrackingScale(pgdb.url, { name: "scale", runs: RUNS, historyRuns: HISTORY_RUNS, points: POINTS });
  const seedS = (performance.now() - t0) / 1000;
  browser = await launchBrowser();
  const page = await browser.browser.newPage({ viewport: { width: 1400, height: 900 } });
  const rows: [string, string][] = [[`data`, `${RUNS.toLocaleString()} runs; ${HISTORY_RUNS} × ${POINTS.toLocaleString()} train_loss points (seeded through SQL in ${seedS.toFixed(1)} s)`]];

  // Baseline: the same procedures on an empty page.
  await page.setContent(`<div id="s" style="height:700px;overflow:auto"><div style="height:${SCROLL_FRAMES * SCROLL_STEP + 2000}px"></div></div><div id="h" style="width:600px;height:220px"></div>`);
  const baseScroll = frameStats(await page.evaluate<number[]>(scrollFramesJs("#s", SCROLL_FRAMES, SCROLL_STEP)));
  const baseHover = frameStats(await page.evaluate<number[]>(hoverJs("#h", 100)));
  const baseZoomRaw = await page.evaluate<{ zoom: number[]; reset: number[] }>(zoomJs("#h", 10));
  const baseZoom = frameStats(baseZoomRaw.zoom);
  rows.push(["empty page: scroll frame interval", fmt(baseScroll)]);
  rows.push(["empty page: event → 2nd frame", `${fmt(baseHover)} (mousemove); ${fmt(baseZoom)} (drag)`]);

  // /runs: the virtualised table.
  let t = performance.now();
  await page.goto(`${server.url}/runs?experiment=${seeded.experimentId}&cols=m:val_loss,m:train_loss,p:lr`);
  await page.locator('[data-testid="run-row"]').first().waitFor({ timeout: 120_000 });
  const firstRowsMs = performance.now() - t;
  const domRows = await page.locator('[data-testid="run-row"]').count();
  const runsScroll = frameStats(await page.evaluate<number[]>(scrollFramesJs('[data-testid="runs-table"]', SCROLL_FRAMES, SCROLL_STEP)));
  const domRowsAfter = await page.locator('[data-testid="run-row"]').count();
  const loaded = await page.locator('[data-testid="runs-count"]').textContent();
  const lastVisible = await page.locator('[data-testid="run-row"]').last().getAttribute("data-run-id");
  rows.push(["/runs: first rows shown", `${firstRowsMs.toFixed(0)} ms after navigation`]);
  rows.push(["/runs: scroll frame interval", `${fmt(runsScroll)}  (${ratio(runsScroll, baseScroll)})`]);
  rows.push(["/runs: rows in the DOM", `${domRows} at the top, ${domRowsAfter} after scrolling to ${lastVisible}; ${loaded} loaded`]);

  // /compare: 20 runs, one 100,000-point history each.
  t = performance.now();
  await page.goto(`${server.url}/compare?runs=${seeded.historyRunIds.map(encodeURIComponent).join(",")}`);
  const chart = page.locator('[data-testid="metric-chart"][data-key="train_loss"]');
  await chart.locator('[data-drawn="true"]').waitFor({ timeout: 300_000 });
  const drawnMs = performance.now() - t;
  const meta = (await chart.locator(".meta").textContent()) ?? "";
  await chart.scrollIntoViewIfNeeded();
  const over = '[data-testid="metric-chart"][data-key="train_loss"] .u-over';
  const hover = frameStats(await page.evaluate<number[]>(hoverJs(over, 100)));
  const legendValues = (await chart.locator(".trk-legend-value").evaluateAll((els) => els.map((e) => e.textContent ?? ""))).filter((v) => v !== "" && Number.isFinite(Number(v))).length;
  if (legendValues !== HISTORY_RUNS) throw new Error(`hover did not show the ${HISTORY_RUNS} runs' values in the legend (${legendValues})`);
  const zoomRaw = await page.evaluate<{ zoom: number[]; reset: number[] }>(zoomJs(over, 10));
  const zoom = frameStats(zoomRaw.zoom);
  const reset = frameStats(zoomRaw.reset);
  rows.push(["/compare: train_loss chart drawn", `${(drawnMs / 1000).toFixed(1)} s after navigation (${meta})`]);
  rows.push(["/compare: hover (mousemove → 2nd frame)", `${fmt(hover)}  (${ratio(hover, baseHover)})`]);
  rows.push(["/compare: drag-zoom (→ 2nd frame)", `${fmt(zoom)}  (${ratio(zoom, baseZoom)})`]);
  rows.push(["/compare: double-click reset (→ 2nd frame)", `${fmt(reset)}  (${ratio(reset, baseZoom)})`]);
  report("tracking UI benchmark — Chromium (SwiftShader), PostgreSQL mode", rows);
  await page.close();
} finally {
  await browser?.close();
  await server?.proc.stop();
  await pgdb.drop();
  fs.rmSync(home, { recursive: true, force: true });
}
