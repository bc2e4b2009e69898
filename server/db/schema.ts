import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { JOB_LOG_LEVELS, JOB_STATES } from "../../lib/jobs/states";

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * Durable record of every job. pg-boss is the transport (claiming, retries, expiry);
 * this table is what users see: progress, logs, result and error outlive pg-boss retention.
 * The row id is also the pg-boss job id.
 */
export const jobs = pgTable(
  "jobs",
  {
    id: uuid("id").primaryKey(),
    type: text("type").notNull(),
    payload: jsonb("payload").notNull(),
    state: text("state", { enum: JOB_STATES }).notNull().default("queued"),
    progress: doublePrecision("progress").notNull().default(0),
    progressMessage: text("progress_message"),
    result: jsonb("result"),
    error: text("error"),
    attempts: integer("attempts").notNull().default(0),
    workerId: text("worker_id"),
    cancelRequested: boolean("cancel_requested").notNull().default(false),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
    startedAt: timestamptz("started_at"),
    finishedAt: timestamptz("finished_at"),
    updatedAt: timestamptz("updated_at").notNull().defaultNow(),
  },
  (t) => [
    index("jobs_state_idx").on(t.state),
    index("jobs_type_idx").on(t.type),
    index("jobs_created_at_idx").on(t.createdAt.desc()),
  ],
);

export const jobLogs = pgTable(
  "job_logs",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    jobId: uuid("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    level: text("level", { enum: JOB_LOG_LEVELS }).notNull(),
    message: text("message").notNull(),
    at: timestamptz("at").notNull().default(sql`now()`),
  },
  (t) => [index("job_logs_job_idx").on(t.jobId, t.id)],
);

// ---------------------------------------------------------------------------------------------
// Experiment tracking (MLflow-compatible). Times are epoch milliseconds, as MLflow's API uses.
// ---------------------------------------------------------------------------------------------

const epochMs = (name: string) => bigint(name, { mode: "number" });

export const experiments = pgTable(
  "experiments",
  {
    id: bigint("id", { mode: "number" }).primaryKey().generatedByDefaultAsIdentity({ startWith: 1 }),
    name: text("name").notNull(),
    artifactLocation: text("artifact_location").notNull(),
    lifecycleStage: text("lifecycle_stage", { enum: ["active", "deleted"] }).notNull().default("active"),
    creationTime: epochMs("creation_time").notNull(),
    lastUpdateTime: epochMs("last_update_time").notNull(),
    /** Where an imported experiment came from (server URL or mlruns path), null for native ones. */
    importedFrom: jsonb("imported_from"),
  },
  (t) => [uniqueIndex("experiments_name_idx").on(t.name)],
);

