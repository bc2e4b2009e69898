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
import { createDataset, loadRecipe } from "@/lib/datasets";
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
    "  synthetic: {seed: 1, variables: [2t, msl, 10u, 10v]}",
    `output: {grid: ${grid}}`,
  ].join("\n");
  const t0 = performance.now();
  await createDataset(await loadRecipe(yaml), path.join(home, file), { overwrite: true });
  return performance.now() - t0;
}

const grids = [
  { label: "classic reduced N320 (542,080 pts)", file: "n320.zarr", grid: "reduced-N320", points: 542_080 },
  { label: "0.25° (1,038,240 pts)", file: "q025.zarr", grid: '"0.25"', points: 1_038_240 },
];

// BENCH_MAPS_GRIDS=n320 (or q025) limits the run to one grid; BENCH_MAPS_BYTES=0 skips the transfer table.
const only = process.env.BENCH_MAPS_GRIDS?.split(",");
if (only) grids.splice(0, grids.length, ...grids.filter((g) => only.some((o) => g.file.startsWith(o))));
for (const g of grids) console.log(`built ${g.label} in ${((await build(g.file, g.grid)) / 1000).toFixed(1)} s`);

const server = await startServer({ ISOBAR_HOME: home, DATABASE_URL: "" });

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
  const events = (JSON.parse((await browser.stopTracing()).toString()) as { traceEvents: TraceEvent[] }).traceEvents;
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

  for (const g of grids) {
    const page = await browser.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const dates = ["2024-01-01T00:00:00Z", "2024-01-01T06:00:00Z", "2024-01-01T12:00:00Z", "2024-01-01T18:00:00Z", "2024-01-02T00:00:00Z", "2024-01-02T06:00:00Z"];
    const rows: [string, string][] = [];
    // Warm-up (page code and grid compiled/cached), then a fresh page for the measurement.
    await page.goto(`${server.url}/maps?dataset=${g.file}&variable=2t&date=${dates[0]}`);
    await submittedAt(page, dates[0]);
    const first: number[] = [];
    const fieldFetch: number[] = [];
    for (const d of [dates[1], dates[2], dates[3], dates[0]]) {
      const { presented: at, submitted } = await presentedAt(browser.browser, page, async () => {
        await page.goto(`${server.url}/maps?dataset=${g.file}&variable=10u&date=${d}`);
        return submittedAt(page, d);
      });
      const res = await page.evaluate(() => performance.getEntriesByType("resource").filter((e) => e.name.includes("/api/fields?")).map((e) => {
        const t = e as PerformanceResourceTiming;
        return { start: t.startTime, end: t.responseEnd, size: t.encodedBodySize };
      }));
      first.push(at);
      fieldFetch.push(res[0].end - res[0].start);
      const ends = (await page.evaluate(`(() => {
        const end = (part) => Math.max(0, ...performance.getEntriesByType("resource").filter((e) => e.name.includes(part)).map((e) => e.responseEnd));
        const shown = performance.getEntriesByType("resource").find((e) => e.name.includes("/api/fields?") && e.name.includes(${JSON.stringify(encodeURIComponent(d))}));
        return { meta: end("/api/fields/meta"), grid: end("/api/grids/"), start: shown ? shown.startTime : NaN, field: shown ? shown.responseEnd : NaN };
      })()`)) as { meta: number; grid: number; start: number; field: number };
      rows.push([`  breakdown (${d})`, `meta received ${ends.meta.toFixed(0)} ms, grid ${ends.grid.toFixed(0)} ms, shown field requested ${ends.start.toFixed(0)} ms and received ${ends.field.toFixed(0)} ms, first frame submitted ${submitted.toFixed(0)} ms and presented ${at.toFixed(0)} ms after navigation start`]);
    }
    rows.unshift(["navigation → first field frame", `${first.map((t) => t.toFixed(0)).join(", ")} ms (field request itself ${fieldFetch.map((t) => t.toFixed(0)).join(", ")} ms)`]);

    // Lead switch, not prefetched: jump 3 steps ahead with the slider (prefetch covers −1, +1, +2).
    const jump = async (toIdx: number, how: "slider" | "next") => {
      let t0 = 0;
      const { presented } = await presentedAt(browser.browser, page, async () => {
        t0 = await page.evaluate(
        ({ toIdx, how }) => {
          const t = performance.now();
          if (how === "next") (document.querySelector('button[aria-label="Next date"]') as HTMLButtonElement).click();
          else {
            const el = document.querySelector('input[aria-label="Date"]') as HTMLInputElement;
            const setter = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value")!.set!;
            setter.call(el, String(toIdx));
            el.dispatchEvent(new Event("input", { bubbles: true }));
          }
          return t;
        },
        { toIdx, how },
        );
        return submittedAt(page, dates[toIdx]);
      });
      return presented - t0;
    };
    const cold = await jump(5, "slider"); // from 2 to 5: not prefetched
    // Wait until the neighbours of 5 are fetched (4 prefetched), then step back and forth.
    await page.waitForFunction(() => performance.getEntriesByType("resource").filter((e) => e.name.includes("/api/fields?") && e.name.includes("T00%3A00%3A00Z") && e.name.includes("2024-01-02")).length > 0, undefined, { timeout: 60_000 });
    await page.waitForTimeout(1000);
    const warm = await jump(4, "slider");
    await page.waitForTimeout(1000);
    const warm2 = await jump(5, "next");
    // More prefetched switches back and forth (slider and Next button), for the distribution.
    const more: number[] = [];
    for (let i = 0; i < 8; i++) {
      await page.waitForTimeout(700);
      more.push(await jump(i % 2 === 0 ? 4 : 5, i % 2 === 0 ? "slider" : "next"));
    }
    rows.push(["lead switch, not prefetched", `${cold.toFixed(0)} ms`]);

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
    const all = [warm, warm2, ...more].sort((a, b) => a - b);
    const median = all[Math.floor(all.length / 2)];
    rows.push(["lead switch, prefetched", `first two ${warm.toFixed(0)}, ${warm2.toFixed(0)} ms; all ${all.length}: median ${median.toFixed(0)} ms, ${all[0].toFixed(0)}–${all[all.length - 1].toFixed(0)} ms, ${all.filter((t) => t <= 100).length} of ${all.length} ≤ 100 ms (median ${(cold / median).toFixed(1)}× faster than not prefetched)`]);

    // Frame intervals while panning: a mouse drag across the map; the intervals between the frames
    // the GPU process presented during the drag.
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
    report(`browser, ${g.label}`, rows);
    await page.close();
  }
  await browser.close();
} finally {
  await server.proc.stop();
  fs.rmSync(home, { recursive: true, force: true });
}
