import { z } from "zod";

/** Lifecycle of an Isobar job. `queued` also covers "waiting for a retry". */
export const JOB_STATES = ["queued", "running", "completed", "failed", "cancelled"] as const;
export const JobStateSchema = z.enum(JOB_STATES);
export type JobState = z.infer<typeof JobStateSchema>;

export const TERMINAL_JOB_STATES: readonly JobState[] = ["completed", "failed", "cancelled"];

export function isTerminalJobState(state: JobState): boolean {
  return TERMINAL_JOB_STATES.includes(state);
}

export const JOB_LOG_LEVELS = ["debug", "info", "warn", "error"] as const;
export const JobLogLevelSchema = z.enum(JOB_LOG_LEVELS);
export type JobLogLevel = z.infer<typeof JobLogLevelSchema>;

/** Clamp a reported progress into [0, 1]; NaN means "unknown" and becomes 0. */
export function clampProgress(fraction: number): number {
  if (!Number.isFinite(fraction)) return 0;
  return Math.min(1, Math.max(0, fraction));
}
