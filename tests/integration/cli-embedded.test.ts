import fs from "node:fs";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freshHome, runIsobar, startServer } from "../support/isobar-process";
import { MIGRATION_COUNT } from "../support/migrations";

/** In embedded mode every CLI command works whether or not `isobar serve` owns the database. */
describe("isobar CLI on the embedded database", () => {
  const home = freshHome("cli");
  const env = { ISOBAR_HOME: home, DATABASE_URL: "" };
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

  // Seven CLI processes, each opening the embedded database: minutes on a loaded 2-core machine.
  it("works without a server: migrate, submit, list, show, cancel", { timeout: 600_000 }, async () => {
    const first = await runIsobar(["db", "migrate"], env);
    expect(first.stderr).toBe("");
    expect(first.stdout.trim()).toBe(`Applied ${MIGRATION_COUNT} migration(s); ${MIGRATION_COUNT} in all.`);
    const again = await runIsobar(["db", "migrate"], env);
    expect(again.stdout.trim()).toBe(`Database is up to date: ${MIGRATION_COUNT} migration(s) applied.`);

    const submitted = await runIsobar(["jobs", "submit", "system.selftest", "--payload", '{"steps":3,"stepMs":10}'], env);
    expect(submitted.code).toBe(0);
    const id = submitted.stdout.match(/Submitted job (\S+) \(system.selftest\)/)?.[1];
    expect(id).toBeDefined();

    const list = await runIsobar(["jobs", "list", "--json"], env);
    const jobs = JSON.parse(list.stdout) as { id: string; state: string }[];
    expect(jobs.map((j) => [j.id, j.state])).toEqual([[id, "queued"]]);

    const cancelled = await runIsobar(["jobs", "cancel", id!], env);
    expect(cancelled.stdout.trim()).toBe(`Job ${id} cancelled.`);
    const shown = await runIsobar(["jobs", "show", id!, "--json"], env);
    expect((JSON.parse(shown.stdout) as { job: { state: string } }).job.state).toBe("cancelled");
  });

  it("fails with one clear line and a non-zero exit on bad input", async () => {
    const badState = await runIsobar(["jobs", "list", "--state", "done"], env);
    expect(badState.code).toBe(1);
    expect(badState.stderr.trim()).toBe(
      "isobar: unknown job state 'done' in --state; use one or more of queued, running, completed, failed, cancelled separated by commas",
    );
    const badPayload = await runIsobar(["jobs", "submit", "system.selftest", "--payload", "{steps:1}"], env);
    expect(badPayload.code).toBe(1);
    expect(badPayload.stderr).toMatch(/^isobar: --payload is not valid JSON: /);
    const badId = await runIsobar(["jobs", "show", "not-a-uuid"], env);
    expect(badId.code).toBe(1);
    expect(badId.stderr).toMatch(/a job id is a UUID/);
    const worker = await runIsobar(["worker"], env);
    expect(worker.code).toBe(1);
    expect(worker.stderr).toMatch(/^isobar: 'isobar worker' needs PostgreSQL: set DATABASE_URL/);
    const unknown = await runIsobar(["frobnicate"], env);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/unknown command 'frobnicate'/);
  });

  it("goes through the running server, which runs the jobs", async () => {
    const server = await startServer(env, ["--no-web"]);
    try {
      expect(fs.existsSync(path.join(home, "server.json"))).toBe(true);
      const submitted = await runIsobar(["jobs", "submit", "system.selftest", "--payload", '{"steps":2,"stepMs":10}', "--follow"], env);
      expect(submitted.stderr).toBe("");
      expect(submitted.code).toBe(0);
      expect(submitted.stdout).toMatch(/Job \S+ completed/);
      const migrate = await runIsobar(["db", "migrate"], env);
      expect(migrate.stdout.trim()).toBe(`Database is up to date: ${MIGRATION_COUNT} migration(s) applied (through the server at ${server.url}).`);
      const second = await runIsobar(["serve", "--port", "0", "--no-web"], env);
      expect(second.code).toBe(1);
      expect(second.stderr.trim()).toBe(`isobar: an Isobar server for ${home} is already running at ${server.url}`);
    } finally {
      expect(await server.proc.stop()).toBe(0);
    }
    expect(fs.existsSync(path.join(home, "server.json"))).toBe(false);
    // After the server stopped, the CLI opens the database directly again and sees its work.
    const list = await runIsobar(["jobs", "list", "--state", "completed", "--json"], env);
    expect((JSON.parse(list.stdout) as unknown[]).length).toBe(1);
  });
});

describe("isobar train with a sweep", () => {
  const home = freshHome("sweep");
  afterAll(() => fs.rmSync(home, { recursive: true, force: true }));

  it("queues one training job per combination", async () => {
    const env = { ISOBAR_HOME: home, DATABASE_URL: "" };
    const out = await runIsobar(["train", "training.lr=1e-3,1e-4", "model=gnn,mlp", "training.max_steps=10"], env);
    expect(out.stderr).toBe("");
    expect(out.stdout).toContain("Queued 4 training runs");
    const list = JSON.parse((await runIsobar(["jobs", "list", "--type", "training.run", "--json"], env)).stdout) as { payload: { overrides: string[] } }[];
    expect(list.map((j) => j.payload.overrides.join(" ")).sort()).toEqual([
      "training.lr=1e-3 model=gnn training.max_steps=10",
      "training.lr=1e-3 model=mlp training.max_steps=10",
      "training.lr=1e-4 model=gnn training.max_steps=10",
      "training.lr=1e-4 model=mlp training.max_steps=10",
    ]);
  });
});
