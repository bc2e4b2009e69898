import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { sql } from "drizzle-orm";
import { readEnv } from "@/server/env";
import { openServices } from "@/server/services";
import { peakRssMiB, report } from "./harness";

/**
 * Job-system overhead on the embedded database: submitting and completing N trivial jobs,
 * against a baseline of N raw INSERTs of the same rows through the same driver.
 */
const N = 200;
const home = fs.mkdtempSync(path.join(os.tmpdir(), "isobar-bench-jobs-"));
const services = await openServices(readEnv({ ISOBAR_HOME: home }), { command: "bench", runWorkers: true, supervise: true });
try {
  const db = services.storage.db;
  await db.execute(sql`create table bench_rows (id uuid primary key, payload jsonb)`);
  const t0 = performance.now();
  for (let i = 0; i < N; i++) await db.execute(sql`insert into bench_rows values (gen_random_uuid(), ${JSON.stringify({ i })}::jsonb)`);
  const baselineMs = performance.now() - t0;

  const t1 = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < N; i++) ids.push((await services.queue.submit("system.selftest", { steps: 1, stepMs: 0 })).id);
  const submitMs = performance.now() - t1;
  for (;;) {
    const counts = await services.queue.countsByState();
    if (counts.completed + counts.failed >= N) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const totalMs = performance.now() - t1;
  report(`jobs benchmark (embedded PGlite, ${N} trivial jobs)`, [
    ["raw INSERT baseline", `${(baselineMs / N).toFixed(2)} ms/row`],
    ["submit", `${(submitMs / N).toFixed(2)} ms/job  (${(submitMs / baselineMs).toFixed(1)}× baseline)`],
    ["submit → all completed", `${((N * 1000) / totalMs).toFixed(1)} jobs/s  (${(totalMs / baselineMs).toFixed(1)}× baseline)`],
    ["peak RSS", `${peakRssMiB().toFixed(0)} MiB`],
  ]);
} finally {
  await services.close();
  fs.rmSync(home, { recursive: true, force: true });
}
