import { PgBoss, fromPglite } from "pg-boss";
import type { IsobarEnv } from "../env";
import type { Storage } from "../db/storage";
import { JOB_DEFINITIONS } from "./catalog";

export type BossRole = {
  /** Run pg-boss maintenance/supervision (expiry, stale heartbeats, retention) in this process. */
  supervise: boolean;
};

/** Start pg-boss on the given storage and make sure every job type has its queue. */
export async function startBoss(storage: Storage, env: IsobarEnv, role: BossRole): Promise<PgBoss> {
  const common = {
    supervise: role.supervise,
    superviseIntervalSeconds: env.superviseSeconds,
    monitorIntervalSeconds: Math.max(env.superviseSeconds, 5),
  };
  const boss =
    storage.mode === "embedded"
      ? new PgBoss({ ...common, db: fromPglite(storage.pglite), backend: "pglite" })
      : new PgBoss({ ...common, connectionString: storage.url, max: 4 });
  boss.on("error", (err: Error) => {
    console.error(`[isobar] job queue error: ${err.message}`);
  });
  await boss.start();
  for (const def of JOB_DEFINITIONS) {
    const options = {
      retryLimit: def.retry.retryLimit,
      expireInSeconds: def.retry.expireInSeconds,
      deleteAfterSeconds: 7 * 24 * 3600,
      // The heartbeat lets pg-boss notice a worker that died (SIGKILL, lost machine) within
      // seconds and hand its job to another worker, instead of waiting for expireInSeconds.
      heartbeatSeconds: Math.max(env.jobHeartbeatSeconds, def.retry.minHeartbeatSeconds),
    };
    if (await boss.getQueue(def.type)) {
      await boss.updateQueue(def.type, options);
      continue;
    }
    try {
      await boss.createQueue(def.type, options);
    } catch (err) {
      // Another process created it between our check and our insert: fine.
      if (!(await boss.getQueue(def.type))) throw err;
    }
  }
  return boss;
}
