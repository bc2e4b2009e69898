import fs from "node:fs";
import type http from "node:http";
import { sql } from "drizzle-orm";
import { readEnv } from "@/server/env";
import { createIsobarServer, listen } from "@/server/http/server";
import { openServices, type Services } from "@/server/services";
import { downsample } from "@/lib/tracking/downsample";
import { parseRunFilter } from "@/lib/tracking/search-filter";
import { runSearchQuery, searchRuns } from "@/server/tracking/store/search";
import { freshHome } from "../tests/support/isobar-process";
import { createTestDatabase } from "../tests/support/postgres";
import { peakRssMiB, report, time } from "./harness";

/**
 * Tracking throughput on both storage modes, each figure with a baseline measured in the same
 * run through the same driver. Scale with BENCH_SCALE (default 1: 10^6-point history, 10,000 runs).
 */
const SCALE = Number(process.env.BENCH_SCALE ?? "1");
const HISTORY_POINTS = Math.round(1_000_000 * SCALE);
const SEARCH_RUNS = Math.round(10_000 * SCALE);
const INGEST_BATCHES = Math.round(200 * SCALE);
/** Which parts to run (comma-separated): ingest, history, search. Default: all. */
const PARTS = new Set((process.env.BENCH_TRACKING_PARTS ?? "ingest,history,search").split(",").map((p) => p.trim()));

/**
 * fetch, retried once when a kept-alive socket turns out closed: the long synchronous database
 * phases of this benchmark block the event loop past the keep-alive timeout.
 */
async function fetchRetry(input: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(input, init);
  } catch (err) {
    if ((err as { cause?: { code?: string } }).cause?.code !== "ECONNRESET") throw err;
    return fetch(input, init);
  }
}

