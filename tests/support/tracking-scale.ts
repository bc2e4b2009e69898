import pg from "pg";

/**
 * Fills a PostgreSQL-mode Isobar database with many runs straight through SQL (generate_series), for the
 * UI scale benchmark (bench/tracking-ui.bench.ts) and its smaller browser test (tests/e2e/tracking-scale.test.ts).
 * Logging millions of points through the API would take minutes; the pages only read.
 *
 * - `runs` runs in experiment `name`, named run-00001 …, status FINISHED, start_time = index (ms), a param `lr` and
 *   a latest `val_loss` on every run;
 * - the first `historyRuns` runs also get a `train_loss` history of `points` points (step 0 … points−1) with its
 *   latest value. The value is 1/(1 + step/1000) plus a run-dependent wave, and one spike per run at step
 *   ⌊points/3⌋ (value 10 + run index), so a chart that keeps extremes has to show it.
 */
export type ScaleSpec = { name: string; runs: number; historyRuns: number; points: number };

export const SPIKE_VALUE = (runIndex: number) => 10 + runIndex;

export async function seedTrackingScale(databaseUrl: string, spec: ScaleSpec): Promise<{ experimentId: string; runIds: string[]; historyRunIds: string[] }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const now = Date.now();
    const exp = await client.query<{ id: string }>(
      "insert into experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time) values ($1, $2, 'active', $3, $3) returning id",
      [spec.name, `mlflow-artifacts:/${spec.name}`, now],
    );
    const experimentId = String(exp.rows[0].id);
    const prefix = `${spec.name}-`;
    await client.query(
      `insert into runs (id, experiment_id, name, status, start_time, end_time, artifact_uri)
       select $1 || lpad(g::text, 5, '0'), $2, 'run-' || lpad(g::text, 5, '0'), 'FINISHED', g, g + 1000, 'mlflow-artifacts:/x'
       from generate_series(1, $3::int) g`,
      [prefix, experimentId, spec.runs],
    );
    await client.query(
      `insert into run_params (run_id, key, value) select $1 || lpad(g::text, 5, '0'), 'lr', (1e-4 * (1 + g % 10))::text from generate_series(1, $2::int) g`,
      [prefix, spec.runs],
    );
    await client.query(
      `insert into latest_metrics (run_id, key, step, timestamp, value)
       select $1 || lpad(g::text, 5, '0'), 'val_loss', 1, 1, (g * 7919 % 1000) / 1000.0 from generate_series(1, $2::int) g`,
      [prefix, spec.runs],
    );
    const spikeStep = Math.floor(spec.points / 3);
    for (let r = 1; r <= spec.historyRuns; r++) {
      const runId = `${prefix}${String(r).padStart(5, "0")}`;
      await client.query(
        `insert into metrics (run_id, key, step, timestamp, value)
         select $1, 'train_loss', s, 1700000000000 + s * 1000,
                case when s = $3 then $4::float8 else 1.0 / (1 + s / 1000.0) + 0.05 * sin(s / 50.0 + $5) end
         from generate_series(0, $2::int - 1) s`,
        [runId, spec.points, spikeStep, SPIKE_VALUE(r - 1), r],
      );
      await client.query(
        `insert into latest_metrics (run_id, key, step, timestamp, value)
         select run_id, key, step, timestamp, value from metrics where run_id = $1 and key = 'train_loss' order by step desc limit 1`,
        [runId],
      );
    }
    await client.query("analyze");
    const ids = Array.from({ length: spec.runs }, (_, i) => `${prefix}${String(i + 1).padStart(5, "0")}`);
    return { experimentId, runIds: ids, historyRunIds: ids.slice(0, spec.historyRuns) };
  } finally {
    await client.end();
  }
}

/*
 * In-page timing scripts, as plain JavaScript strings: page.evaluate(string) runs them untouched (a
 * TypeScript function would be serialised after the test transform, which may add helper calls the
 * page does not have). Each resolves to a list of durations in ms.
 */

/** Scrolls `selector` by `stepPx` once per animation frame for `frames` frames: the intervals between frames. */
export function scrollFramesJs(selector: string, frames: number, stepPx: number): string {
  return `new Promise((resolve) => {
    const el = document.querySelector(${JSON.stringify(selector)});
    const out = [];
    let last = performance.now();
    let n = 0;
    const tick = () => {
      const t = performance.now();
      if (n > 0) out.push(t - last);
      last = t;
      if (n++ >= ${frames}) return resolve(out);
      el.scrollTop += ${stepPx};
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  })`;
}

const NEXT_FRAMES = "() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))";

/** Moves the mouse across `selector` in `moves` steps: time from each mousemove to the second frame after it. */
export function hoverJs(selector: string, moves: number): string {
  return `(async () => {
    const el = document.querySelector(${JSON.stringify(selector)});
    const frames = ${NEXT_FRAMES};
    const b = el.getBoundingClientRect();
    const at = (type, x, y, extra) => el.dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true, view: window, clientX: x, clientY: y, ...extra }));
    at("mouseenter", b.left + 1, b.top + b.height / 2);
    await frames();
    const out = [];
    for (let i = 0; i < ${moves}; i++) {
      const t = performance.now();
      at("mousemove", b.left + 2 + ((b.width - 4) * i) / ${moves}, b.top + b.height / 2);
      await frames();
      out.push(performance.now() - t);
    }
    return out;
  })()`;
}

/**
 * Drag-zooms `selector` `times` times (mousedown, mousemove, mouseup over a third of its width, as
 * uPlot's drag-to-zoom), then double-clicks to reset: time from mousedown (or dblclick) to the second frame after.
 */
export function zoomJs(selector: string, times: number, reset = true): string {
  return `(async () => {
    const el = document.querySelector(${JSON.stringify(selector)});
    const frames = ${NEXT_FRAMES};
    const b = el.getBoundingClientRect();
    const y = b.top + b.height / 2;
    const at = (target, type, x, extra) => target.dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true, view: window, clientX: x, clientY: y, button: 0, ...extra }));
    const zoom = [], reset = [];
    for (let i = 0; i < ${times}; i++) {
      const x0 = b.left + b.width * (0.2 + 0.05 * (i % 4)), x1 = x0 + b.width / 3;
      at(el, "mouseenter", x0);
      at(el, "mousemove", x0);
      let t = performance.now();
      at(el, "mousedown", x0, { buttons: 1 });
      at(el, "mousemove", x1, { buttons: 1 });
      at(document, "mouseup", x1);
      await frames();
      zoom.push(performance.now() - t);
      if (!${reset}) continue;
      t = performance.now();
      at(el, "dblclick", x1, { detail: 2 });
      await frames();
      reset.push(performance.now() - t);
    }
    return { zoom, reset };
  })()`;
}

export type FrameStats = { n: number; median: number; p95: number; max: number; over50: number };

export function frameStats(samples: number[]): FrameStats {
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, median: q(0.5), p95: q(0.95), max: s[s.length - 1], over50: s.filter((x) => x > 50).length };
}
