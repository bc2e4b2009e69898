import type { Command } from "commander";
import { readEnv } from "../../server/env";
import { startServing } from "../serve-runtime";

export function registerServeCommand(program: Command): void {
  program
    .command("serve")
    .description("run the production server: migrate, start job workers (embedded mode), serve the dashboard and API")
    .option("--port <port>", "port to listen on (default: $PORT or 3000; 0 picks a free port)")
    .option("--host <host>", "address to bind (default: $HOST or 127.0.0.1)")
    .option("--workers", "also run job workers in this process in PostgreSQL mode (always on in embedded mode)")
    .option("--no-web", "serve only the API (no dashboard pages)")
    .action(async (opts: { port?: string; host?: string; workers?: boolean; web: boolean }) => {
      const env = readEnv({ ...process.env, ...(opts.port !== undefined ? { PORT: opts.port } : {}), ...(opts.host ? { HOST: opts.host } : {}) });
      await startServing(env, { command: "isobar serve", web: opts.web, workers: opts.workers === true });
    });
}
