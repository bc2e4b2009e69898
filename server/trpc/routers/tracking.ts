/**
 * The dashboard's view of experiment tracking: experiments, runs search (MLflow filter grammar),
 * run detail, metric keys and downsampled histories, artifacts, configs and config diffs.
 * Reads go through the MLflow-compatible store (server/tracking/store), so the dashboard shows
 * exactly what the REST API serves.
 */
import fs from "node:fs";
import path from "node:path";
import { TRPCError } from "@trpc/server";
import { and, eq, inArray, sql } from "drizzle-orm";
import { z } from "zod";
import { ConfigError } from "@/lib/config/errors";
import { readConfigArtifact } from "@/lib/config/artifact";
import { diffConfigs, type DiffNode, type DiffSide } from "@/lib/config/diff";
import { unflattenParams } from "@/lib/config/flatten";
import { formatOrigin, fromPlain, toPlain, type ConfigObject, type ConfigValue, type Origin } from "@/lib/config/tree";
import { downsample, MIN_TARGET_POINTS } from "@/lib/tracking/downsample";
import { SearchSyntaxError } from "@/lib/tracking/errors";
import { groupMetricKeys } from "@/lib/tracking/metric-keys";
import { parseOrderBy } from "@/lib/tracking/order-by";
import { RUN_SEARCH_SCHEMA } from "@/lib/tracking/search-schema";
import { parseRunFilter } from "@/lib/tracking/search-filter";
import { selectRows, type Db } from "@/server/db/storage";
import { latestMetrics, runParams, runs } from "@/server/db/schema";
import { listDirectory, localDirForArtifactUri, safeRelative } from "@/server/tracking/artifacts";
import { MlflowError } from "@/server/tracking/errors";
import { getExperiment, listExperiments } from "@/server/tracking/store/experiments";
import { getMetricMinMax, getMetricRange, type ChartHistory } from "@/server/tracking/store/history";
import { getRun, getRunRow } from "@/server/tracking/store/runs";
import { searchRuns } from "@/server/tracking/store/search";
import type { Run } from "@/server/tracking/store/types";
import { publicProcedure, router } from "@/server/trpc/init";

/** Store and parser errors become tRPC errors carrying their message (shown inline by the UI). */
const trackingProcedure = publicProcedure.use(async ({ next }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof SearchSyntaxError) throw new TRPCError({ code: "BAD_REQUEST", message: cause.message, cause });
    if (cause instanceof MlflowError) {
      const code = cause.httpStatus === 404 ? "NOT_FOUND" : cause.httpStatus < 500 ? "BAD_REQUEST" : "INTERNAL_SERVER_ERROR";
      throw new TRPCError({ code, message: cause.message, cause });
    }
    if (cause instanceof ConfigError) throw new TRPCError({ code: "BAD_REQUEST", message: cause.message, cause });
  }
  return result;
});

/** JSON cannot carry NaN or ±Infinity; tables get them as text, charts as gaps. */
export type JsonNumber = number | "NaN" | "Infinity" | "-Infinity";
function jsonNumber(v: number): JsonNumber {
  if (Number.isFinite(v)) return v;
  return Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
}

const RunId = z.string().min(1).max(256);
const RunIds = z.array(RunId).min(1).max(100);
const ExperimentId = z.string().regex(/^\d+$/, "an experiment id is a number");

