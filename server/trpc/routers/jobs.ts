import { z } from "zod";
import { JOB_STATES } from "../../../lib/jobs/states";
import type { JobLogRow, JobRow } from "../../jobs/queue";
import { jobTypes, redactPayload } from "../../jobs/catalog";
import { publicProcedure, router } from "../init";

/** JSON shape of a job as clients see it (dates as ISO strings). */
export function jobDto(row: JobRow) {
  return {
    id: row.id,
    type: row.type,
    state: row.state,
    payload: redactPayload(row.type, row.payload),
    progress: row.progress,
    progressMessage: row.progressMessage,
    result: row.result as unknown,
    error: row.error,
    attempts: row.attempts,
    workerId: row.workerId,
    cancelRequested: row.cancelRequested,
    createdAt: row.createdAt.toISOString(),
    startedAt: row.startedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    updatedAt: row.updatedAt.toISOString(),
  };
}
export type JobDto = ReturnType<typeof jobDto>;

function logDto(row: JobLogRow) {
  return { id: row.id, attempt: row.attempt, level: row.level, message: row.message, at: row.at.toISOString() };
}

const JobId = z.string().uuid("a job id is a UUID");

export const jobsRouter = router({
  types: publicProcedure.query(() => jobTypes()),
  list: publicProcedure
    .input(
      z
        .object({
          states: z.array(z.enum(JOB_STATES)).optional(),
          type: z.string().min(1).optional(),
          limit: z.number().int().min(1).max(500).default(100),
        })
        .default({ limit: 100 }),
    )
    .query(async ({ ctx, input }) => (await ctx.services.queue.list(input)).map(jobDto)),
  get: publicProcedure
    .input(z.object({ id: JobId }))
    .query(async ({ ctx, input }) => jobDto(await ctx.services.queue.get(input.id))),
  logs: publicProcedure
    .input(z.object({ id: JobId, afterId: z.number().int().min(0).default(0), limit: z.number().int().min(1).max(5000).default(1000) }))
    .query(async ({ ctx, input }) => (await ctx.services.queue.logs(input.id, input.afterId, input.limit)).map(logDto)),
  submit: publicProcedure
    .input(z.object({ type: z.string().min(1), payload: z.unknown().optional() }))
    .mutation(async ({ ctx, input }) => jobDto(await ctx.services.queue.submit(input.type, input.payload ?? {}))),
  cancel: publicProcedure
    .input(z.object({ id: JobId }))
    .mutation(async ({ ctx, input }) => jobDto(await ctx.services.queue.cancel(input.id))),
});
