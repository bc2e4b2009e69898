import fs from "node:fs";
import path from "node:path";
import JSON5 from "json5";
import { z } from "zod";
import type { Db } from "../../db/storage";
import { artifactRoot } from "../artifacts";
import { RUN_STATUSES } from "../store/types";
import type { ImportProgress, ImportReport } from "./mlruns-import";
import { appendMetrics, ensureExperiment, refreshLatestMetrics, upsertRun } from "./sink";

/** Remote MLflow answers, validated at the boundary (int64 may come as numbers or strings). */
const num = z.union([z.number(), z.string()]).transform(Number);
const nullableNum = z.union([z.number(), z.string(), z.null()]).optional().transform((v) => (v === undefined || v === null ? null : Number(v)));
const kv = z.object({ key: z.string(), value: z.string().default("") });
const Experiment = z.object({
  experiment_id: z.string(),
  name: z.string(),
  lifecycle_stage: z.enum(["active", "deleted"]).default("active"),
  creation_time: nullableNum,
  tags: z.array(kv).default([]),
});
const Run = z.object({
  info: z.object({
    run_id: z.string(),
    run_name: z.string().optional(),
    user_id: z.string().optional(),
    status: z.enum(RUN_STATUSES as [string, ...string[]]).default("FINISHED"),
    start_time: nullableNum,
    end_time: nullableNum,
    lifecycle_stage: z.enum(["active", "deleted"]).default("active"),
  }),
  data: z.object({ params: z.array(kv).default([]), tags: z.array(kv).default([]), metrics: z.array(z.object({ key: z.string() })).default([]) }).default({ params: [], tags: [], metrics: [] }),
});
const MetricPoint = z.object({ timestamp: num, value: z.union([z.number(), z.string()]).transform((v) => (typeof v === "number" ? v : v === "NaN" ? NaN : v === "Infinity" ? Infinity : v === "-Infinity" ? -Infinity : Number(v))), step: num.default(0) });
const FileInfo = z.object({ path: z.string(), is_dir: z.boolean().default(false), file_size: num.optional() });

export class RemoteImportError extends Error {}

