import type { Command } from "commander";
import { readEnv } from "../../server/env";
import { runSubmittedJobFromCli } from "../run-job";

export function registerReproduceCommand(program: Command): void {
  program
    .command("reproduce <run>")
    .description("relaunch an Isobar training run with its exact recorded config, dataset and seed, as a new tracked run tagged isobar.reproduces")
    .action(async (runId: string) => {
      const job = await runSubmittedJobFromCli(readEnv(), "isobar reproduce", "training.run", (api) => api.training.reproduce.mutate({ runId }));
      const r = job.result as { runId: string; steps: number; stoppedBy: string; finalLoss: number | null };
      console.log(`Run ${r.runId} reproduces ${runId}: ${r.steps} steps (stopped by ${r.stoppedBy}), final training loss ${r.finalLoss?.toPrecision(4) ?? "n/a"}`);
      console.log(`Compare the two: /compare?runs=${runId},${r.runId}`);
    });
}
