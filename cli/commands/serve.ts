import type { Command } from "commander";
import { readEnv } from "../../server/env";
import { buildNextApp, hasCurrentBuild, loadNextApp } from "../../server/http/next-app";
import { createIsobarServer, listen } from "../../server/http/server";
import { writeServerFile } from "../../server/http/server-file";
import { openServices } from "../../server/services";
import { findRunningServer } from "../api";
import { CliError } from "../errors";
import { onShutdown } from "../shutdown";

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
      const running = await findRunningServer(env.home);
      if (running) throw new CliError(`an Isobar server for ${env.home} is already running at ${running}`);

      if (opts.web && !hasCurrentBuild()) {
        console.log("Building the web app (first start, or the sources changed; takes a minute or two)…");
        await buildNextApp();
      }
      const services = await openServices(env, {
        command: "isobar serve",
        runWorkers: env.storageMode === "embedded" || opts.workers === true,
        supervise: true,
      });
      const nextHandler = opts.web ? await loadNextApp() : null;
      const server = createIsobarServer(services, nextHandler);
      const url = await listen(server, env.port, env.host);
      const removeServerFile = writeServerFile(env.home, { pid: process.pid, url, home: env.home, startedAt: new Date().toISOString() });

      const where = services.storage.mode === "embedded" ? `embedded database in ${services.storage.dataDir}` : "PostgreSQL";
      console.log(`Isobar is running at ${url}`);
      console.log(`  storage: ${where}; migrations: ${services.migrations.applied} applied now, ${services.migrations.total} in all`);
      console.log(`  job workers in this process: ${services.workers ? `yes (${env.workerConcurrency} per job type)` : "no (run 'isobar worker')"}`);

      onShutdown(async () => {
        removeServerFile();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await closed;
        await services.close();
      });
    });
}
