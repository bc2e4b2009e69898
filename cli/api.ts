import { createTRPCClient, httpLink, unstable_localLink, type TRPCClient } from "@trpc/client";
import type { MigrationReport } from "../server/db/storage";
import type { IsobarEnv } from "../server/env";
import { readServerFile } from "../server/http/server-file";
import { openServices, type Services } from "../server/services";
import { appRouter, type AppRouter } from "../server/trpc/router";

export type Api = TRPCClient<AppRouter>;
export type ApiConnection = {
  api: Api;
  via: "server" | "direct";
  url: string | null;
  /** In direct mode: the migrations applied while opening the database. */
  migrations: MigrationReport | null;
  /** In direct mode: the services this process opened (to run jobs in-process). */
  services: Services | null;
  close(): Promise<void>;
};

/** URL of a live `isobar serve` that owns this ISOBAR_HOME, or null. */
export async function findRunningServer(home: string): Promise<string | null> {
  const info = readServerFile(home);
  if (!info) return null;
  try {
    const res = await fetch(`${info.url}/api/health`, { signal: AbortSignal.timeout(3000) });
    if (!res.ok) return null;
    const health = (await res.json()) as { home?: string; pid?: number };
    return health.home === home && health.pid === info.pid ? info.url : null;
  } catch {
    return null;
  }
}

/**
 * The same typed API whether or not a server is running: through the running `isobar serve`
 * when there is one for this home (it owns the embedded database), otherwise in-process against
 * the database directly. In PostgreSQL mode the database allows many processes, so direct.
 */
export async function connectApi(env: IsobarEnv, command: string): Promise<ApiConnection> {
  if (env.storageMode === "embedded") {
    const url = await findRunningServer(env.home);
    if (url) {
      const api = createTRPCClient<AppRouter>({ links: [httpLink({ url: `${url}/api/trpc` })] });
      return { api, via: "server", url, migrations: null, services: null, close: async () => undefined };
    }
  }
  const services = await openServices(env, { command, runWorkers: false, supervise: false });
  const api = createTRPCClient<AppRouter>({
    links: [unstable_localLink({ router: appRouter, createContext: async () => ({ services, isLocal: true }) })],
  });
  return { api, via: "direct", url: null, migrations: services.migrations, services, close: () => services.close() };
}

/** Open a connection, run `fn`, always close. */
export async function withApi<T>(env: IsobarEnv, command: string, fn: (api: Api) => Promise<T>): Promise<T> {
  const conn = await connectApi(env, command);
  try {
    return await fn(conn.api);
  } finally {
    await conn.close();
  }
}
