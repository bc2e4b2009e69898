import http from "node:http";
import type { AddressInfo } from "node:net";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import type { Services } from "../services";
import { appRouter } from "../trpc/router";
import { handleMlflowRequest, isMlflowPath } from "../tracking/mlflow-api";
import { handleFieldsRequest, isFieldsPath } from "./fields";
import { handleGraphsRequest, isGraphsPath } from "./graphs";

export type NextRequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;

/**
 * One HTTP server for everything: tRPC at /api/trpc, a health probe at /api/health, the
 * MLflow-compatible tracking API (/api/2.0/mlflow/…, /ajax-api/…, /health, /version), and the
 * Next.js app for every other path. Server code runs here as plain Node (not inside Next's
 * bundles), so the database and the job workers are shared by the API and the pages.
 */
export function createIsobarServer(services: Services, nextHandler: NextRequestHandler | null): http.Server {
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: "/api/trpc/",
    createContext: ({ req }) => ({ services, isLocal: isLoopback(req.socket.remoteAddress) }),
    onError({ error, path }) {
      if (error.code === "INTERNAL_SERVER_ERROR") console.error(`[isobar] tRPC ${path ?? "?"} failed:`, error.cause ?? error);
    },
  });
  const server = http.createServer((req, res) => {
    const url = req.url ?? "/";
    if (url.startsWith("/api/trpc/")) {
      trpc(req, res);
      return;
    }
    const pathname = url.split("?")[0];
    if (isFieldsPath(pathname)) {
      void handleFieldsRequest(req, res, services);
      return;
    }
    if (isGraphsPath(pathname)) {
      void handleGraphsRequest(req, res, services);
      return;
    }
    if (isMlflowPath(pathname)) {
      void handleMlflowRequest(req, res, services);
      return;
    }
    if (url === "/api/health") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: true, pid: process.pid, home: services.env.home, storageMode: services.storage.mode }));
      return;
    }
    if (pathname === "/favicon.ico" && nextHandler) {
      // Browsers ask for /favicon.ico on their own (a 404 there is a console error on every
      // page); the app's icon is app/icon.svg.
      res.writeHead(308, { location: "/icon.svg", "cache-control": "public, max-age=86400" });
      res.end();
      return;
    }
    if (!nextHandler) {
      res.writeHead(404, { "content-type": "text/plain" });
      res.end("not found");
      return;
    }
    nextHandler(req, res).catch((err: Error) => {
      console.error(`[isobar] page ${url} failed:`, err);
      if (!res.headersSent) res.writeHead(500);
      res.end("internal error");
    });
  });
  // Keep idle connections open longer than HTTP clients (undici, Python requests) keep theirs,
  // so a client never reuses a socket the server has just closed (ECONNRESET).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  return server;
}

function isLoopback(address: string | undefined): boolean {
  return !!address && (address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127."));
}

export function listen(server: http.Server, port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) => {
      reject(
        err.code === "EADDRINUSE"
          ? new Error(`port ${port} on ${host} is already in use; set PORT to a free port (PORT=0 picks one)`)
          : err,
      );
    });
    server.listen(port, host, () => {
      const { port: actual } = server.address() as AddressInfo;
      resolve(`http://${host.includes(":") ? `[${host}]` : host}:${actual}`);
    });
  });
}
