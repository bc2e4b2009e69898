import fs from "node:fs";
import path from "node:path";
import type { Command } from "commander";
import { readEnv } from "../../server/env";
import { CliError } from "../errors";
import { runJobFromCli } from "../run-job";

function printReport(result: unknown): void {
  const r = result as { experiments: number; runs: number; newRuns: number; newMetricPoints: number; artifactsCopied: number; warnings: string[] };
  console.log(
    `Imported ${r.experiments} experiment(s), ${r.runs} run(s) (${r.newRuns} new), ${r.newMetricPoints} new metric point(s), ${r.artifactsCopied} artifact file(s).`,
  );
  for (const w of r.warnings) console.log(`warning: ${w}`);
}

export function registerImportCommands(program: Command): void {
  const imp = program.command("import").description("import experiment tracking data from MLflow");
  imp
    .command("mlruns <dir>")
    .description("import an MLflow FileStore folder (mlruns/); running it again imports only what is new")
    .action(async (dir: string) => {
      const abs = path.resolve(dir);
      if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) throw new CliError(`no mlruns folder at ${abs}`);
      const job = await runJobFromCli(readEnv(), "isobar import mlruns", "tracking.import", { source: "mlruns", dir: abs });
      printReport(job.result);
    });
  imp
    .command("mlflow")
    .description("pull experiments and runs from a remote MLflow server, incrementally")
    .requiredOption("--from <url>", "tracking URI of the MLflow server, e.g. https://mlflow.example.org")
    .option("--experiment <name...>", "only these experiments (default: all)")
    .option("--token <token>", "bearer token for the server (default: $MLFLOW_TRACKING_TOKEN)")
    .action(async (opts: { from: string; experiment?: string[]; token?: string }) => {
      try {
        new URL(opts.from);
      } catch {
        throw new CliError(`--from must be a URL such as https://mlflow.example.org, got '${opts.from}'`);
      }
      const token = opts.token ?? process.env.MLFLOW_TRACKING_TOKEN;
      const job = await runJobFromCli(readEnv(), "isobar import mlflow", "tracking.import", {
        source: "mlflow",
        url: opts.from,
        experiments: opts.experiment ?? [],
        ...(token ? { token } : {}),
      });
      printReport(job.result);
    });
}
