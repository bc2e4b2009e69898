/**
 * Field transfer and map rendering (`npm run bench -- maps`), for a classic-reduced-N320-sized
 * field (542,080 points) and a 0.25° field (1,038,240 points) of the synthetic source:
 * - bytes per point transferred for f32 / q16, raw / gzip / br, and the server's time per field;
 * - in headless Chromium (SwiftShader): request → first rendered frame, lead-time switch with the
 *   next step prefetched vs not, and frame intervals while panning. A frame counts when the GPU
 *   process has presented it: the end of the first SwapBuffers that starts after deck.gl
 *   submitted the frame, read from a Chrome trace (see {@link presentedAt}). Under SwiftShader the
 *   page's own clocks cannot see this: animation frames keep firing while the software GPU is
 *   still rasterising, so "two animation frames later" under-reported by up to 100 ms.
 * Needs `npm run build` first (it starts `isobar serve`). Ratios compare figures of the same run.
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import type { Browser, Page } from "playwright-core";
import { createDataset, loadRecipe, openDataset } from "@/lib/datasets";
import { ForecastWriter } from "@/lib/forecasts";
import { decodeFieldHeader } from "@/lib/maps";
import { launchBrowser } from "../tests/support/browser";
import { freshHome, startServer } from "../tests/support/isobar-process";
import { report } from "./harness";

const home = freshHome("bench-maps");
const DATES = { start: "2024-01-01T00:00:00", end: "2024-01-02T06:00:00", frequency: "6h" }; // 6 dates

async function build(file: string, grid: string) {
  const yaml = [
    `name: bench-${file.replace(".zarr", "")}`,
    `dates: {start: ${DATES.start}, end: ${DATES.end}, frequency: ${DATES.frequency}}`,
    "input:",
    "  synthetic: {seed: 1, variables: [2t, msl, 10u, 10v, z_500]}",
    `output: {grid: ${grid}}`,
  ].join("\n");
  const t0 = performance.now();
  await createDataset(await loadRecipe(yaml), path.join(home, file), { overwrite: true });
  return performance.now() - t0;
}

/**
 * A forecast store on the same grid for the lead-time slider: one init time (the first date), leads
 * 0…30 h every 6 h, each lead holding the dataset at its valid time (a "perfect" model, so every
 * lead is a different field).
 */
async function buildForecast(file: string): Promise<string> {
  const ds = await openDataset(path.join(home, file));
  const out = file.replace(".zarr", "-fc.zarr");
  const writer = await ForecastWriter.create(path.join(home, out), {
    initTimes: [ds.dates[0]],
    leadTimesHours: ds.dates.map((_, l) => 6 * l),
    variables: ds.variables,
    grid: ds.grid,
    producer: { kind: "model" },
    sourceDataset: file,
    overwrite: true,
  });
  for (let l = 0; l < ds.dates.length; l++) await writer.writeField(0, l, await ds.readDate(l));
  return out;
}

const grids = [
  { label: "classic reduced N320 (542,080 pts)", file: "n320.zarr", grid: "reduced-N320", points: 542_080 },
  { label: "0.25° (1,038,240 pts)", file: "q025.zarr", grid: '"0.25"', points: 1_038_240 },
];

// BENCH_MAPS_GRIDS=n320 (or q025) limits the run to one grid; BENCH_MAPS_BYTES=0 skips the transfer table.
const only = process.env.BENCH_MAPS_GRIDS?.split(",");
if (only) grids.splice(0, grids.length, ...grids.filter((g) => only.some((o) => g.file.startsWith(o))));
const forecastOf = new Map<string, string>();
for (const g of grids) {
  console.log(`built ${g.label} in ${((await build(g.file, g.grid)) / 1000).toFixed(1)} s`);
  forecastOf.set(g.file, await buildForecast(g.file));
}

const server = await startServer({ ISOBAR_HOME: home, DATABASE_URL: "" });

// BENCH_MAPS_TRACE_DIR=<dir> keeps every trace (open in chrome://tracing or Perfetto).
const traceDir = process.env.BENCH_MAPS_TRACE_DIR;
if (traceDir) fs.mkdirSync(traceDir, { recursive: true });
let traceCount = 0;

type TraceEvent = { name: string; ph: string; ts: number; dur?: number; args?: unknown };
const SWAP = "SkiaOutputSurfaceImplOnGpu::SwapBuffers";

/**
 * Runs `action` under a Chrome trace (viz/gpu/timeline categories) and returns, in the page's
 * performance.now() clock: the submission time `action` returned, and when the GPU process had
 * presented that frame (end of the first swap that started after the submission). The clocks are
 * aligned by a console.timeStamp taken together with performance.now() inside the trace.
 */
