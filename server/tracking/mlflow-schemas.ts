import { z } from "zod";
import { RUN_STATUSES } from "./store/types";

/**
 * zod schemas of MLflow request messages. int64 fields accept JSON numbers or numeric strings
 * (proto3 JSON), doubles also accept "NaN"/"Infinity"/"-Infinity".
 */
const int64 = z.union([z.number().int(), z.string().regex(/^-?\d+$/).transform(Number)]);
// z.number() refuses NaN and ±Infinity, which MLflow metric values may be.
const anyNumber = z.custom<number>((v) => typeof v === "number", { message: "expected a number" });
const double = z.union([
  anyNumber,
  z.enum(["NaN", "Infinity", "-Infinity", "nan", "inf", "-inf"]).transform((s) => (s.toLowerCase() === "nan" ? NaN : s.startsWith("-") ? -Infinity : Infinity)),
  z.string().regex(/^-?\d+(\.\d*)?([eE][-+]?\d+)?$/).transform(Number),
]);
const str = z.string();
const keyValue = z.object({ key: str, value: z.union([str, z.number(), z.boolean()]).transform(String).default("") });
const boolish = z.union([z.boolean(), z.enum(["true", "false"]).transform((s) => s === "true")]);
const viewType = z.enum(["ACTIVE_ONLY", "DELETED_ONLY", "ALL"]).default("ACTIVE_ONLY");
const runId = z.object({ run_id: str.optional(), run_uuid: str.optional() });

/** run_id with run_uuid as its deprecated alias. */
export function pickRunId(x: { run_id?: string; run_uuid?: string }): string | undefined {
  return x.run_id || x.run_uuid;
}

export const S = {
  createExperiment: z.object({ name: str, artifact_location: str.optional(), tags: z.array(keyValue).default([]) }),
  experimentId: z.object({ experiment_id: str }),
  experimentName: z.object({ experiment_name: str }),
  searchExperiments: z.object({
    max_results: int64.default(1000),
    page_token: str.optional(),
    filter: str.optional(),
    order_by: z.union([z.array(str), str.transform((s) => [s])]).default([]),
    view_type: viewType,
  }),
  updateExperiment: z.object({ experiment_id: str, new_name: str }),
  setExperimentTag: z.object({ experiment_id: str, key: str, value: str }),
  deleteExperimentTag: z.object({ experiment_id: str, key: str }),
  createRun: z.object({
    experiment_id: str.default("0"),
    run_name: str.optional(),
    start_time: int64.optional(),
    tags: z.array(keyValue).default([]),
    user_id: str.optional(),
  }),
  getRun: runId,
  updateRun: runId.extend({ status: z.enum(RUN_STATUSES as [string, ...string[]]).optional(), end_time: int64.optional(), run_name: str.optional() }),
  runLifecycle: runId,
  searchRuns: z.object({
    experiment_ids: z.union([z.array(str), str.transform((s) => [s])]).default([]),
    filter: str.optional(),
    run_view_type: viewType,
    max_results: int64.default(1000),
    order_by: z.union([z.array(str), str.transform((s) => [s])]).default([]),
    page_token: str.optional(),
  }),
  logMetric: runId.extend({ key: str, value: double, timestamp: int64, step: int64.default(0) }),
  logParam: runId.extend({ key: str, value: z.union([str, z.number(), z.boolean()]).transform(String) }),
  logBatch: runId.extend({
    metrics: z.array(z.object({ key: str, value: double, timestamp: int64, step: int64.default(0) })).default([]),
    params: z.array(keyValue).default([]),
    tags: z.array(keyValue).default([]),
  }),
  setTag: runId.extend({ key: str, value: z.union([str, z.number(), z.boolean()]).transform(String) }),
  deleteTag: runId.extend({ key: str }),
  logInputs: runId.extend({
    datasets: z
      .array(
        z.object({
          tags: z.array(keyValue).default([]),
          dataset: z.object({ name: str, digest: str, source_type: str, source: str, schema: str.optional(), profile: str.optional() }),
        }),
      )
      .default([]),
  }),
  getHistory: runId.extend({ metric_key: str, max_results: int64.optional(), page_token: str.optional() }),
  bulkInterval: z.object({
    run_ids: z.union([z.array(str), str.transform((s) => [s])]),
    metric_key: str,
    max_results: int64.default(320),
    start_step: int64.optional(),
    end_step: int64.optional(),
  }),
  listArtifacts: runId.extend({ path: str.optional(), page_token: str.optional() }),
  listProxyArtifacts: z.object({ path: str.optional() }),
  getArtifact: runId.extend({ path: str }),
  boolish,
};