export const experimentTags = pgTable(
  "experiment_tags",
  {
    experimentId: bigint("experiment_id", { mode: "number" })
      .notNull()
      .references(() => experiments.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    value: text("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.experimentId, t.key] })],
);

export const runs = pgTable(
  "runs",
  {
    id: text("id").primaryKey(),
    experimentId: bigint("experiment_id", { mode: "number" })
      .notNull()
      .references(() => experiments.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    userId: text("user_id").notNull().default(""),
    status: text("status", { enum: ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"] }).notNull(),
    startTime: epochMs("start_time"),
    endTime: epochMs("end_time"),
    artifactUri: text("artifact_uri").notNull(),
    lifecycleStage: text("lifecycle_stage", { enum: ["active", "deleted"] }).notNull().default("active"),
    deletedTime: epochMs("deleted_time"),
    /** Where an imported run came from: {kind: "mlruns"|"mlflow", source, runId}. */
    importedFrom: jsonb("imported_from"),
  },
  (t) => [index("runs_experiment_idx").on(t.experimentId, t.startTime.desc()), index("runs_name_idx").on(t.name)],
);

export const runParams = pgTable(
  "run_params",
  {
    runId: text("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    value: text("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key] }), index("run_params_key_idx").on(t.key)],
);

export const runTags = pgTable(
  "run_tags",
  {
    runId: text("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    value: text("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key] }), index("run_tags_key_idx").on(t.key)],
);

/** Full metric histories. An identical row logged again is a no-op (primary key). */
export const metrics = pgTable(
  "metrics",
  {
    runId: text("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    step: bigint("step", { mode: "number" }).notNull(),
    timestamp: epochMs("timestamp").notNull(),
    value: doublePrecision("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key, t.step, t.timestamp, t.value] })],
);

/** Latest value per (run, key): what runs/get and search filters and sorting read. */
export const latestMetrics = pgTable(
  "latest_metrics",
  {
    runId: text("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    step: bigint("step", { mode: "number" }).notNull(),
    timestamp: epochMs("timestamp").notNull(),
    value: doublePrecision("value").notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.key] }), index("latest_metrics_key_value_idx").on(t.key, t.value)],
);

export const runInputs = pgTable(
  "run_inputs",
  {
    runId: text("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    digest: text("digest").notNull(),
    sourceType: text("source_type").notNull(),
    source: text("source").notNull(),
    schema: text("schema"),
    profile: text("profile"),
    tags: jsonb("tags").notNull().default([]),
  },
  (t) => [primaryKey({ columns: [t.runId, t.name, t.digest] })],
);

/** API tokens for the MLflow-compatible API when ISOBAR_AUTH=on. Only a SHA-256 of each token is kept. */
export const apiTokens = pgTable(
  "api_tokens",
  {
    id: uuid("id").primaryKey(),
    name: text("name").notNull(),
    role: text("role", { enum: ["reader", "writer"] }).notNull(),
    tokenHash: text("token_hash").notNull(),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
    lastUsedAt: timestamptz("last_used_at"),
    revokedAt: timestamptz("revoked_at"),
  },
  (t) => [uniqueIndex("api_tokens_hash_idx").on(t.tokenHash), uniqueIndex("api_tokens_name_idx").on(t.name)],
);

// ---------------------------------------------------------------------------------------------
// Verification: forecasts (model output or baselines), score runs and their stored statistics.
// ---------------------------------------------------------------------------------------------

/** A forecast store on disk (Isobar forecast zarr or an imported WeatherBench-2 store). */
export const forecasts = pgTable(
  "forecasts",
  {
    id: uuid("id").primaryKey(),
    name: text("name").notNull(),
    /** Absolute path of the store. */
    path: text("path").notNull(),
    /** "model" | "persistence" | "climatology" | "climatological-ensemble" | "imported" */
    kind: text("kind").notNull(),
    /** What produced it: {runId?, checkpoint?, dataset, settings...}. */
    producer: jsonb("producer").notNull().default({}),
    /** The dataset its initial conditions (or climatology) came from. */
    sourceDataset: text("source_dataset"),
    variables: jsonb("variables").notNull().default([]),
    initTimes: integer("init_times").notNull().default(0),
    leadTimesHours: jsonb("lead_times_hours").notNull().default([]),
    members: integer("members").notNull().default(1),
    gridId: text("grid_id"),
    jobId: uuid("job_id"),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
  },
  (t) => [uniqueIndex("forecasts_path_idx").on(t.path)],
);

/** One scoring of a forecast against a truth dataset (optionally with a climatology). */
export const scoreRuns = pgTable(
  "score_runs",
  {
    id: uuid("id").primaryKey(),
    forecastId: uuid("forecast_id")
      .notNull()
      .references(() => forecasts.id, { onDelete: "cascade" }),
    truthPath: text("truth_path").notNull(),
    climatologyPath: text("climatology_path"),
    regions: jsonb("regions").notNull(),
    /** "running" | "completed" | "failed" */
    status: text("status").notNull().default("running"),
    jobId: uuid("job_id"),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
    finishedAt: timestamptz("finished_at"),
  },
  (t) => [uniqueIndex("score_runs_forecast_truth_idx").on(t.forecastId, t.truthPath)],
);

/**
 * Area-mean sufficient statistics per (score run, variable, level, region, lead, init):
 * everything time aggregation and significance tests need, without re-reading fields.
 * Re-scoring replaces rows (primary key), never duplicates them.
 */
export const scoreStats = pgTable(
  "score_stats",
  {
    scoreRunId: uuid("score_run_id")
      .notNull()
      .references(() => scoreRuns.id, { onDelete: "cascade" }),
    variable: text("variable").notNull(),
    /** Pressure level in hPa; -1 for single-level variables (kept non-null for the primary key). */
    level: integer("level").notNull(),
    region: text("region").notNull(),
    leadHours: integer("lead_hours").notNull(),
    initTime: timestamptz("init_time").notNull(),
    /** "deterministic" | "wind-vector" | "ensemble" */
    kind: text("kind").notNull(),
    stats: jsonb("stats").notNull(),
  },
  (t) => [primaryKey({ columns: [t.scoreRunId, t.variable, t.level, t.region, t.leadHours, t.initTime, t.kind] })],
);

/** Datasets Isobar knows about (built by a recipe job, or registered from an existing zarr store). */
export const datasets = pgTable(
  "datasets",
  {
    id: uuid("id").primaryKey(),
    name: text("name").notNull(),
    /** Absolute path of the zarr store. */
    path: text("path").notNull(),
    /** The store's own `uuid` attribute (what training runs record as their input). */
    datasetUuid: text("dataset_uuid"),
    gridId: text("grid_id"),
    gridDescription: text("grid_description"),
    startDate: timestamptz("start_date"),
    endDate: timestamptz("end_date"),
    frequencyHours: doublePrecision("frequency_hours"),
    dateCount: integer("date_count").notNull().default(0),
    variables: jsonb("variables").notNull().default([]),
    sizeBytes: bigint("size_bytes", { mode: "number" }).notNull().default(0),
    /** The recipe it was built from (YAML text) and its sources' checksums, for lineage. */
    recipe: text("recipe"),
    recipeChecksum: text("recipe_checksum"),
    jobId: uuid("job_id"),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
  },
  (t) => [uniqueIndex("datasets_path_idx").on(t.path)],
);

/** Checkpoints written by training runs (weights, optimizer state, config, ONNX export). */
export const checkpoints = pgTable(
  "checkpoints",
  {
    id: uuid("id").primaryKey(),
    runId: text("run_id")
      .notNull()
      .references(() => runs.id, { onDelete: "cascade" }),
    step: integer("step").notNull(),
    /** "periodic" | "final" */
    kind: text("kind").notNull(),
    /** Absolute path of the checkpoint file (resumable training state + ONNX + metadata). */
    path: text("path").notNull(),
    /** Variables, grid, normalisation, time step… as recorded in the checkpoint's metadata. */
    metadata: jsonb("metadata").notNull().default({}),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
  },
  (t) => [index("checkpoints_run_idx").on(t.runId, t.step), uniqueIndex("checkpoints_path_idx").on(t.path)],
);
