import type { Experiment, Run, RunInfo } from "./store/types";

/** MLflow JSON: snake_case, int64 as plain numbers, non-finite doubles as proto3-JSON strings. */
export function toMlflowJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (typeof v === "number" && !Number.isFinite(v)) return Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
    return v;
  });
}

export function experimentJson(e: Experiment) {
  return {
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    creation_time: e.creationTime,
    last_update_time: e.lastUpdateTime,
    tags: e.tags,
  };
}

export function runInfoJson(i: RunInfo) {
  return {
    run_id: i.runId,
    run_uuid: i.runId,
    run_name: i.runName,
    experiment_id: i.experimentId,
    user_id: i.userId,
    status: i.status,
    start_time: i.startTime ?? undefined,
    end_time: i.endTime ?? undefined,
    artifact_uri: i.artifactUri,
    lifecycle_stage: i.lifecycleStage,
  };
}

export function runJson(r: Run) {
  return {
    info: runInfoJson(r.info),
    data: { metrics: r.data.metrics, params: r.data.params, tags: r.data.tags },
    inputs: {
      dataset_inputs: r.inputs.datasetInputs.map((d) => ({
        tags: d.tags,
        dataset: {
          name: d.dataset.name,
          digest: d.dataset.digest,
          source_type: d.dataset.sourceType,
          source: d.dataset.source,
          ...(d.dataset.schema ? { schema: d.dataset.schema } : {}),
          ...(d.dataset.profile ? { profile: d.dataset.profile } : {}),
        },
      })),
    },
  };
}
