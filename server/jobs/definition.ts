import type { z } from "zod";
import type { JobLogLevel } from "../../lib/jobs/states";
import type { Db } from "../db/storage";

/** What a running job can do: report progress, log, and notice cancellation. */
export type JobContext = {
  jobId: string;
  attempt: number;
  /** Aborted when the job is cancelled or its claim is lost (e.g. it expired). */
  signal: AbortSignal;
  /** Report progress in [0, 1] with an optional message. Cheap to call often: writes are throttled. */
  progress(fraction: number, message?: string): Promise<void>;
  log(level: JobLogLevel, message: string): Promise<void>;
  /** Throws JobCancelledError when the job has been cancelled. */
  throwIfCancelled(): void;
  db: Db;
  /** ISOBAR_HOME of the process running the job (artifacts, datasets). */
  home: string;
};

export class JobCancelledError extends Error {
  constructor() {
    super("job cancelled");
  }
}

/** This attempt lost its claim (pg-boss expired it or missed its heartbeat); another attempt owns the job now. */
export class JobClaimLostError extends Error {
  constructor() {
    super("this attempt lost its claim on the job");
  }
}

export type JobRetryPolicy = {
  /** Attempts after the first one. A worker killed mid-run counts as a failed attempt. */
  retryLimit: number;
  /** Hard limit on one attempt's run time (pg-boss allows at most 24 h). */
  expireInSeconds: number;
  /**
   * Floor on this type's heartbeat (seconds). pg-boss refreshes a claim from a timer on the
   * worker's event loop, so a job whose single synchronous compute step (a TF.js training step,
   * an onnxruntime call on a large grid) can block the loop longer than ISOBAR_JOB_HEARTBEAT_SECONDS
   * on a loaded machine needs a longer heartbeat, or a live attempt is declared dead and retried.
   */
  minHeartbeatSeconds: number;
};

export type JobDefinition<P = unknown, R = unknown> = {
  type: string;
  description: string;
  payload: z.ZodType<P>;
  /** Top-level payload fields that hold secrets: hidden from clients, erased when the job ends. */
  secretFields: readonly string[];
  retry: JobRetryPolicy;
  run(payload: P, ctx: JobContext): Promise<R>;
};

/** Identity helper that keeps the payload type inferred from the zod schema. */
export function defineJob<S extends z.ZodType, R>(def: {
  type: string;
  description: string;
  payload: S;
  secretFields?: readonly string[];
  retry?: Partial<JobRetryPolicy>;
  run(payload: z.infer<S>, ctx: JobContext): Promise<R>;
}): JobDefinition<z.infer<S>, R> {
  return {
    ...def,
    payload: def.payload as z.ZodType<z.infer<S>>,
    secretFields: def.secretFields ?? [],
    retry: {
      retryLimit: def.retry?.retryLimit ?? 2,
      expireInSeconds: def.retry?.expireInSeconds ?? 6 * 3600,
      minHeartbeatSeconds: def.retry?.minHeartbeatSeconds ?? 0,
    },
  };
}
