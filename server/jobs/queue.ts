import { randomUUID } from "node:crypto";
import { and, asc, count, desc, eq, gt, inArray, type SQL } from "drizzle-orm";
import type { PgBoss } from "pg-boss";
import { z } from "zod";
import type { JobLogLevel, JobState } from "../../lib/jobs/states";
import type { Db } from "../db/storage";
import { jobLogs, jobs } from "../db/schema";
import { findJobDefinition, jobTypes } from "./catalog";

export type JobRow = typeof jobs.$inferSelect;
export type JobLogRow = typeof jobLogs.$inferSelect;

export class JobInputError extends Error {}
export class JobNotFoundError extends Error {
  constructor(id: string) {
    super(`no job with id ${id}`);
  }
}

export const JobListFilterSchema = z.object({
  states: z.array(z.enum(["queued", "running", "completed", "failed", "cancelled"])).optional(),
  type: z.string().optional(),
  limit: z.number().int().min(1).max(500).default(100),
});
export type JobListFilter = z.input<typeof JobListFilterSchema>;

/**
 * The job system's front door: submit, list, inspect, cancel. Storage of record is the `jobs`
 * table; pg-boss carries the work to whichever worker process claims it.
 */
export class JobQueue {
  /**
   * @param boss pg-boss, started on first use: listing and reading jobs need only the database,
   * so short-lived CLI commands that only read never pay for starting the queue.
   */
  constructor(
    readonly db: Db,
    readonly boss: () => Promise<PgBoss>,
  ) {}

  async submit(type: string, payload: unknown): Promise<JobRow> {
    const def = findJobDefinition(type);
    if (!def) throw new JobInputError(`unknown job type '${type}'; known types: ${jobTypes().join(", ")}`);
    const parsed = def.payload.safeParse(payload ?? {});
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => `${i.path.join(".") || "(payload)"}: ${i.message}`).join("; ");
      throw new JobInputError(`invalid payload for job type '${type}': ${issues}`);
    }
    const id = randomUUID();
    const [row] = await this.db.insert(jobs).values({ id, type, payload: parsed.data as object }).returning();
    try {
      await (await this.boss()).send(type, { jobId: id }, { id });
    } catch (err) {
      await this.db
        .update(jobs)
        .set({ state: "failed", error: `could not enqueue: ${(err as Error).message}`, finishedAt: new Date(), updatedAt: new Date() })
        .where(eq(jobs.id, id));
      throw err;
    }
    return row;
  }

  async get(id: string): Promise<JobRow> {
    const [row] = await this.db.select().from(jobs).where(eq(jobs.id, id));
    if (!row) throw new JobNotFoundError(id);
    return row;
  }

  async list(filter: JobListFilter = {}): Promise<JobRow[]> {
    const f = JobListFilterSchema.parse(filter);
    const where: SQL[] = [];
    if (f.states?.length) where.push(inArray(jobs.state, f.states));
    if (f.type) where.push(eq(jobs.type, f.type));
    return this.db
      .select()
      .from(jobs)
      .where(where.length ? and(...where) : undefined)
      .orderBy(desc(jobs.createdAt), desc(jobs.id))
      .limit(f.limit);
  }

  async countsByState(): Promise<Record<JobState, number>> {
    const rows = await this.db.select({ state: jobs.state, n: count() }).from(jobs).groupBy(jobs.state);
    const out: Record<JobState, number> = { queued: 0, running: 0, completed: 0, failed: 0, cancelled: 0 };
    for (const r of rows) out[r.state] = Number(r.n);
    return out;
  }

  async logs(id: string, afterId = 0, limit = 1000): Promise<JobLogRow[]> {
    return this.db
      .select()
      .from(jobLogs)
      .where(and(eq(jobLogs.jobId, id), gt(jobLogs.id, afterId)))
      .orderBy(asc(jobLogs.id))
      .limit(limit);
  }

  async appendLog(id: string, attempt: number, level: JobLogLevel, message: string): Promise<void> {
    await this.db.insert(jobLogs).values({ jobId: id, attempt, level, message });
  }

  /**
   * Cancel a job. A queued job is cancelled at once; a running one is flagged and stops at its
   * next progress report or cancellation check (its worker also loses the pg-boss claim).
   */
  async cancel(id: string): Promise<JobRow> {
    const row = await this.get(id);
    if (row.state === "completed" || row.state === "failed" || row.state === "cancelled") {
      throw new JobInputError(`job ${id} has already ended (${row.state}); nothing to cancel`);
    }
    await this.db.update(jobs).set({ cancelRequested: true, updatedAt: new Date() }).where(eq(jobs.id, id));
    await (await this.boss()).cancel(row.type, id);
    if (row.state === "queued") {
      await this.db
        .update(jobs)
        .set({ state: "cancelled", finishedAt: new Date(), updatedAt: new Date(), progressMessage: "cancelled before it started" })
        .where(and(eq(jobs.id, id), eq(jobs.state, "queued")));
    }
    return this.get(id);
  }

  /**
   * Bring rows in line with pg-boss for jobs whose worker died and that pg-boss has given up on
   * (failed after its last retry, or cancelled while no worker held it).
   */
  async reconcile(): Promise<number> {
    const open = await this.db
      .select({ id: jobs.id, type: jobs.type, state: jobs.state })
      .from(jobs)
      .where(inArray(jobs.state, ["queued", "running"]));
    let changed = 0;
    const boss = open.length ? await this.boss() : null;
    for (const row of open) {
      const bossJob = await boss!.getJobById(row.type, row.id);
      if (!bossJob) continue;
      if (bossJob.state === "retry" && row.state === "running") {
        await this.db
          .update(jobs)
          .set({ state: "queued", progressMessage: "its worker stopped; waiting for a retry", updatedAt: new Date() })
          .where(and(eq(jobs.id, row.id), eq(jobs.state, "running")));
        changed++;
        continue;
      }
      if (bossJob.state === "failed" || bossJob.state === "cancelled") {
        const output = bossJob.output as { message?: string } | null;
        const state = bossJob.state === "cancelled" ? "cancelled" : "failed";
        await this.db
          .update(jobs)
          .set({ state, error: state === "failed" ? (output?.message ?? "the job failed in the queue (its worker stopped)") : null, finishedAt: new Date(), updatedAt: new Date() })
          .where(and(eq(jobs.id, row.id), inArray(jobs.state, ["queued", "running"])));
        changed++;
      }
    }
    return changed;
  }
}
