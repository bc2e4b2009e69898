import type { Command } from "commander";
import { readEnv } from "../../server/env";
import { openServices } from "../../server/services";
import { CliError } from "../errors";
import { onShutdown } from "../shutdown";

export function registerWorkerCommand(program: Command): void {
  program
    .command("worker")
    .description("run job workers against PostgreSQL (any number of these may run, on any machine)")
    .option("--concurrency <n>", "jobs of each type this process runs at once (default: $ISOBAR_WORKER_CONCURRENCY or 2)")
    .action(async (opts: { concurrency?: string }) => {
      const env = readEnv({ ...process.env, ...(opts.concurrency ? { ISOBAR_WORKER_CONCURRENCY: opts.concurrency } : {}) });
      if (env.storageMode !== "postgres") {
        throw new CliError(
          "'isobar worker' needs PostgreSQL: set DATABASE_URL (e.g. postgres://user@host:5432/isobar). In embedded mode 'isobar serve' runs the workers itself.",
        );
      }
      const services = await openServices(env, { command: "isobar worker", runWorkers: true, supervise: true });
      console.log(`Isobar worker ${services.workers?.workerId} started (concurrency ${env.workerConcurrency} per job type)`);
      onShutdown(() => services.close());
    });
}
