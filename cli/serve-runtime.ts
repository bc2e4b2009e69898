import type { IsobarEnv } from "../server/env";
import { buildNextApp, hasCurrentBuild, loadNextApp } from "../server/http/next-app";
import { createIsobarServer, listen } from "../server/http/server";
import { writeServerFile } from "../server/http/server-file";
import { openServices, type Services } from "../server/services";
import { findRunningServer } from "./api";
import { CliError } from "./errors";
import { onShutdown } from "./shutdown";

/**
 * Start the production server in this process (what `isobar serve` and `isobar demo` run):
 * build the web app if needed, open the services (with workers when asked), listen, announce
 * itself in $ISOBAR_HOME/server.json, and shut down cleanly on SIGINT/SIGTERM.
 */
export async function startServing(env: IsobarEnv, opts: { command: string; web: boolean; workers: boolean }): Promise<{ services: Services; url: string }> {
  const running = await findRunningServer(env.home);
  if (running) throw new CliError(`an Isobar server for ${env.home} is already running at ${running}`);
  if (opts.web && !hasCurrentBuild()) {
    console.log("Building the web app (first start, or the sources changed; takes a minute or two)…");
    await buildNextApp();
  }
  const services = await openServices(env, { command: opts.command, runWorkers: env.storageMode === "embedded" || opts.workers, supervise: true });
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
  return { services, url };
}