async function presentedAt(browser: Browser, page: Page, action: () => Promise<number>): Promise<{ submitted: number; presented: number; swaps: { start: number; end: number }[] }> {
  await browser.startTracing(page, { categories: ["devtools.timeline", "viz", "gpu"] });
  const submitted = await action();
  await page.waitForTimeout(1200); // the software GPU may still be busy with earlier frames
  const mark = await page.evaluate(() => {
    console.timeStamp("isobar-bench-clock");
    return performance.now();
  });
  const trace = await browser.stopTracing();
  if (traceDir) fs.writeFileSync(path.join(traceDir, `trace-${++traceCount}-${submitted.toFixed(0)}.json`), trace);
  const events = (JSON.parse(trace.toString()) as { traceEvents: TraceEvent[] }).traceEvents;
  const clock = events.find((e) => e.name === "TimeStamp" && JSON.stringify(e.args).includes("isobar-bench-clock"));
  if (!clock) throw new Error("the trace has no clock mark (devtools.timeline category missing?)");
  const offset = clock.ts / 1000 - mark; // trace ms = page ms + offset
  const swaps = events
    .filter((e) => e.name === SWAP && e.ph === "X")
    .map((e) => ({ start: e.ts / 1000 - offset, end: (e.ts + (e.dur ?? 0)) / 1000 - offset }))
    .sort((a, b) => a.start - b.start);
  const swap = swaps.find((w) => w.start >= submitted);
  if (!swap) throw new Error(`no frame was presented after the submission at ${submitted.toFixed(0)} ms (swaps at ${swaps.map((w) => w.start.toFixed(0)).join(", ")}; clock mark ${mark.toFixed(0)})`);
  return { submitted, presented: swap.end, swaps };
}


function rawGet(url: string, encoding: string): Promise<{ bytes: number; ms: number; body: Buffer; contentEncoding: string }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    http
      .get(url, { headers: { "accept-encoding": encoding } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const body = Buffer.concat(chunks);
          resolve({ bytes: body.length, ms: performance.now() - t0, body, contentEncoding: String(res.headers["content-encoding"] ?? "identity") });
        });
      })
      .on("error", reject);
  });
}

