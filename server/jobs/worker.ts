import os from "node:os";
import { and, eq, inArray } from "drizzle-orm";
import type { JobWithMetadata } from "pg-boss";
import { clampProgress } from "../../lib/jobs/states";
import { jobs } from "../db/schema";
import { JOB_DEFINITIONS, withoutSecrets } from "./catalog";
import { JobCancelledError, JobClaimLostError, type JobContext, type JobDefinition } from "./definition";
import type { JobQueue } from "./queue";

export type WorkerOptions = {
  /** Jobs this process runs at once, per job type. */
  concurrency: number;
  /** Seconds between reconciliation passes (rows of jobs whose worker died). */
  reconcileSeconds?: number;
  /** ISOBAR_HOME handed to jobs. */
  home: string;
  /** Run only these job types (e.g. a CLI running its own job in-process). */
  only?: readonly string[];
};

export type RunningWorkers = { workerId: string; stop(): Promise<void> };

const PROGRESS_WRITE_INTERVAL_MS = 500;

/** Register a pg-boss worker for every job type; each claimed job runs through `runJob`. */
export async function startWorkers(queue: JobQueue, options: WorkerOptions): Promise<RunningWorkers> {
  const workerId = `${os.hostname()}:${process.pid}`;
  const boss = await queue.boss();
  const definitions = options.only ? JOB_DEFINITIONS.filter((d) => options.only!.includes(d.type)) : JOB_DEFINITIONS;
  for (const def of definitions) {
    await boss.work(
      def.type,
      { localConcurrency: options.concurrency, pollingIntervalSeconds: 0.5, includeMetadata: true } as const,
      async ([job]: JobWithMetadata<{ jobId: string }>[]) => runJob(queue, def, job, workerId, options.home),
    );
  }
  const timer = setInterval(() => {
    queue.reconcile().catch((err: Error) => console.error(`[isobar] job reconciliation failed: ${err.message}`));
  }, (options.reconcileSeconds ?? 10) * 1000);
  timer.unref();
  return {
    workerId,
    async stop() {
      clearInterval(timer);
      for (const def of definitions) await boss.offWork(def.type);
    },
  };
}

async function runJob(queue: JobQueue, def: JobDefinition, job: JobWithMetadata<{ jobId: string }>, workerId: string, home: string) {
  const { db } = queue;
  const id = job.id;
  const attempt = job.retryCount + 1;
  const [row] = await db
    .update(jobs)
    .set({ state: "running", attempts: attempt, workerId, startedAt: new Date(), updatedAt: new Date(), error: null })
    .where(and(eq(jobs.id, id), inArray(jobs.state, ["queued", "running"]), eq(jobs.cancelRequested, false)))
    .returning();
  if (!row) return { skipped: "the job was cancelled or ended before this worker claimed it" };

  const local = new AbortController();
  const signal = AbortSignal.any([local.signal, job.signal]);
  let lastWrite = 0;
  const checkCancelled = (cancelRequested: boolean) => {
    if (cancelRequested && !local.signal.aborted) local.abort(new JobCancelledError());
  };
  const ctx: JobContext = {
    jobId: id,
    attempt,
    signal,
    db,
    home,
    async progress(fraction, message) {
      const now = Date.now();
      if (now - lastWrite < PROGRESS_WRITE_INTERVAL_MS && fraction < 1) return;
      lastWrite = now;
      const [r] = await db
        .update(jobs)
        .set({ progress: clampProgress(fraction), progressMessage: message ?? null, updatedAt: new Date() })
        .where(eq(jobs.id, id))
        .returning({ cancelRequested: jobs.cancelRequested });
      checkCancelled(r?.cancelRequested ?? false);
    },
    async log(level, message) {
      await queue.appendLog(id, attempt, level, message);
    },
    throwIfCancelled() {
      if (signal.aborted) throw new JobCancelledError();
    },
  };
  // A job that never reports progress still notices cancellation within a second.
  const poll = setInterval(() => {
    db.select({ c: jobs.cancelRequested })
      .from(jobs)
      .where(eq(jobs.id, id))
      .then(([r]) => checkCancelled(r?.c ?? false))
      .catch(() => undefined);
  }, 1000);

  try {
    const payload = def.payload.parse(row.payload);
    await ctx.log("info", `attempt ${attempt} started on ${workerId}`);
    const result = await def.run(payload, ctx);
    if (signal.aborted) throw new JobCancelledError();
    await db
      .update(jobs)
      .set({ state: "completed", progress: 1, result: (result ?? null) as object | null, finishedAt: new Date(), updatedAt: new Date() })
      .where(eq(jobs.id, id));
    return result ?? null;
  } catch (err) {
    const [current] = await db.select({ c: jobs.cancelRequested, attempts: jobs.attempts }).from(jobs).where(eq(jobs.id, id));
    if (job.signal.aborted && !current?.c) {
      // pg-boss took the claim away (missed heartbeat or expiry) without a user's cancel: the
      // job's row now belongs to the retry (or to the reconciliation pass), so this attempt
      // must not write its state, only say what happened.
      await ctx.log("warn", `attempt ${attempt} lost its claim (heartbeat missed or expired)${(current?.attempts ?? 0) > attempt ? `; attempt ${current?.attempts} carries on` : "; the queue retries it"}`);
      throw new JobClaimLostError();
    }
    if (err instanceof JobCancelledError || current?.c) {
      await ctx.log("warn", "cancelled");
      await db
        .update(jobs)
        .set({ state: "cancelled", finishedAt: new Date(), updatedAt: new Date() })
        .where(eq(jobs.id, id));
      return { cancelled: true };
    }
    const message = (err as Error).message ?? String(err);
    const willRetry = job.retryCount < job.retryLimit;
    await ctx.log("error", `attempt ${attempt} failed: ${message}${willRetry ? " (will retry)" : ""}`);
    await db
      .update(jobs)
      .set(
        willRetry
          ? { state: "queued", error: message, progressMessage: `attempt ${attempt} failed; waiting for a retry`, updatedAt: new Date() }
          : { state: "failed", error: message, finishedAt: new Date(), updatedAt: new Date() },
      )
      .where(eq(jobs.id, id));
    throw err;
  } finally {
    clearInterval(poll);
    if (def.secretFields.length) {
      const [current] = await db.select({ state: jobs.state, payload: jobs.payload }).from(jobs).where(eq(jobs.id, id));
      if (current && (current.state !== "queued" || job.retryCount >= job.retryLimit)) {
        await db.update(jobs).set({ payload: withoutSecrets(def.type, current.payload) as object }).where(eq(jobs.id, id));
      }
    }
  }
}
