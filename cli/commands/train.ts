import type { Command } from "commander";
import { expandSweeps, parseOverrides } from "@/lib/config";
import { readEnv } from "../../server/env";
import { withApi } from "../api";
import { runJobFromCli } from "../run-job";

export function registerTrainCommand(program: Command): void {
  program
    .command("train")
    .description("train a forecast model from the composed `train` config; runs as a job, tracked as a run. A sweep (training.lr=1e-3,1e-4) submits one job per combination")
    .argument("[overrides...]", "Hydra-style overrides, e.g. model=transformer training.lr=1e-4 training.max_minutes=20")
    .option("--entry <name>", "entry config in the config dir", "train")
    .option("--config-dir <dir>", "config directory (default: $ISOBAR_CONFIG_DIR or the shipped config/)")
    .action(async (overrides: string[], opts: { entry: string; configDir?: string }) => {
      const common = { entry: opts.entry, ...(opts.configDir ? { configDir: opts.configDir } : {}) };
      const parsed = parseOverrides(overrides);
      const swept = parsed.map((o) => o.sweep !== undefined);
      const combos = expandSweeps(parsed);
      if (combos.length > 1) {
        // A sweep: queue every combination and return; the workers train them (see the Jobs page).
        await withApi(readEnv(), "isobar train", async (api) => {
          for (const combo of combos) {
            const job = await api.jobs.submit.mutate({ type: "training.run", payload: { overrides: combo.map((o) => o.text), ...common } });
            console.log(`Submitted job ${job.id}: ${combo.filter((_, i) => swept[i]).map((o) => o.text).join(" ")}`);
          }
        });
        console.log(`Queued ${combos.length} training runs; follow them with 'isobar jobs list --type training.run'.`);
        return;
      }
      const job = await runJobFromCli(readEnv(), "isobar train", "training.run", { overrides, ...common });
      const r = job.result as { runId: string; steps: number; stoppedBy: string; finalLoss: number | null };
      console.log(`Run ${r.runId}: ${r.steps} steps (stopped by ${r.stoppedBy}), final training loss ${r.finalLoss?.toPrecision(4) ?? "n/a"}`);
    });
}