try {
  // ---------------------------------------------------------------- bytes per point
  for (const g of process.env.BENCH_MAPS_BYTES === "0" ? [] : grids) {
    const rows: [string, string][] = [];
    for (const variable of ["2t", "10u", "msl"]) {
      for (const enc of ["f32", "q16"] as const) {
        const url = `${server.url}/api/fields?dataset=${g.file}&variable=${variable}&date=3&encoding=${enc}`;
        await rawGet(url, "identity"); // warm the server's date cache
        const cells: string[] = [];
        for (const ae of ["identity", "gzip", "br"]) {
          const times: number[] = [];
          let r = await rawGet(url, ae);
          for (let i = 0; i < 3; i++) {
            r = await rawGet(url, ae);
            times.push(r.ms);
          }
          times.sort((a, b) => a - b);
          cells.push(`${ae === "identity" ? "raw" : ae} ${(r.bytes / g.points).toFixed(2)} B/pt (${times[1].toFixed(0)} ms)`);
          if (ae === "identity") {
            const { header } = decodeFieldHeader(new Uint8Array(r.body));
            if (header.shape[0] !== g.points) throw new Error(`unexpected point count ${header.shape[0]}`);
          }
        }
        rows.push([`${variable} ${enc}`, cells.join(" · ")]);
      }
    }
    report(`bytes per point transferred and server time per request, ${g.label}`, rows);
  }

  // ---------------------------------------------------------------- browser
  const browser = await launchBrowser();
  /** When deck.gl submitted the first frame of the field whose key contains `key` (page clock). */
  const submittedAt = (page: Page, key: string) =>
    page.waitForFunction((k) => {
      const r = window.__isobarMaps?.rendered["0"];
      return r && r.key.includes(k) ? r.at : null;
    }, key, { timeout: 240_000 }).then((h) => h.jsonValue() as Promise<number>);

  // Baseline: the same browser drawing deck.gl's renderer check (/system), no field.
  {
    const page = await browser.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const base: number[] = [];
    for (let i = 0; i < 3; i++) {
      await page.goto(`${server.url}/system`);
      await page.locator('[data-testid="renderer-check"][data-rendered="true"]').waitFor({ timeout: 120_000 });
      base.push(await page.evaluate(() => performance.now()));
    }
    report("baseline", [["navigation → deck.gl renderer check drawn (/system, no field)", `${base.map((t) => t.toFixed(0)).join(", ")} ms`]]);
    await page.close();
  }

  const STEP_DATES = ["2024-01-01T00:00:00Z", "2024-01-01T06:00:00Z", "2024-01-01T12:00:00Z", "2024-01-01T18:00:00Z", "2024-01-02T00:00:00Z", "2024-01-02T06:00:00Z"];
  /** How the page steps through time: the dataset's date slider or a forecast's lead-time slider. */
  type Stepper = {
    name: string;
    url: (step: number, variable: string) => string;
    /** A substring of the drawn field's key (the JSON of its request) that names the step. */
    key: (step: number) => string;
    /** A substring of the field request's URL for the step. */
    query: (step: number) => string;
    slider: string;
    next: string;
  };
  const steppers = (g: (typeof grids)[number]): Stepper[] => [
    {
      name: "dataset date slider",
      url: (i, v) => `${server.url}/maps?dataset=${g.file}&variable=${v}&date=${STEP_DATES[i]}`,
      key: (i) => STEP_DATES[i],
      query: (i) => `date=${encodeURIComponent(STEP_DATES[i])}`,
      slider: "Date",
      next: "Next date",
    },
    {
      name: "forecast lead-time slider",
      url: (i, v) => `${server.url}/maps?forecast=${forecastOf.get(g.file)}&init=${STEP_DATES[0]}&variable=${v}&lead=${6 * i}`,
      key: (i) => `"lead":"${6 * i}"`,
      query: (i) => `lead=${6 * i}&`,
      slider: "Lead time",
      next: "Next lead time",
    },
  ];

  // BENCH_MAPS_VARIABLE=z_500 steps through a variable with an automatic colour range (default 10u, a fixed range).
  const stepVariable = process.env.BENCH_MAPS_VARIABLE ?? "10u";
  for (const g of grids) {
    // BENCH_MAPS_STEPPERS=forecast (or dataset) measures one slider only.
    for (const st of steppers(g).filter((s) => !process.env.BENCH_MAPS_STEPPERS || s.name.startsWith(process.env.BENCH_MAPS_STEPPERS))) {
      const page = await browser.browser.newPage({ viewport: { width: 1280, height: 900 } });
      const rows: [string, string][] = [];
      // Warm-up (page code and grid compiled/cached), then navigations measured in the same page.
      await page.goto(st.url(0, "2t"));
      await submittedAt(page, st.key(0));
      const first: number[] = [];
      const withBasemap: number[] = [];
      const fieldFetch: number[] = [];
      for (const i of [1, 2, 3, 0]) {
        const { presented: at, submitted, swaps } = await presentedAt(browser.browser, page, async () => {
          await page.goto(st.url(i, stepVariable));
          return submittedAt(page, st.key(i));
        });
        // The coastlines and graticule follow the field's first frame; when was that frame presented?
        const completeAt = (await page
          .waitForFunction((k) => {
            const c = window.__isobarMaps?.complete["0"];
            return c && c.key.includes(k) ? c.at : null;
          }, st.key(i), { timeout: 60_000 })
          .then((h) => h.jsonValue())) as number;
        const completeSwap = swaps.find((w) => w.start >= completeAt);
        withBasemap.push(completeSwap ? completeSwap.end : NaN);
        const ends = (await page.evaluate(`(() => {
          const fields = performance.getEntriesByType("resource").filter((e) => e.name.includes("/api/fields?"));
          const end = (part) => Math.max(0, ...performance.getEntriesByType("resource").filter((e) => e.name.includes(part)).map((e) => e.responseEnd));
          const shown = fields.find((e) => e.name.includes(${JSON.stringify(st.query(i))}));
          return { meta: end("/api/fields/meta"), grid: end("/api/grids/"), start: shown ? shown.startTime : NaN, field: shown ? shown.responseEnd : NaN };
        })()`)) as { meta: number; grid: number; start: number; field: number };
        first.push(at);
        fieldFetch.push(ends.field - ends.start);
        rows.push([`  breakdown (step ${i})`, `meta received ${ends.meta.toFixed(0)} ms, grid ${ends.grid.toFixed(0)} ms, shown field requested ${ends.start.toFixed(0)} ms and received ${ends.field.toFixed(0)} ms, first frame submitted ${submitted.toFixed(0)} ms and presented ${at.toFixed(0)} ms after navigation start`]);
      }
      rows.unshift(
        ["navigation → first field frame", `${first.map((t) => t.toFixed(0)).join(", ")} ms (field request itself ${fieldFetch.map((t) => t.toFixed(0)).join(", ")} ms)`],
        ["navigation → field with coastlines and graticule", `${withBasemap.map((t) => (Number.isNaN(t) ? "not within the trace" : t.toFixed(0))).join(", ")} ms`],
      );

      // A step change from input to the presented frame, by the slider or the Next button.
      const jump = async (toIdx: number, how: "slider" | "next") => {
        let t0 = 0;
        const { presented } = await presentedAt(browser.browser, page, async () => {
          t0 = await page.evaluate(
            ({ toIdx, how, slider, next }) => {
              const t = performance.now();
              if (how === "next") (document.querySelector(`button[aria-label="${next}"]`) as HTMLButtonElement).click();
              else {
                const el = document.querySelector(`input[aria-label="${slider}"]`) as HTMLInputElement;
                const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")!.set!;
                setter.call(el, String(toIdx));
                el.dispatchEvent(new Event("input", { bubbles: true }));
              }
              return t;
            },
            { toIdx, how, slider: st.slider, next: st.next },
          );
          return submittedAt(page, st.key(toIdx));
        });
        return presented - t0;
      };
      // Not prefetched: from step 0 to 5 with the slider (prefetch covers −1, +1, +2).
      const cold = await jump(5, "slider");
      // Wait until the neighbour 4 is fetched, then step back and forth between 4 and 5.
      await page.waitForFunction((q) => performance.getEntriesByType("resource").some((e) => e.name.includes("/api/fields?") && e.name.includes(q)), st.query(4), { timeout: 60_000 });
      await page.waitForTimeout(1000);
      const all: number[] = [];
      const copiedFrame: boolean[] = []; // whether the switch copied a frame drawn ahead (FrameCache)
      const copies = () => page.evaluate(() => window.__isobarMaps!.frames.copied);
      for (let i = 0; i < 10; i++) {
        await page.waitForTimeout(i < 2 ? 1000 : 700);
        const before = await copies();
        all.push(await jump(i % 2 === 0 ? 4 : 5, i % 2 === 0 ? "slider" : "next"));
        copiedFrame.push((await copies()) > before);
      }
      rows.push(["step switch, not prefetched", `${cold.toFixed(0)} ms`]);
      const sorted = [...all].sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)];
      rows.push(["step switch, prefetched", `${all.map((t, i) => `${t.toFixed(0)}${copiedFrame[i] ? "" : "*"}`).join(", ")} ms (* drawn, not copied from a frame drawn ahead); median ${median.toFixed(0)} ms, p90 ${sorted[Math.floor(sorted.length * 0.9)].toFixed(0)} ms, ${all.filter((t) => t <= 100).length} of ${all.length} ≤ 100 ms (median ${(cold / median).toFixed(1)}× faster than not prefetched)`]);

      if (st.name.startsWith("dataset")) {
        // Warm page: a field not fetched yet (another variable), from the request to its first frame.
        const switchVariable = async (v: string) => {
          let t0 = 0;
          const { presented } = await presentedAt(browser.browser, page, async () => {
            t0 = await page.evaluate((v) => {
              const t = performance.now();
              const el = document.querySelector('select[aria-label="Variable"]') as HTMLSelectElement;
              el.value = v;
              el.dispatchEvent(new Event("change", { bubbles: true }));
              return t;
            }, v);
            return submittedAt(page, `"variable":"${v}"`);
          });
          return presented - t0;
        };
        await page.waitForTimeout(1000);
        const newField = [await switchVariable("msl")];
        await page.waitForTimeout(1000);
        newField.push(await switchVariable("2t"));
        await page.waitForTimeout(1000);
        rows.push(["warm page: new field (variable switch, not prefetched) → first frame", `${newField.map((t) => t.toFixed(0)).join(", ")} ms`]);

        // Frame intervals while panning: a mouse drag across the map; the intervals between the
        // frames the GPU process presented during the drag.
        const panel = page.locator('[data-testid="map-panel-0"]');
        const box = (await panel.boundingBox())!;
        let dragEnd = 0;
        const { swaps, submitted: dragStart } = await presentedAt(browser.browser, page, async () => {
          await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.5);
          const start = await page.evaluate(() => performance.now());
          await page.mouse.down();
          for (let i = 1; i <= 40; i++) await page.mouse.move(box.x + box.width * (0.3 + 0.01 * i), box.y + box.height * (0.5 - 0.004 * i));
          await page.mouse.up();
          dragEnd = await page.evaluate(() => performance.now());
          return start;
        });
        const during = swaps.filter((w) => w.start >= dragStart && w.start <= dragEnd).map((w) => w.end);
        const iv = during.slice(1).map((t, i) => t - during[i]).sort((a, b) => a - b);
        rows.push(["frame interval while panning", `median ${iv[Math.floor(iv.length / 2)].toFixed(0)} ms, p90 ${iv[Math.floor(iv.length * 0.9)].toFixed(0)} ms over ${iv.length} presented frames (1280×900 page, SwiftShader on 2 CPU cores)`]);
      }
      report(`browser, ${g.label}, ${st.name}, stepping ${stepVariable}`, rows);
      await page.close();
    }
  }
  await browser.close();
} finally {
  await server.proc.stop();
  fs.rmSync(home, { recursive: true, force: true });
}
