import { invalidParameter } from "./errors";

/** MLflow's validation limits (mlflow/utils/validation.py, as recorded in mlflow-api.md §4). */
export const LIMITS = {
  metricsPerBatch: 1000,
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  entitiesPerBatch: 1000,
  bodyBytes: 1_000_000,
  keyLength: 250,
  paramValueLength: 6000,
  runTagValueLength: 8000,
  experimentNameLength: 500,
  experimentTagValueLength: 5000,
  datasetNameLength: 500,
  datasetDigestLength: 36,
  maxRunsPerSearchPage: 50_000,
  maxExperimentsPerSearchPage: 50_000,
  bulkIntervalRuns: 100,
  bulkIntervalPointsPerRun: 2500,
} as const;

const NAME_PATTERN = /^[/\w.\- ]*$/;
export const RUN_ID_PATTERN = /^[a-zA-Z0-9][\w-]{0,255}$/;
export const EXPERIMENT_ID_PATTERN = /^[a-zA-Z0-9][\w-]{0,63}$/;

/** Metric, param and tag keys: MLflow's character set, a normalised relative path, ≤ 250 chars. */
export function validateKey(kind: "metric" | "param" | "tag", key: string): void {
  if (key.length === 0) throw invalidParameter(`Invalid ${kind} name: ''. Names must not be empty`);
  if (key.length > LIMITS.keyLength) {
    throw invalidParameter(`${kind[0].toUpperCase()}${kind.slice(1)} name '${key.slice(0, 40)}…' had length ${key.length}, which exceeded length limit of ${LIMITS.keyLength}`);
  }
  if (!NAME_PATTERN.test(key)) {
    throw invalidParameter(
      `Invalid ${kind} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/).`,
    );
  }
  const parts = key.split("/");
  if (key.startsWith("/") || parts.some((p) => p === ".." || p === ".")) {
    throw invalidParameter(`Invalid ${kind} name: '${key}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such`);
  }
}

export function validateLength(what: string, value: string, limit: number): void {
  if (value.length > limit) throw invalidParameter(`${what} had length ${value.length}, which exceeded length limit of ${limit}`);
}

export function validateRunId(runId: string): void {
  if (!RUN_ID_PATTERN.test(runId)) throw invalidParameter(`Invalid value '${runId}' for parameter 'run_id' supplied`);
}

export function validateExperimentId(id: string): number {
  if (!EXPERIMENT_ID_PATTERN.test(id) || !/^\d+$/.test(id)) {
    throw invalidParameter(`Invalid experiment ID: '${id}'`);
  }
  return Number(id);
}
