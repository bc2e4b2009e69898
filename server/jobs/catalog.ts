import type { JobDefinition } from "./definition";
import { selftestJob } from "./selftest-job";

/** Every job type Isobar knows. Each later capability registers its jobs here. */
export const JOB_DEFINITIONS: readonly JobDefinition[] = [selftestJob as JobDefinition];

export function findJobDefinition(type: string): JobDefinition | undefined {
  return JOB_DEFINITIONS.find((d) => d.type === type);
}

export function jobTypes(): string[] {
  return JOB_DEFINITIONS.map((d) => d.type);
}
