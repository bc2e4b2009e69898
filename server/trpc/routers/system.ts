import { sql } from "drizzle-orm";
import { migrateStorage, redactUrl, selectRows } from "../../db/storage";
import { ISOBAR_VERSION } from "../../version";
import { jobTypes } from "../../jobs/catalog";
import type { Services } from "../../services";
import { publicProcedure, router } from "../init";

async function probe<T>(fn: () => Promise<T>): Promise<{ ok: true; latencyMs: number; value: T } | { ok: false; latencyMs: number; error: string }> {
  const t0 = performance.now();
  try {
    const value = await fn();
    return { ok: true, latencyMs: performance.now() - t0, value };
  } catch (err) {
    return { ok: false, latencyMs: performance.now() - t0, error: (err as Error).message };
  }
}

export async function systemInfo(services: Services) {
  const { storage, boss, queue, env } = services;
  const database = await probe(async () => {
    const [row] = await selectRows<{ version: string }>(storage.db, sql`select version() as version`);
    return String(row?.version ?? "unknown");
  });
  const queueHealth = await probe(async () => {
    const queues = await (await boss()).getQueues();
    return queues.length;
  });
  const counts = await probe(() => queue.countsByState());
  return {
    version: ISOBAR_VERSION,
    storageMode: storage.mode,
    storageLocation: storage.mode === "embedded" ? storage.dataDir : redactUrl(storage.url),
    home: env.home,
    pid: process.pid,
    startedAt: services.startedAt.toISOString(),
    workersInThisProcess: services.workers !== null,
    database: database.ok
      ? { ok: true as const, latencyMs: database.latencyMs, serverVersion: database.value }
      : { ok: false as const, latencyMs: database.latencyMs, error: database.error },
    queue: queueHealth.ok
      ? { ok: true as const, latencyMs: queueHealth.latencyMs, queues: queueHealth.value }
      : { ok: false as const, latencyMs: queueHealth.latencyMs, error: queueHealth.error },
    jobTypes: jobTypes(),
    jobCounts: counts.ok ? counts.value : null,
  };
}
export type SystemInfo = Awaited<ReturnType<typeof systemInfo>>;

export const systemRouter = router({
  info: publicProcedure.query(({ ctx }) => systemInfo(ctx.services)),
  /** Apply pending migrations through the process that owns the database. Idempotent. */
  migrate: publicProcedure.mutation(({ ctx }) => migrateStorage(ctx.services.storage)),
});