/** Largest artifact shown inline as text; bigger files are offered for download. */
const PREVIEW_TEXT_MAX = 512 * 1024;
const TEXT_EXT = new Set(["txt", "log", "md", "csv", "tsv", "py", "sh", "toml", "ini", "cfg", "out", "err", "xml", "html"]);
const IMAGE_EXT: Record<string, string> = { png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", gif: "image/gif", svg: "image/svg+xml", webp: "image/webp" };

function runSummary(run: Run, paramKeys: readonly string[] | "all", metricKeys: readonly string[] | "all") {
  const wantP = paramKeys === "all" ? null : new Set(paramKeys);
  const wantM = metricKeys === "all" ? null : new Set(metricKeys);
  const params: Record<string, string> = {};
  for (const p of run.data.params) if (!wantP || wantP.has(p.key)) params[p.key] = p.value;
  const metrics: Record<string, JsonNumber> = {};
  for (const m of run.data.metrics) if (!wantM || wantM.has(m.key)) metrics[m.key] = jsonNumber(m.value);
  return {
    runId: run.info.runId,
    runName: run.info.runName,
    experimentId: run.info.experimentId,
    status: run.info.status,
    userId: run.info.userId,
    startTime: run.info.startTime,
    endTime: run.info.endTime,
    params,
    metrics,
  };
}
export type RunSummary = ReturnType<typeof runSummary>;

function artifactDir(home: string, artifactUri: string): string | null {
  return localDirForArtifactUri(home, artifactUri);
}

function readConfigJson(dir: string | null): string | null {
  if (!dir) return null;
  const file = path.join(dir, "config.json");
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return null;
  }
}

type RunConfig = {
  source: "artifact" | "params" | "none";
  flavour: "isobar" | "anemoi" | null;
  notes: string[];
  tree: DiffSide["tree"] | null;
  error: string | null;
};

/** A run's config: its config.json artifact when readable, else its params unflattened. */
async function loadRunConfig(db: Db, home: string, runId: string): Promise<RunConfig & { runName: string }> {
  const run = await getRun(db, runId);
  const text = readConfigJson(artifactDir(home, run.info.artifactUri));
  let artifactError: string | null = null;
  if (text !== null) {
    try {
      const read = readConfigArtifact(text, "config.json");
      return { runName: run.info.runName, source: "artifact", flavour: read.flavour, notes: read.notes, tree: read.tree, error: null };
    } catch (err) {
      artifactError = (err as Error).message;
    }
  }
  if (run.data.params.length === 0) return { runName: run.info.runName, source: "none", flavour: null, notes: [], tree: null, error: artifactError };
  let plain: ConfigObject;
  try {
    plain = unflattenParams(run.data.params);
  } catch (err) {
    // Conflicting or truncated params: show them flat rather than failing.
    plain = Object.fromEntries(run.data.params.map((p) => [p.key, p.value]));
    artifactError = [artifactError, (err as Error).message].filter(Boolean).join("; ");
  }
  const origin: Origin = { kind: "artifact", file: "params" };
  return { runName: run.info.runName, source: "params", flavour: null, notes: [], tree: fromPlain(plain, origin), error: artifactError };
}

/** Diff tree for the client: origins pre-formatted, nothing else dropped. */
type DiffValueDto = { present: boolean; value?: ConfigValue; origin?: string };
export type DiffNodeDto = {
  key: string;
  path: string;
  kind: DiffNode["kind"];
  status: DiffNode["status"];
  values?: DiffValueDto[];
  children?: DiffNodeDto[];
  differences: number;
  leaves: number;
};
function diffNodeDto(n: DiffNode): DiffNodeDto {
  return {
    key: n.key,
    path: n.path,
    kind: n.kind,
    status: n.status,
    values: n.values?.map((v) => (v.present ? { present: true, value: v.value, origin: v.origin ? formatOrigin(v.origin) : undefined } : { present: false })),
    children: n.children?.map(diffNodeDto),
    differences: n.differences,
    leaves: n.leaves,
  };
}

