import type { JobDefinition } from "./definition";
import { datasetCreateJob } from "./dataset-create-job";
import { selftestJob } from "./selftest-job";
import { trackingImportJob } from "../tracking/import/import-job";
import { trainJob } from "../training/train-job";
import { inferJob } from "../inference/infer-job";
import { forecastBaselineJob, verificationScoreJob } from "../verification/jobs";

/** Every job type Isobar knows. Each capability registers its jobs here. */
export const JOB_DEFINITIONS: readonly JobDefinition[] = [
  selftestJob as JobDefinition,
  trackingImportJob as JobDefinition,
  datasetCreateJob as JobDefinition,
  forecastBaselineJob as JobDefinition,
  verificationScoreJob as JobDefinition,
  trainJob as JobDefinition,
  inferJob as JobDefinition,
];

/** A copy of a payload with the job type's secret fields masked, for showing to clients. */
export function redactPayload(type: string, payload: unknown): unknown {
  const secret = findJobDefinition(type)?.secretFields ?? [];
  if (!secret.length || payload === null || typeof payload !== "object") return payload;
  return Object.fromEntries(Object.entries(payload).map(([k, v]) => [k, secret.includes(k) && v !== undefined ? "***" : v]));
}

/** A copy of a payload without the job type's secret fields, for storing once the job has ended. */
export function withoutSecrets(type: string, payload: unknown): unknown {
  const secret = findJobDefinition(type)?.secretFields ?? [];
  if (!secret.length || payload === null || typeof payload !== "object") return payload;
  return Object.fromEntries(Object.entries(payload).filter(([k]) => !secret.includes(k)));
}

export function findJobDefinition(type: string): JobDefinition | undefined {
  return JOB_DEFINITIONS.find((d) => d.type === type);
}

export function jobTypes(): string[] {
  return JOB_DEFINITIONS.map((d) => d.type);
}
