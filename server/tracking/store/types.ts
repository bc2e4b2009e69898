/** Store-level records, in MLflow's vocabulary but camelCase; the REST layer turns them into MLflow JSON. */

export type LifecycleStage = "active" | "deleted";
export type RunStatus = "RUNNING" | "SCHEDULED" | "FINISHED" | "FAILED" | "KILLED";
export const RUN_STATUSES: readonly RunStatus[] = ["RUNNING", "SCHEDULED", "FINISHED", "FAILED", "KILLED"];
export type ViewType = "ACTIVE_ONLY" | "DELETED_ONLY" | "ALL";

export type KeyValue = { key: string; value: string };

export type Experiment = {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  creationTime: number;
  lastUpdateTime: number;
  tags: KeyValue[];
};

export type RunInfo = {
  runId: string;
  runName: string;
  experimentId: string;
  userId: string;
  status: RunStatus;
  startTime: number | null;
  endTime: number | null;
  artifactUri: string;
  lifecycleStage: LifecycleStage;
};

export type Metric = { key: string; value: number; timestamp: number; step: number };

export type DatasetInput = {
  dataset: { name: string; digest: string; sourceType: string; source: string; schema?: string | null; profile?: string | null };
  tags: KeyValue[];
};

export type Run = {
  info: RunInfo;
  data: { metrics: Metric[]; params: KeyValue[]; tags: KeyValue[] };
  inputs: { datasetInputs: DatasetInput[] };
};
