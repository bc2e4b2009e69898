import { sql } from "drizzle-orm";
import {
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { JOB_LOG_LEVELS, JOB_STATES } from "../../lib/jobs/states";

const timestamptz = (name: string) => timestamp(name, { withTimezone: true, mode: "date" });

/**
 * Durable record of every job. pg-boss is the transport (claiming, retries, expiry);
 * this table is what users see: progress, logs, result and error outlive pg-boss retention.
 * The row id is also the pg-boss job id.
 */
export const jobs = pgTable(
  "jobs",
  {
    id: uuid("id").primaryKey(),
    type: text("type").notNull(),
    payload: jsonb("payload").notNull(),
    state: text("state", { enum: JOB_STATES }).notNull().default("queued"),
    progress: doublePrecision("progress").notNull().default(0),
    progressMessage: text("progress_message"),
    result: jsonb("result"),
    error: text("error"),
    attempts: integer("attempts").notNull().default(0),
    workerId: text("worker_id"),
    cancelRequested: boolean("cancel_requested").notNull().default(false),
    createdAt: timestamptz("created_at").notNull().defaultNow(),
    startedAt: timestamptz("started_at"),
    finishedAt: timestamptz("finished_at"),
    updatedAt: timestamptz("updated_at").notNull().defaultNow(),
  },
  (t) => [
    index("jobs_state_idx").on(t.state),
    index("jobs_type_idx").on(t.type),
    index("jobs_created_at_idx").on(t.createdAt.desc()),
  ],
);

export const jobLogs = pgTable(
  "job_logs",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    jobId: uuid("job_id")
      .notNull()
      .references(() => jobs.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    level: text("level", { enum: JOB_LOG_LEVELS }).notNull(),
    message: text("message").notNull(),
    at: timestamptz("at").notNull().default(sql`now()`),
  },
  (t) => [index("job_logs_job_idx").on(t.jobId, t.id)],
);