async function post(url: string, path: string, body: unknown) {
  const res = await fetchRetry(`${url}/api/2.0/mlflow/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, unknown>>;
}

async function benchMode(label: string, services: Services) {
  const server: http.Server = createIsobarServer(services, null);
  const url = await listen(server, 0, "127.0.0.1");
  const db = services.storage.db;
  const rows: [string, string][] = [];
  try {
    const exp = (await post(url, "experiments/create", { name: "bench" })).experiment_id as string;
    const newRun = async () => ((await post(url, "runs/create", { experiment_id: exp })).run as { info: { run_id: string } }).info.run_id;

    if (PARTS.has("ingest")) {
      // 1. log-batch ingest, 4 concurrent clients, 1000 metrics per batch.
      const runIds = await Promise.all([0, 1, 2, 3].map(() => newRun()));
      const t0 = performance.now();
      await Promise.all(
        runIds.map(async (runId, c) => {
          for (let b = 0; b < INGEST_BATCHES / 4; b++) {
            const metrics = Array.from({ length: 1000 }, (_, i) => ({ key: `m${i % 10}`, value: Math.sin(i + b), timestamp: 1000 + b, step: b * 100 + Math.floor(i / 10) }));
            await post(url, "runs/log-batch", { run_id: runId, metrics });
            void c;
          }
        }),
      );
      const ingestS = (performance.now() - t0) / 1000;
      const ingested = INGEST_BATCHES * 1000;
      await db.execute(sql`create table bench_raw (run_id text, key text, step bigint, timestamp bigint, value double precision, primary key (run_id, key, step, timestamp, value))`);
      const t1 = performance.now();
      for (let b = 0; b < INGEST_BATCHES; b++) {
        const values = sql.join(Array.from({ length: 1000 }, (_, i) => sql`(${"r"}, ${`m${i % 10}`}, ${b * 100 + Math.floor(i / 10)}, ${1000 + b}, ${Math.sin(i + b)})`), sql`, `);
        await db.execute(sql`insert into bench_raw values ${values} on conflict do nothing`);
      }
      const rawS = (performance.now() - t1) / 1000;
      rows.push(["log-batch ingest (4 clients)", `${Math.round(ingested / ingestS).toLocaleString()} points/s  (raw multi-row INSERT: ${Math.round(ingested / rawS).toLocaleString()} points/s; ratio ${(rawS / ingestS).toFixed(2)})`]);

    }

    if (PARTS.has("history")) {
      // 2. get-history of a 10^6-point key: full, and downsampled to 2,000 points.
      const histRun = await newRun();
      for (let start = 0; start < HISTORY_POINTS; start += 5000) {
        const n = Math.min(5000, HISTORY_POINTS - start);
        const values = sql.join(Array.from({ length: n }, (_, i) => sql`(${histRun}, ${"loss"}, ${start + i}, ${start + i}, ${1 / (start + i + 1)})`), sql`, `);
        await db.execute(sql`insert into metrics (run_id, key, step, timestamp, value) values ${values}`);
      }
      const t2 = performance.now();
      const res = await fetchRetry(`${url}/api/2.0/mlflow/metrics/get-history?run_id=${histRun}&metric_key=loss`);
      const body = (await res.json()) as { metrics: { step: number; value: number }[] };
      const fullS = (performance.now() - t2) / 1000;
      const t3 = performance.now();
      const raw = await db.execute(sql`select step, timestamp, value from metrics where run_id = ${histRun} and key = 'loss' order by step`);
      const rawHistS = (performance.now() - t3) / 1000;
      const steps = new Float64Array(body.metrics.map((m) => m.step));
      const vals = new Float64Array(body.metrics.map((m) => m.value));
      const t4 = performance.now();
      const ds = downsample(steps, vals, { method: "minmax", targetPoints: 2000 });
      const dsS = (performance.now() - t4) / 1000;
      void raw;
      rows.push([`get-history, ${HISTORY_POINTS.toLocaleString()} points`, `${fullS.toFixed(2)} s over HTTP  (raw SELECT of the same rows: ${rawHistS.toFixed(2)} s; ratio ${(fullS / rawHistS).toFixed(2)})`]);
      rows.push(["  downsampled to 2,000 (min/max)", `${(dsS * 1000).toFixed(0)} ms on top, ${ds.steps.length} points`]);
    }

    if (PARTS.has("search")) {
      // 3. runs/search over 10,000 runs with a metric filter and order_by: the API over HTTP, the
      //    hand-written join it is compared with, and the correlated-subquery form search used
      //    before (ORDER BY a subquery per row), all medians of 5 after a warm-up.
      const searchExp = (await post(url, "experiments/create", { name: "bench-search" })).experiment_id as string;
      await db.execute(sql`
        insert into runs (id, experiment_id, name, status, start_time, artifact_uri)
        select 'bench' || g, ${Number(searchExp)}, 'run-' || g, 'FINISHED', g, 'mlflow-artifacts:/x' from generate_series(1, ${SEARCH_RUNS}) g`);
      await db.execute(sql`
        insert into latest_metrics (run_id, key, step, timestamp, value)
        select 'bench' || g, 'val_loss', 1, 1, (g * 7919 % 1000) / 1000.0 from generate_series(1, ${SEARCH_RUNS}) g`);
      await db.execute(sql`insert into run_params (run_id, key, value) select 'bench' || g, 'lr', (g % 10)::text from generate_series(1, ${SEARCH_RUNS}) g`);
      await db.execute(sql`analyze`);
      let found = 0;
      const filter = "metrics.val_loss < 0.5 and params.lr = '3'";
      const api = await time(async () => {
        const r = await post(url, "runs/search", { experiment_ids: [searchExp], filter, order_by: ["metrics.val_loss ASC"], max_results: 100 });
        found = (r.runs as unknown[]).length;
      });
      const opts = (clauses: string) => ({
        experimentIds: [Number(searchExp)],
        clauses: parseRunFilter(clauses),
        orderBy: [{ kind: "metric" as const, key: "val_loss", ascending: true }],
        viewType: "ACTIVE_ONLY" as const,
        offset: 0,
        limit: 100,
      });
      const inProcess = await time(() => searchRuns(db, opts(filter)));
      const compiled = await time(() => runSearchQuery(db, opts(filter)));
      const join = await time(() =>
        db.execute(sql`
          select r.id from runs r join latest_metrics m on m.run_id = r.id and m.key = 'val_loss'
          join run_params p on p.run_id = r.id and p.key = 'lr'
          where r.experiment_id = ${Number(searchExp)} and m.value < 0.5 and p.value = '3' order by m.value limit 101`),
      );
      // The form search compiled to before: ORDER BY a correlated subquery per row.
      const correlated = (withFilter: boolean) =>
        time(() =>
          db.execute(sql`
            select r.* from runs r
            where r.experiment_id = ${Number(searchExp)} and r.lifecycle_stage = 'active'
              ${withFilter ? sql`and exists (select 1 from latest_metrics lm where lm.run_id = r.id and lm.key = 'val_loss' and lm.value < 0.5)
              and exists (select 1 from run_params p where p.run_id = r.id and p.key = 'lr' and p.value = '3')` : sql``}
            order by (select lm.value from latest_metrics lm where lm.run_id = r.id and lm.key = 'val_loss') asc nulls last, r.start_time desc nulls last, r.id
            limit 101`),
        );
      const oldFiltered = await correlated(true);
      const sortAllNew = await time(() => runSearchQuery(db, opts("")));
      const sortAllOld = await correlated(false);
      const ms = (t: { medianMs: number }) => `${t.medianMs.toFixed(0)} ms`;
      rows.push([
        `runs/search, ${SEARCH_RUNS.toLocaleString()} runs, metric filter + order_by`,
        `${ms(api)} for ${found} runs over HTTP, median of 5  (hand-written SQL join: ${ms(join)}; ratio ${(api.medianMs / join.medianMs).toFixed(1)})`,
      ]);
      rows.push(["  searchRuns() in process (SQL + params/tags/metrics of 100 runs)", ms(inProcess)]);
      rows.push(["  its SQL alone (joins for the filter and order keys)", `${ms(compiled)}  (ratio to the hand-written join ${(compiled.medianMs / join.medianMs).toFixed(2)}; previous correlated-subquery SQL: ${ms(oldFiltered)})`]);
      rows.push([`  order_by metric, no filter (sorts all ${SEARCH_RUNS.toLocaleString()} runs), SQL alone`, `${ms(sortAllNew)} with the join; ${ms(sortAllOld)} with the previous correlated subquery (${(sortAllOld.medianMs / sortAllNew.medianMs).toFixed(1)}×)`]);
    }
    rows.push(["peak RSS", `${peakRssMiB().toFixed(0)} MiB`]);
    report(`tracking benchmark — ${label}`, rows);
  } finally {
    await new Promise((r) => server.close(r));
  }
}

const home = freshHome("bench-tracking");
try {
  const embedded = await openServices(readEnv({ ISOBAR_HOME: home }), { command: "bench", runWorkers: false, supervise: false });
  try {
    await benchMode("embedded PGlite", embedded);
  } finally {
    await embedded.close();
  }
  const pgdb = await createTestDatabase("bench");
  const pg = await openServices(readEnv({ ISOBAR_HOME: home, DATABASE_URL: pgdb.url }), { command: "bench", runWorkers: false, supervise: false });
  try {
    await benchMode("PostgreSQL", pg);
  } finally {
    await pg.close();
    await pgdb.drop();
  }
} finally {
  fs.rmSync(home, { recursive: true, force: true });
}
