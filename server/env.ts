import path from "node:path";
import { z } from "zod";

/**
 * Every environment variable Isobar reads, validated in one place.
 * README's "Configuration" section documents the same list.
 */
const EnvSchema = z.object({
  ISOBAR_HOME: z.string().min(1).default(".isobar"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must be a postgres:// or postgresql:// connection string")
    .optional(),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  ISOBAR_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  ISOBAR_JOB_HEARTBEAT_SECONDS: z.coerce.number().int().min(10).default(10),
  ISOBAR_SUPERVISE_SECONDS: z.coerce.number().int().min(1).default(5),
  ISOBAR_AUTH: z.enum(["on", "off"], { message: "ISOBAR_AUTH must be 'on' or 'off'" }).default("off"),
});

export type IsobarEnv = {
  home: string;
  databaseUrl: string | undefined;
  storageMode: "embedded" | "postgres";
  port: number;
  host: string;
  workerConcurrency: number;
  jobHeartbeatSeconds: number;
  superviseSeconds: number;
  /** Require bearer tokens on the MLflow-compatible API. */
  auth: boolean;
};

export class EnvError extends Error {}

export function readEnv(source: Record<string, string | undefined> = process.env): IsobarEnv {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new EnvError(`invalid environment variable ${String(first?.path[0])}: ${first?.message}`);
  }
  const e = parsed.data;
  return {
    home: path.resolve(e.ISOBAR_HOME),
    databaseUrl: e.DATABASE_URL,
    storageMode: e.DATABASE_URL ? "postgres" : "embedded",
    port: e.PORT,
    host: e.HOST,
    workerConcurrency: e.ISOBAR_WORKER_CONCURRENCY,
    jobHeartbeatSeconds: e.ISOBAR_JOB_HEARTBEAT_SECONDS,
    superviseSeconds: e.ISOBAR_SUPERVISE_SECONDS,
    auth: e.ISOBAR_AUTH === "on",
  };
}
