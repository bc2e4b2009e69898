import type { Command } from "commander";
import { readEnv } from "../../server/env";
import { runJobFromCli } from "../run-job";

export function registerTrainCommand(program: Command): void {
  program
    .command("train")
    .description("train a forecast model from the composed `train` config; runs as a job, tracked as a run")
    .argument("[overrides...]", "Hydra-style overrides, e.g. model=transformer training.lr=1e-4 training.max_minutes=20")
    .option("--entry <name>", "entry config in the config dir", "train")
    .option("--config-dir <dir>", "config directory (default: $ISOBAR_CONFIG_DIR or the shipped config/)")
    .action(async (overrides: string[], opts: { entry: string; configDir?: string }) => {
      const job = await runJobFromCli(readEnv(), "isobar train", "training.run", { overrides, entry: opts.entry, ...(opts.configDir ? { configDir: opts.configDir } : {}) });
      const r = job.result as { runId: string; steps: number; stoppedBy: string; finalLoss: number | null };
      console.log(`Run ${r.runId}: ${r.steps} steps (stopped by ${r.stoppedBy}), final training loss ${r.finalLoss?.toPrecision(4) ?? "n/a"}`);
    });
}
