import fs from "node:fs";
import path from "node:path";
import { Command } from "commander";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { registerDatasetsCommands } from "@/cli/commands/datasets";
import { CliError } from "@/cli/errors";
import { datasetCreateJob } from "@/server/jobs/dataset-create-job";
import type { JobContext } from "@/server/jobs/definition";
import { JobCancelledError } from "@/server/jobs/definition";
import { openDataset } from "@/lib/datasets/open";
import { registerAnalyticSource, tmpDir } from "@/lib/datasets/test-utils";
import { readEnv } from "@/server/env";
import { listDatasets } from "@/server/datasets/registry";
import { openServices, type Services } from "@/server/services";

/** The CLI registers what it creates in the database of ISOBAR_HOME: a fresh one here. */
const home = tmpDir();
const previousHome = process.env.ISOBAR_HOME;
const previousUrl = process.env.DATABASE_URL;
beforeAll(() => {
  registerAnalyticSource();
  process.env.ISOBAR_HOME = home;
  delete process.env.DATABASE_URL;
});
afterAll(() => {
  if (previousHome === undefined) delete process.env.ISOBAR_HOME;
  else process.env.ISOBAR_HOME = previousHome;
  if (previousUrl !== undefined) process.env.DATABASE_URL = previousUrl;
});
afterEach(() => vi.restoreAllMocks());

const RECIPE = `
name: cli
dates: {start: 2020-01-01T00:00:00, end: 2020-01-02T00:00:00, frequency: 6h}
input: {analytic: {variables: [a, b]}}
output: {grid: "30"}
`;

async function run(args: string[]): Promise<string> {
  const out: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
  vi.spyOn(console, "error").mockImplementation(() => undefined);
  const program = new Command().exitOverride();
  registerDatasetsCommands(program);
  await program.parseAsync(["node", "isobar", ...args]);
  return out.join("\n");
}

describe("isobar datasets", () => {
  it("create then inspect (text and --json)", async () => {
    const dir = tmpDir();
    const recipe = path.join(dir, "r.yaml");
    fs.writeFileSync(recipe, RECIPE);
    const out = path.join(dir, "cli.zarr");
    expect(await run(["datasets", "create", recipe, out])).toMatch(/^created .*cli\.zarr: 5 dates × 2 variables \(a, b\).*\nregistered as dataset [0-9a-f-]{36}/);
    const text = await run(["datasets", "inspect", out]);
    expect(text).toContain("grid        30° regular (regular-30x30), 84 points");
    expect(text).toContain("dates       2020-01-01T00:00:00 → 2020-01-02T00:00:00, every 6h, 5 dates");
    expect(text).toContain("missing     none");
    expect(text).toMatch(/\na\s+K\s+[-\d.]+/);
    const json = JSON.parse(await run(["datasets", "inspect", out, "--json"])) as { variables: { name: string; units: string }[]; size: { bytes: number } };
    expect(json.variables.map((v) => [v.name, v.units])).toEqual([["a", "K"], ["b", "K"]]);
    expect(json.size.bytes).toBeGreaterThan(0);
    await expect(run(["datasets", "create", recipe, out])).rejects.toThrow(new CliError(`${out} already exists (use --overwrite to replace it)`));
    expect(await run(["datasets", "create", recipe, out, "--overwrite"])).toMatch(/^created/);
  });

  it("errors are one clear CliError", async () => {
    const dir = tmpDir();
    const bad = path.join(dir, "bad.yaml");
    fs.writeFileSync(bad, RECIPE.replace("frequency: 6h", "frequency: 6x"));
    await expect(run(["datasets", "create", bad, path.join(dir, "x.zarr")])).rejects.toThrow(
      new CliError(`${bad}:3: dates.frequency: invalid frequency '6x' (use e.g. 6h, 30m, 1d or PT6H)`),
    );
    await expect(run(["datasets", "inspect", path.join(dir, "none.zarr")])).rejects.toThrow(new CliError(`dataset ${path.join(dir, "none.zarr")} does not exist`));
  });
});

const FAKE_JOB_ID = "00000000-0000-4000-8000-000000000001";

function fakeContext(services: Services, signal: AbortSignal, cancelled: () => boolean): JobContext & { progressCalls: number[] } {
  const progressCalls: number[] = [];
  return {
    jobId: FAKE_JOB_ID,
    attempt: 1,
    signal,
    progressCalls,
    async progress(f: number) {
      progressCalls.push(f);
    },
    async log() {},
    throwIfCancelled() {
      if (cancelled()) throw new JobCancelledError();
    },
    db: services.storage.db,
    home: services.env.home,
  };
}

describe("datasets.create job", () => {
  let services: Services;
  beforeAll(async () => {
    services = await openServices(readEnv({ ISOBAR_HOME: tmpDir() }), { command: "vitest", runWorkers: false, supervise: false });
  });
  afterAll(async () => services?.close());

  it("builds from recipe text, reports progress, resumes after a cancel, and registers the dataset", async () => {
    const out = path.join(tmpDir(), "job.zarr");
    const payload = datasetCreateJob.payload.parse({ recipe: RECIPE, output: out });
    const ac = new AbortController();
    const ctx = fakeContext(services, ac.signal, () => ac.signal.aborted);
    const orig = ctx.progress;
    ctx.progress = async (f: number) => {
      await orig(f);
      if (f > 0) ac.abort();
    };
    await expect(datasetCreateJob.run(payload, ctx)).rejects.toBeInstanceOf(JobCancelledError);
    const ctx2 = fakeContext(services, new AbortController().signal, () => false);
    const result = await datasetCreateJob.run(payload, ctx2);
    expect(result.resumedFrom).toBeGreaterThan(0);
    expect(result.resumedFrom).toBeLessThan(5);
    expect(ctx2.progressCalls.at(-1)).toBe(1);
    expect((await openDataset(out)).dates.length).toBe(5);
    const registered = await listDatasets(services.storage.db);
    expect(registered.map((d) => [d.id, d.path, d.name, d.dateCount, d.jobId])).toEqual([[result.datasetId, out, "cli", 5, FAKE_JOB_ID]]);
    expect(registered[0].recipe).toBe(RECIPE);
    expect(() => datasetCreateJob.payload.parse({ recipe: RECIPE, output: "x.nc" })).toThrow("the output path must end in .zarr");
  });
});
