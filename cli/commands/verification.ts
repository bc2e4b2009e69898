/** `isobar score` and `isobar baseline`: verification jobs run from the CLI (through a running server or in-process). */
import path from "node:path";
import type { Command } from "commander";
import { readEnv } from "@/server/env";
import { BASELINE_KINDS } from "@/lib/forecasts/baselines";
import { baselinePayloadSchema, scorePayloadSchema } from "@/server/verification/jobs";
import { parseRegions } from "@/server/verification/regions";
import { CliError } from "../errors";
import { runJobFromCli } from "../run-job";

function parsePayload<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new CliError(`${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`);
  }
  return r.data;
}

const list = (s: string | undefined) => (s ? s.split(",").map((x) => x.trim()).filter(Boolean) : undefined);

export function registerVerificationCommands(program: Command): void {
  program
    .command("score")
    .description("score a forecast against a truth dataset (a verification.score job)")
    .requiredOption("--forecast <F>", "forecast id or store path (Isobar or WeatherBench-2-style zarr)")
    .requiredOption("--truth <D>", "truth dataset (.zarr)")
    .option("--climatology <C>", "climatology store (enables ACC)")
    .option("--regions <a,b>", "WB2 regions, 'native', or boxes name=latMin:latMax:lonMin:lonMax (default: global, hemispheres, tropics, europe, north-america, east-asia)")
    .option("--weights <scheme>", "area (default) or cos-lat")
    .action(async (o: { forecast: string; truth: string; climatology?: string; regions?: string; weights?: string }) => {
      const isId = /^[0-9a-f-]{36}$/i.test(o.forecast);
      const payload = parsePayload(scorePayloadSchema, {
        forecast: isId ? o.forecast : path.resolve(o.forecast),
        truth: path.resolve(o.truth),
        ...(o.climatology ? { climatology: path.resolve(o.climatology) } : {}),
        ...(o.regions ? { regions: list(o.regions) } : {}),
        ...(o.weights ? { weights: o.weights } : {}),
      });
      try {
        parseRegions(payload.regions); // clear errors before a job is submitted
      } catch (e) {
        throw new CliError(e instanceof Error ? e.message : String(e));
      }
      const job = await runJobFromCli(readEnv(), "isobar score", "verification.score", payload);
      const r = job.result as { scoreRunId: string; fields: number; rows: number; pendingFields: number; noTruth: number; regions: string[] } | null;
      if (r) {
        console.log(`score run ${r.scoreRunId}: ${r.fields} fields scored over ${r.regions.length} regions, ${r.rows} statistics rows stored`);
        if (r.pendingFields) console.log(`${r.pendingFields} fields are not written yet in the forecast store: run the same command again later`);
        if (r.noTruth) console.log(`${r.noTruth} fields have a valid time outside the truth dataset`);
      }
    });

  program
    .command("baseline")
    .description("write a baseline forecast store from a dataset (a forecasts.baseline job)")
    .argument("<kind>", BASELINE_KINDS.join(" | "))
    .requiredOption("--dataset <D>", "dataset (.zarr)")
    .requiredOption("--init <START:END>", "init times, e.g. 2020-01-01:2020-01-31")
    .option("--init-step <step>", "step between init times", "12h")
    .option("--lead <leads>", "lead times: 10d (every --lead-step), 0:5d:6h, or 6,12,24", "10d")
    .option("--lead-step <step>", "step for --lead 10d", "24h")
    .option("--variables <a,b>", "variables (default: all)")
    .option("--name <name>", "store name (default <kind>-<dataset>)")
    .option("--output <path.zarr>", "output store (default $ISOBAR_HOME/forecasts/<name>.zarr)")
    .option("--climatology <C>", "climatology: an existing climatology store")
    .option("--period <START:END>", "climatology: period to compute it over (default: the whole dataset)")
    .option("--window <days>", "climatology: smoothing window in days (odd)", "61")
    .option("--years <y1,y2>", "climatological-ensemble: candidate member years")
    .option("--overwrite", "rewrite every field")
    .action(async (kind: string, o: Record<string, string | boolean | undefined>) => {
      if (!(BASELINE_KINDS as readonly string[]).includes(kind)) throw new CliError(`unknown baseline '${kind}' (use ${BASELINE_KINDS.join(", ")})`);
      const str = (k: string) => (typeof o[k] === "string" ? (o[k] as string) : undefined);
      const window = Number(str("window"));
      if (!Number.isInteger(window)) throw new CliError(`--window must be a whole number of days, got '${str("window")}'`);
      const years = list(str("years"))?.map(Number);
      if (years?.some((y) => !Number.isInteger(y))) throw new CliError(`--years must be a list of years, got '${str("years")}'`);
      const payload = parsePayload(baselinePayloadSchema, {
        kind,
        dataset: path.resolve(str("dataset")!),
        init: str("init"),
        initStep: str("initStep"),
        leads: str("lead"),
        leadStep: str("leadStep"),
        windowDays: window,
        overwrite: o.overwrite === true,
        ...(str("variables") ? { variables: list(str("variables")) } : {}),
        ...(str("name") ? { name: str("name") } : {}),
        ...(str("output") ? { output: path.resolve(str("output")!) } : {}),
        ...(str("climatology") ? { climatology: path.resolve(str("climatology")!) } : {}),
        ...(str("period") ? { period: str("period") } : {}),
        ...(years ? { years } : {}),
      });
      const job = await runJobFromCli(readEnv(), "isobar baseline", "forecasts.baseline", payload);
      const r = job.result as { forecastId: string; path: string; members: number; initTimes: number; leadTimesHours: number[]; climatologyPath: string | null } | null;
      if (r) {
        console.log(`forecast ${r.forecastId}: ${r.path} (${r.initTimes} init times × ${r.leadTimesHours.length} lead times, ${r.members} member${r.members > 1 ? "s" : ""})`);
        if (r.climatologyPath) console.log(`climatology: ${r.climatologyPath} (use it with 'isobar score --climatology')`);
      }
    });
}