export const trackingRouter = router({
  /** Active experiments with their number of active runs. */
  experiments: trackingProcedure.query(async ({ ctx }) => {
    const db = ctx.services.storage.db;
    const [list, counts] = await Promise.all([
      listExperiments(db, { viewType: "ACTIVE_ONLY", offset: 0, limit: 5000 }),
      db
        .select({ experimentId: runs.experimentId, n: sql<number>`count(*)::int` })
        .from(runs)
        .where(eq(runs.lifecycleStage, "active"))
        .groupBy(runs.experimentId),
    ]);
    const byId = new Map(counts.map((c) => [String(c.experimentId), Number(c.n)]));
    return list.map((e) => ({
      experimentId: e.experimentId,
      name: e.name,
      creationTime: e.creationTime,
      lastUpdateTime: e.lastUpdateTime,
      runCount: byId.get(e.experimentId) ?? 0,
    }));
  }),

  experiment: trackingProcedure.input(z.object({ experimentId: ExperimentId })).query(async ({ ctx, input }) => {
    const e = await getExperiment(ctx.services.storage.db, input.experimentId);
    return { experimentId: e.experimentId, name: e.name, tags: e.tags, creationTime: e.creationTime };
  }),

  /** Param and metric keys present in the experiments' runs, for choosing table columns. */
  runColumns: trackingProcedure.input(z.object({ experimentIds: z.array(ExperimentId).max(100) })).query(async ({ ctx, input }) => {
    const db = ctx.services.storage.db;
    const ids = input.experimentIds.map(Number);
    const inExperiments = ids.length ? inArray(runs.experimentId, ids) : undefined;
    const [params, metrics] = await Promise.all([
      db
        .selectDistinct({ key: runParams.key })
        .from(runParams)
        .innerJoin(runs, eq(runs.id, runParams.runId))
        .where(and(eq(runs.lifecycleStage, "active"), inExperiments))
        .orderBy(runParams.key)
        .limit(5000),
      db
        .selectDistinct({ key: latestMetrics.key })
        .from(latestMetrics)
        .innerJoin(runs, eq(runs.id, latestMetrics.runId))
        .where(and(eq(runs.lifecycleStage, "active"), inExperiments))
        .orderBy(latestMetrics.key)
        .limit(5000),
    ]);
    return { params: params.map((p) => p.key), metrics: metrics.map((m) => m.key) };
  }),

  /**
   * Runs search with MLflow's filter grammar and order_by entries (`metrics.\`val/loss\` DESC`).
   * A malformed filter or order_by is a BAD_REQUEST whose message points at the offending token.
   * Only the requested param/metric columns are returned, to keep pages of 10,000 runs light.
   */
  runs: trackingProcedure
    .input(
      z.object({
        experimentIds: z.array(ExperimentId).max(100).default([]),
        filter: z.string().max(10_000).default(""),
        orderBy: z.array(z.string().max(1000)).max(10).default([]),
        paramKeys: z.array(z.string().max(1000)).max(200).default([]),
        metricKeys: z.array(z.string().max(1000)).max(200).default([]),
        cursor: z.number().int().min(0).nullish(),
        limit: z.number().int().min(1).max(1000).default(200),
      }),
    )
    .query(async ({ ctx, input }) => {
      const clauses = parseRunFilter(input.filter);
      const orderBy = parseOrderBy(input.orderBy, RUN_SEARCH_SCHEMA);
      const offset = input.cursor ?? 0;
      const result = await searchRuns(ctx.services.storage.db, {
        experimentIds: input.experimentIds.map(Number),
        clauses,
        orderBy,
        viewType: "ACTIVE_ONLY",
        offset,
        limit: input.limit,
      });
      return {
        runs: result.runs.map((r) => runSummary(r, input.paramKeys, input.metricKeys)),
        nextCursor: result.hasMore ? offset + input.limit : null,
      };
    }),

  /** One run in full: info, params, tags, latest metrics, inputs, and its experiment's name. */
  run: trackingProcedure.input(z.object({ runId: RunId })).query(async ({ ctx, input }) => {
    const db = ctx.services.storage.db;
    const run = await getRun(db, input.runId);
    const experiment = await getExperiment(db, run.info.experimentId).catch(() => null);
    return {
      info: run.info,
      experimentName: experiment?.name ?? null,
      params: run.data.params,
      tags: run.data.tags,
      metrics: run.data.metrics.map((m) => ({ key: m.key, value: jsonNumber(m.value), step: m.step, timestamp: m.timestamp })),
      datasetInputs: run.inputs.datasetInputs,
    };
  }),

  /** Several runs' summaries (names, status, all latest metrics) for the compare page. */
  runsByIds: trackingProcedure.input(z.object({ runIds: RunIds })).query(async ({ ctx, input }) => {
    const db = ctx.services.storage.db;
    const list = await Promise.all(input.runIds.map((id) => getRun(db, id)));
    return list.map((r) => runSummary(r, [], "all"));
  }),

  /** Metric keys of one or more runs, grouped by prefix (anemoi's per-variable keys as matrices). */
  metricKeys: trackingProcedure.input(z.object({ runIds: RunIds })).query(async ({ ctx, input }) => {
    const rows = await ctx.services.storage.db
      .selectDistinct({ key: latestMetrics.key })
      .from(latestMetrics)
      .where(inArray(latestMetrics.runId, input.runIds))
      .orderBy(latestMetrics.key);
    const keys = rows.map((r) => r.key);
    return { keys, ...groupMetricKeys(keys) };
  }),

  /**
   * Metric histories for a key across runs, downsampled on the server to at most `targetPoints`
   * per run (min/max buckets by default, LTTB on request; both keep the extremes).
   * NaN and ±Infinity travel as null (gaps in the chart).
   */
  metricHistory: trackingProcedure
    .input(
      z.object({
        runIds: z.array(RunId).min(1).max(50),
        key: z.string().min(1).max(1000),
        targetPoints: z.number().int().min(MIN_TARGET_POINTS).max(100_000).default(2000),
        method: z.enum(["minmax", "lttb"]).default("minmax"),
        startStep: z.number().int().optional(),
        endStep: z.number().int().optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      const db = ctx.services.storage.db;
      const toSeries = (h: ChartHistory) => ({
        runId: h.runId,
        totalPoints: h.totalPoints,
        downsampled: h.points.length < h.totalPoints,
        steps: h.points.map((p) => p.step),
        values: h.points.map((p) => (Number.isFinite(p.value) ? p.value : null)),
        timestamps: h.points.map((p) => p.timestamp),
      });
      if (input.method === "minmax") {
        // Bucketed in SQL: only the kept points leave the database.
        const histories = await getMetricMinMax(db, input.runIds, input.key, input.targetPoints, input.startStep, input.endStep);
        return { key: input.key, series: histories.map(toSeries) };
      }
      const series = await Promise.all(
        input.runIds.map(async (runId) => {
          const points = await getMetricRange(db, runId, input.key, input.startStep, input.endStep);
          const n = points.length;
          const steps = Float64Array.from(points, (p) => p.step);
          const values = Float64Array.from(points, (p) => p.value);
          const picked =
            n > input.targetPoints
              ? downsample(steps, values, { method: input.method, targetPoints: input.targetPoints, keepExtremes: true }).indices
              : Uint32Array.from({ length: n }, (_, i) => i);
          return toSeries({ runId, totalPoints: n, points: Array.from(picked, (i) => points[i]) });
        }),
      );
      return { key: input.key, series };
    }),

  /** Last, min and max of each metric of each run (min/max over the full history, ignoring NaN). */
  metricSummary: trackingProcedure.input(z.object({ runIds: RunIds })).query(async ({ ctx, input }) => {
    const db = ctx.services.storage.db;
    const rows = await selectRows<{ run_id: string; key: string; min: number | string | null; max: number | string | null; n: number | string }>(
      db,
      sql`select run_id, key, min(value) filter (where value <> 'NaN'::float8) as min,
                 max(value) filter (where value <> 'NaN'::float8) as max, count(*) as n
          from metrics where run_id in (${sql.join(input.runIds.map((id) => sql`${id}`), sql`, `)})
          group by run_id, key order by key, run_id`,
    );
    const last = await db.select().from(latestMetrics).where(inArray(latestMetrics.runId, input.runIds));
    const lastBy = new Map(last.map((l) => [`${l.runId}\u0000${l.key}`, l]));
    const num = (v: number | string | null) => (v === null ? null : jsonNumber(Number(v)));
    return rows.map((r) => {
      const l = lastBy.get(`${r.run_id}\u0000${r.key}`);
      return {
        runId: r.run_id,
        key: r.key,
        last: l ? jsonNumber(l.value) : null,
        lastStep: l?.step ?? null,
        min: num(r.min),
        max: num(r.max),
        count: Number(r.n),
      };
    });
  }),

  /** One level of a run's artifact tree. */
  artifacts: trackingProcedure.input(z.object({ runId: RunId, path: z.string().max(4096).default("") })).query(async ({ ctx, input }) => {
    const run = await getRunRow(ctx.services.storage.db, input.runId);
    const rel = safeRelative(input.path);
    const dir = artifactDir(ctx.services.env.home, run.artifactUri);
    const files = dir ? listDirectory(path.join(dir, rel), rel) : [];
    return { rootUri: run.artifactUri, stored: dir !== null, files: files.map((f) => ({ path: f.path, isDir: f.is_dir, size: f.file_size ?? null })) };
  }),

  /**
   * Preview of one artifact: text/JSON/YAML inline up to a size cap (JSON pretty-printed),
   * images by URL (served by /get-artifact), anything else as a download link.
   */
  artifactPreview: trackingProcedure.input(z.object({ runId: RunId, path: z.string().min(1).max(4096) })).query(async ({ ctx, input }) => {
    const run = await getRunRow(ctx.services.storage.db, input.runId);
    const rel = safeRelative(input.path);
    const dir = artifactDir(ctx.services.env.home, run.artifactUri);
    if (!dir || !rel) throw new MlflowError("RESOURCE_DOES_NOT_EXIST", `Artifact '${input.path}' is not stored by this server`);
    const file = path.join(dir, rel);
    let size: number;
    try {
      const st = fs.statSync(file);
      if (!st.isFile()) throw new MlflowError("INVALID_PARAMETER_VALUE", `Artifact '${input.path}' is a directory`);
      size = st.size;
    } catch (err) {
      if (err instanceof MlflowError) throw err;
      throw new MlflowError("RESOURCE_DOES_NOT_EXIST", `Artifact '${input.path}' does not exist`);
    }
    const url = `/get-artifact?run_id=${encodeURIComponent(input.runId)}&path=${encodeURIComponent(rel)}`;
    const ext = path.extname(rel).slice(1).toLowerCase();
    if (IMAGE_EXT[ext]) return { kind: "image" as const, path: rel, size, url, mime: IMAGE_EXT[ext], text: null, truncated: false };
    const language = ext === "json" ? "json" : ext === "yaml" || ext === "yml" ? "yaml" : TEXT_EXT.has(ext) ? "text" : null;
    const fd = fs.openSync(file, "r");
    let buf: Buffer;
    try {
      buf = Buffer.alloc(Math.min(size, PREVIEW_TEXT_MAX));
      fs.readSync(fd, buf, 0, buf.length, 0);
    } finally {
      fs.closeSync(fd);
    }
    const looksBinary = buf.subarray(0, 8000).includes(0);
    if (looksBinary) {
      return { kind: "binary" as const, path: rel, size, url, mime: null, text: null, truncated: false };
    }
    let text = buf.toString("utf8");
    const truncated = size > PREVIEW_TEXT_MAX;
    if (language === "json" && !truncated) {
      try {
        text = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        // shown as stored
      }
    }
    return { kind: (language ?? "text") as "json" | "yaml" | "text", path: rel, size, url, mime: null, text, truncated };
  }),

  /** A run's full config: from its config.json artifact (Isobar's or anemoi's), else its params unflattened. */
  config: trackingProcedure.input(z.object({ runId: RunId })).query(async ({ ctx, input }) => {
    const c = await loadRunConfig(ctx.services.storage.db, ctx.services.env.home, input.runId);
    return { source: c.source, flavour: c.flavour, notes: c.notes, error: c.error, config: c.tree ? toPlain(c.tree) : null };
  }),

  /** Structural diff of 2..N runs' configs (the first run is the baseline). */
  configDiff: trackingProcedure.input(z.object({ runIds: z.array(RunId).min(2).max(20) })).query(async ({ ctx, input }) => {
    const db = ctx.services.storage.db;
    const configs = await Promise.all(input.runIds.map((id) => loadRunConfig(db, ctx.services.env.home, id)));
    const sides: DiffSide[] = configs.map((c) => ({ label: c.runName, tree: c.tree ?? fromPlain({}, { kind: "builtin" }) }));
    const diff = diffConfigs(sides);
    return {
      labels: diff.labels,
      runIds: input.runIds,
      sources: configs.map((c) => ({ source: c.source, flavour: c.flavour, error: c.error })),
      summary: diff.summary,
      root: diffNodeDto(diff.root),
    };
  }),
});
