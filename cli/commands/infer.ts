import type { Command } from "commander";
import { readEnv } from "../../server/env";
import { CliError } from "../errors";
import { runJobFromCli } from "../run-job";

export function registerInferCommand(program: Command): void {
  program
    .command("infer")
    .description("run a trained model (ONNX checkpoint) from dataset initial conditions into a forecast store")
    .requiredOption("--checkpoint <file|id>", "checkpoint file (.ckpt) or checkpoint id")
    .requiredOption("--dataset <path>", "dataset with the initial conditions")
    .requiredOption("--init <dates>", "init times: START:END or one date, e.g. 2019-01-01:2019-01-31")
    .option("--init-step <step>", "step between init times", "24h")
    .option("--lead <leads>", "lead times: 10d, 0:5d:6h or 6,12,24", "10d")
    .option("--members <n>", "ensemble members (initial-condition perturbations)", "1")
    .option("--perturbation <fraction>", "perturbation size as a fraction of each variable's standard deviation", "0.05")
    .option("--seed <n>", "seed of the perturbations", "0")
    .option("--name <name>", "name of the forecast")
    .action(async (o: { checkpoint: string; dataset: string; init: string; initStep: string; lead: string; members: string; perturbation: string; seed: string; name?: string }) => {
      const members = Number(o.members);
      const perturbation = Number(o.perturbation);
      const seed = Number(o.seed);
      if (!Number.isInteger(members) || members < 1 || members > 100) throw new CliError("--members must be a whole number from 1 to 100");
      if (!(perturbation >= 0 && perturbation <= 1)) throw new CliError("--perturbation must be between 0 and 1");
      if (!Number.isInteger(seed)) throw new CliError("--seed must be a whole number");
      const job = await runJobFromCli(readEnv(), "isobar infer", "inference.run", {
        checkpoint: o.checkpoint,
        dataset: o.dataset,
        init: o.init,
        initStep: o.initStep,
        lead: o.lead,
        members,
        perturbation,
        seed,
        ...(o.name ? { name: o.name } : {}),
      });
      const r = job.result as { forecastId: string; path: string };
      console.log(`Forecast ${r.forecastId} written to ${r.path}; score it with 'isobar score --forecast ${r.forecastId} --truth <dataset>'`);
    });
}
