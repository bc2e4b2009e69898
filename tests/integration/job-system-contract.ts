import { afterAll, beforeAll, expect, it } from "vitest";
import type { IsobarEnv } from "@/server/env";
import { migrateStorage } from "@/server/db/storage";
import { openServices, type Services } from "@/server/services";
import { waitUntil } from "../support/isobar-process";
import { MIGRATION_COUNT } from "../support/migrations";

/**
 * The job system's behaviour, identical on both storage modes. Each mode's test file calls this
 * with an environment pointing at its own fresh database.
 */
export function jobSystemContract(makeEnv: () => Promise<{ env: IsobarEnv; cleanup(): Promise<void> }>) {
  let services: Services;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const made = await makeEnv();
    cleanup = made.cleanup;
    services = await openServices(made.env, { command: "vitest", runWorkers: true, supervise: true });
  });
  afterAll(async () => {
    await services?.close();
    await cleanup?.();
  });

  const finished = (id: string) =>
    waitUntil(async () => {
      const job = await services.queue.get(id);
      return ["completed", "failed", "cancelled"].includes(job.state) ? job : null;
    }, `job ${id} to finish`);

  it("applies migrations on open and again as a no-op", async () => {
    expect(services.migrations).toEqual({ applied: MIGRATION_COUNT, total: MIGRATION_COUNT });
    expect(await migrateStorage(services.storage)).toEqual({ applied: 0, total: MIGRATION_COUNT });
  });

  it("runs a job to completion with progress, logs and result", async () => {
    const job = await services.queue.submit("system.selftest", { steps: 4, stepMs: 50, label: "basic" });
    expect(job.state).toBe("queued");
    const done = await finished(job.id);
    expect(done.state).toBe("completed");
    expect(done.progress).toBe(1);
    expect(done.progressMessage).toBe("step 4/4");
    expect(done.result).toEqual({ steps: 4, attempt: 1, label: "basic" });
    expect(done.attempts).toBe(1);
    expect(done.startedAt!.getTime()).toBeGreaterThanOrEqual(done.createdAt.getTime());
    expect(done.finishedAt!.getTime()).toBeGreaterThanOrEqual(done.startedAt!.getTime());
    const logs = await services.queue.logs(job.id);
    expect(logs.map((l) => l.message)).toEqual([
      expect.stringMatching(/^attempt 1 started on /),
      "self-test basic started: 4 steps of 50 ms",
      "self-test finished",
    ]);
  });

  it("rejects an unknown type and an invalid payload with specific errors, storing nothing", async () => {
    const before = (await services.queue.list({ limit: 500 })).length;
    await expect(services.queue.submit("no.such.job", {})).rejects.toThrow("unknown job type 'no.such.job'; known types: system.selftest");
    await expect(services.queue.submit("system.selftest", { steps: -1 })).rejects.toThrow(
      /invalid payload for job type 'system.selftest': steps: Too small/,
    );
    await expect(services.queue.submit("system.selftest", { stepz: 1 })).rejects.toThrow(/Unrecognized key: "stepz"/);
    expect((await services.queue.list({ limit: 500 })).length).toBe(before);
  });

  it("retries a failing job up to its retry limit and keeps the error", async () => {
    const job = await services.queue.submit("system.selftest", { steps: 2, stepMs: 10, failAtStep: 2 });
    const done = await finished(job.id);
    expect(done.state).toBe("failed");
    expect(done.error).toBe("self-test failed on purpose at step 2");
    expect(done.attempts).toBe(3); // first attempt + retryLimit 2
    const failures = (await services.queue.logs(job.id)).filter((l) => l.level === "error");
    expect(failures.map((l) => l.attempt)).toEqual([1, 2, 3]);
    expect(failures[2].message).toBe("attempt 3 failed: self-test failed on purpose at step 2");
  });

  it("cancels a queued job before it runs and a running job mid-way", async () => {
    // Concurrency is 2 per job type: two long jobs occupy the workers and a third waits.
    const running = await services.queue.submit("system.selftest", { steps: 200, stepMs: 50 });
    const other = await services.queue.submit("system.selftest", { steps: 200, stepMs: 50 });
    await waitUntil(async () => (await services.queue.get(running.id)).progress > 0.02, "the long job to make progress");
    await waitUntil(async () => (await services.queue.get(other.id)).state === "running", "the second job to start");
    const waiting = await services.queue.submit("system.selftest", { steps: 1, stepMs: 0 });
    const cancelledWaiting = await services.queue.cancel(waiting.id);
    expect(cancelledWaiting.state).toBe("cancelled");
    expect(cancelledWaiting.progressMessage).toBe("cancelled before it started");
    expect(cancelledWaiting.startedAt).toBeNull();
    await services.queue.cancel(other.id);
    const requested = await services.queue.cancel(running.id);
    expect(requested.cancelRequested).toBe(true);
    const done = await finished(running.id);
    expect(done.state).toBe("cancelled");
    expect(done.progress).toBeLessThan(0.5);
    const frozen = done.progress;
    await new Promise((r) => setTimeout(r, 600));
    expect((await services.queue.get(running.id)).progress).toBe(frozen);
    await expect(services.queue.cancel(running.id)).rejects.toThrow(`job ${running.id} has already ended (cancelled); nothing to cancel`);
    expect((await finished(other.id)).state).toBe("cancelled");
    await new Promise((r) => setTimeout(r, 1000));
    const stillWaiting = await services.queue.get(waiting.id);
    expect(stillWaiting.state).toBe("cancelled");
    expect(stillWaiting.attempts).toBe(0); // never claimed by a worker
  });

  it("an attempt whose claim pg-boss takes away leaves the job to the retry instead of cancelling it", async () => {
    // What a blocked event loop causes: the heartbeat goes stale, pg-boss fails the attempt and
    // retries it while the first attempt is still alive. Simulated deterministically by failing
    // the running attempt through pg-boss itself (no user cancel).
    const job = await services.queue.submit("system.selftest", { steps: 60, stepMs: 250, label: "claim-lost" });
    await waitUntil(async () => (await services.queue.get(job.id)).progress > 0.03, "the job to make progress");
    const boss = await services.boss();
    await boss.fail("system.selftest", job.id, { message: "simulated stale heartbeat" });
    const done = await finished(job.id);
    expect(done.state).toBe("completed");
    expect(done.attempts).toBe(2);
    expect(done.cancelRequested).toBe(false);
    expect(done.result).toMatchObject({ attempt: 2, label: "claim-lost" });
    const logs = await services.queue.logs(job.id);
    expect(logs.some((l) => l.attempt === 1 && /attempt 1 lost its claim/.test(l.message))).toBe(true);
    expect(logs.some((l) => /cancelled/.test(l.message))).toBe(false);
  });

  it("lists with filters and counts by state", async () => {
    const counts = await services.queue.countsByState();
    expect(counts.completed).toBeGreaterThanOrEqual(1);
    expect(counts.failed).toBeGreaterThanOrEqual(1);
    expect(counts.cancelled).toBeGreaterThanOrEqual(1);
    const failed = await services.queue.list({ states: ["failed"] });
    expect(failed.length).toBe(counts.failed);
    expect(failed.every((j) => j.state === "failed")).toBe(true);
    const all = await services.queue.list({ type: "system.selftest", limit: 500 });
    for (let i = 1; i < all.length; i++) expect(all[i - 1].createdAt.getTime()).toBeGreaterThanOrEqual(all[i].createdAt.getTime());
    await expect(services.queue.get("00000000-0000-4000-8000-000000000000")).rejects.toThrow(
      "no job with id 00000000-0000-4000-8000-000000000000",
    );
  });
}
