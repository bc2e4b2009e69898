import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshHome, startIsobar, startServer, waitUntil, type IsobarProcess } from "../support/isobar-process";
import { createTestDatabase } from "../support/postgres";

/**
 * PostgreSQL scale-out: a server (API only, no workers of its own) and two real `isobar worker`
 * processes share one queue.
 */
describe("isobar worker processes on PostgreSQL", () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let home: string;
  let server: Awaited<ReturnType<typeof startServer>>;
  const workers: IsobarProcess[] = [];
  let env: Record<string, string>;

  beforeAll(async () => {
    db = await createTestDatabase("workers");
    home = freshHome("workers");
    env = { ISOBAR_HOME: home, DATABASE_URL: db.url, ISOBAR_WORKER_CONCURRENCY: "2", ISOBAR_SUPERVISE_SECONDS: "2" };
    server = await startServer(env, ["--no-web"]);
    for (let i = 0; i < 2; i++) {
      const w = startIsobar(["worker"], env);
      workers.push(w);
      await w.waitFor(/Isobar worker (\S+) started/);
    }
  });

  afterAll(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    await server?.proc.stop();
    await db?.drop();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  const workerPid = (workerId: string | null) => Number(workerId?.split(":").pop());

  it("runs 50 jobs, each exactly once, spread over both workers", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 50; i++) {
      const job = await server.api.jobs.submit.mutate({ type: "system.selftest", payload: { steps: 2, stepMs: 20, label: `n${i}` } });
      ids.push(job.id);
    }
    const done = await waitUntil(async () => {
      const list = await server.api.jobs.list.query({ limit: 500 });
      const mine = list.filter((j) => ids.includes(j.id));
      return mine.length === 50 && mine.every((j) => j.state === "completed") ? mine : null;
    }, "50 jobs to complete", 120_000);
    expect(done.every((j) => j.attempts === 1)).toBe(true);
    const labels = done.map((j) => (j.result as { label: string }).label).sort();
    expect(labels).toEqual(Array.from({ length: 50 }, (_, i) => `n${i}`).sort());
    // Exactly one start per job: no job ran twice.
    for (const id of ids.slice(0, 10)) {
      const logs = await server.api.jobs.logs.query({ id });
      expect(logs.filter((l) => l.message.startsWith("attempt ")).length).toBe(1);
    }
    const pids = new Set(done.map((j) => workerPid(j.workerId)));
    expect(pids).toEqual(new Set(workers.map((w) => w.child.pid)));
  });

  it("hands a job whose worker was killed with SIGKILL to the other worker, which completes it", async () => {
    const job = await server.api.jobs.submit.mutate({ type: "system.selftest", payload: { steps: 40, stepMs: 250, label: "survivor" } });
    const running = await waitUntil(async () => {
      const j = await server.api.jobs.get.query({ id: job.id });
      return j.state === "running" && j.progress > 0 ? j : null;
    }, "the job to start");
    const victim = workers.find((w) => w.child.pid === workerPid(running.workerId));
    expect(victim).toBeDefined();
    victim!.child.kill("SIGKILL");
    await victim!.stop();

    const done = await waitUntil(async () => {
      const j = await server.api.jobs.get.query({ id: job.id });
      return j.state === "completed" ? j : null;
    }, "the job to be retried and completed", 120_000);
    const survivor = workers.find((w) => w !== victim)!;
    expect(workerPid(done.workerId)).toBe(survivor.child.pid);
    expect(done.attempts).toBe(2);
    expect(done.result).toEqual({ steps: 40, attempt: 2, label: "survivor" });
    const starts = (await server.api.jobs.logs.query({ id: job.id })).filter((l) => / started on /.test(l.message));
    expect(starts.map((l) => l.attempt)).toEqual([1, 2]);
  });

  it("stops a running job when it is cancelled", async () => {
    const job = await server.api.jobs.submit.mutate({ type: "system.selftest", payload: { steps: 400, stepMs: 50 } });
    await waitUntil(async () => (await server.api.jobs.get.query({ id: job.id })).progress > 0.01, "the job to make progress");
    await server.api.jobs.cancel.mutate({ id: job.id });
    const done = await waitUntil(async () => {
      const j = await server.api.jobs.get.query({ id: job.id });
      return j.state === "cancelled" ? j : null;
    }, "the job to stop", 30_000);
    await new Promise((r) => setTimeout(r, 1000));
    const later = await server.api.jobs.get.query({ id: job.id });
    expect(later.state).toBe("cancelled");
    expect(later.progress).toBe(done.progress);
    expect(later.progress).toBeLessThan(0.5);
  });
});