function client(baseUrl: string, token: string | undefined) {
  const base = baseUrl.replace(/\/+$/, "");
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  async function request(method: "GET" | "POST", endpoint: string, params: Record<string, unknown>): Promise<unknown> {
    const url = new URL(`${base}/api/2.0/mlflow/${endpoint}`);
    if (method === "GET") for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, String(v));
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: method === "POST" ? { ...headers, "content-type": "application/json" } : headers,
        body: method === "POST" ? JSON.stringify(params) : undefined,
      });
    } catch (err) {
      throw new RemoteImportError(`cannot reach the MLflow server at ${base}: ${(err as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) {
      let detail = text.slice(0, 300);
      try {
        detail = (JSON.parse(text) as { message?: string }).message ?? detail;
      } catch {
        // not JSON: keep the text
      }
      throw new RemoteImportError(`${method} ${endpoint} on ${base} failed with HTTP ${res.status}: ${detail}`);
    }
    return JSON5.parse(text || "{}");
  }
  return {
    base,
    headers,
    get: (endpoint: string, params: Record<string, unknown> = {}) => request("GET", endpoint, params),
    post: (endpoint: string, params: Record<string, unknown>) => request("POST", endpoint, params),
  };
}

/**
 * Pull experiments and runs from a remote MLflow server through its REST API. Incremental:
 * runs keep their ids, identical metric rows are skipped, artifacts already present (same size)
 * are not downloaded again.
 */
export async function importRemoteMlflow(
  db: Db,
  home: string,
  opts: { url: string; experiments?: string[]; token?: string },
  progress: ImportProgress,
  signal?: AbortSignal,
): Promise<ImportReport> {
  const api = client(opts.url, opts.token);
  const report: ImportReport = { experiments: 0, runs: 0, newRuns: 0, newMetricPoints: 0, artifactsCopied: 0, warnings: [] };

  const experiments: z.infer<typeof Experiment>[] = [];
  if (opts.experiments?.length) {
    for (const name of opts.experiments) {
      const r = z.object({ experiment: Experiment }).parse(await api.get("experiments/get-by-name", { experiment_name: name }));
      experiments.push(r.experiment);
    }
  } else {
    let token: string | undefined;
    do {
      const r = z
        .object({ experiments: z.array(Experiment).default([]), next_page_token: z.string().optional() })
        .parse(await api.post("experiments/search", { max_results: 1000, view_type: "ALL", ...(token ? { page_token: token } : {}) }));
      experiments.push(...r.experiments);
      token = r.next_page_token || undefined;
    } while (token);
  }
  report.experiments = experiments.length;

  for (const [ei, exp] of experiments.entries()) {
    const experimentId = await ensureExperiment(db, {
      name: exp.name,
      lifecycleStage: exp.lifecycle_stage,
      creationTime: exp.creation_time,
      tags: Object.fromEntries(exp.tags.map((t) => [t.key, t.value])),
      origin: { kind: "mlflow", source: api.base, experimentId: exp.experiment_id },
    });
    const runs: z.infer<typeof Run>[] = [];
    let token: string | undefined;
    do {
      const r = z
        .object({ runs: z.array(Run).default([]), next_page_token: z.string().optional() })
        .parse(await api.post("runs/search", { experiment_ids: [exp.experiment_id], run_view_type: "ALL", max_results: 1000, ...(token ? { page_token: token } : {}) }));
      runs.push(...r.runs);
      token = r.next_page_token || undefined;
    } while (token);

    for (const [ri, run] of runs.entries()) {
      signal?.throwIfAborted();
      await progress((ei + ri / Math.max(1, runs.length)) / experiments.length, `experiment '${exp.name}': run ${ri + 1}/${runs.length}`);
      const { created, artifactDirRel } = await upsertRun(db, {
        runId: run.info.run_id,
        experimentId,
        name: run.info.run_name ?? null,
        userId: run.info.user_id ?? null,
        status: run.info.status as (typeof RUN_STATUSES)[number],
        startTime: run.info.start_time,
        endTime: run.info.end_time,
        lifecycleStage: run.info.lifecycle_stage,
        params: Object.fromEntries(run.data.params.map((p) => [p.key, p.value])),
        tags: Object.fromEntries(run.data.tags.map((t) => [t.key, t.value])),
        origin: { kind: "mlflow", source: api.base, experimentId: exp.experiment_id, runId: run.info.run_id },
      });
      report.runs++;
      if (created) report.newRuns++;
      for (const key of new Set(run.data.metrics.map((m) => m.key))) {
        let pageToken: string | undefined;
        do {
          const h = z
            .object({ metrics: z.array(MetricPoint).default([]), next_page_token: z.string().optional() })
            .parse(await api.get("metrics/get-history", { run_id: run.info.run_id, metric_key: key, max_results: 25_000, page_token: pageToken }));
          report.newMetricPoints += await appendMetrics(db, run.info.run_id, key, h.metrics);
          pageToken = h.next_page_token || undefined;
        } while (pageToken);
      }
      await refreshLatestMetrics(db, run.info.run_id);
      report.artifactsCopied += await downloadArtifacts(api, run.info.run_id, path.join(artifactRoot(home), artifactDirRel), "", report);
    }
  }
  await progress(1, `imported ${report.runs} runs (${report.newRuns} new), ${report.newMetricPoints} new metric points from ${api.base}`);
  return report;
}

async function downloadArtifacts(api: ReturnType<typeof client>, runId: string, destRoot: string, rel: string, report: ImportReport): Promise<number> {
  let listing: { files: z.infer<typeof FileInfo>[] };
  try {
    listing = z.object({ files: z.array(FileInfo).default([]) }).parse(await api.get("artifacts/list", { run_id: runId, ...(rel ? { path: rel } : {}) }));
  } catch (err) {
    report.warnings.push(`run ${runId}: cannot list artifacts${rel ? ` under ${rel}` : ""}: ${(err as Error).message}`);
    return 0;
  }
  let copied = 0;
  for (const f of listing.files) {
    if (f.path.split("/").includes("..")) continue;
    if (f.is_dir) {
      copied += await downloadArtifacts(api, runId, destRoot, f.path, report);
      continue;
    }
    const dest = path.join(destRoot, f.path);
    if (f.file_size !== undefined && fs.existsSync(dest) && fs.statSync(dest).size === f.file_size) continue;
    const url = new URL(`${api.base}/get-artifact`);
    url.searchParams.set("run_id", runId);
    url.searchParams.set("path", f.path);
    const res = await fetch(url, { headers: api.headers });
    if (!res.ok) {
      report.warnings.push(`run ${runId}: artifact ${f.path} could not be downloaded (HTTP ${res.status})`);
      continue;
    }
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, Buffer.from(await res.arrayBuffer()));
    copied++;
  }
  return copied;
}
