import type { PgBoss } from "pg-boss";
import type { IsobarEnv } from "./env";
import { migrateStorage, openEmbeddedStorage, openPostgresStorage, type MigrationReport, type Storage } from "./db/storage";
import { startBoss } from "./jobs/boss";
import { JobQueue } from "./jobs/queue";
import { startWorkers, type RunningWorkers } from "./jobs/worker";

/** Everything a process needs to serve requests or run jobs, opened in the right order. */
export type Services = {
  env: IsobarEnv;
  storage: Storage;
  /** pg-boss, started on first use (at once when this process runs workers). */
  boss: () => Promise<PgBoss>;
  queue: JobQueue;
  workers: RunningWorkers | null;
  startedAt: Date;
  migrations: MigrationReport;
  close(): Promise<void>;
};

export type ServicesOptions = {
  /** Shown to other processes that find the embedded database in use. */
  command: string;
  runWorkers: boolean;
  supervise: boolean;
};

export async function openStorage(env: IsobarEnv, command: string): Promise<Storage> {
  return env.databaseUrl ? openPostgresStorage(env.databaseUrl) : openEmbeddedStorage(env.home, command);
}

export async function openServices(env: IsobarEnv, options: ServicesOptions): Promise<Services> {
  const storage = await openStorage(env, options.command);
  let starting: Promise<PgBoss> | null = null;
  const boss = () => (starting ??= startBoss(storage, env, { supervise: options.supervise }));
  const stopBoss = async (graceful: boolean) => {
    if (!starting) return;
    const started = await starting.catch(() => null);
    await started?.stop({ graceful, timeout: 10_000 });
  };
  try {
    const migrations = await migrateStorage(storage);
    const queue = new JobQueue(storage.db, boss);
    const workers = options.runWorkers ? await startWorkers(queue, { concurrency: env.workerConcurrency, home: env.home }) : null;
    return {
      env,
      storage,
      boss,
      queue,
      workers,
      migrations,
      startedAt: new Date(),
      async close() {
        await workers?.stop();
        await stopBoss(true);
        await storage.close();
      },
    };
  } catch (err) {
    await stopBoss(false).catch(() => undefined);
    await storage.close();
    throw err;
  }
}
