import fs from "node:fs";
import type http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readEnv } from "@/server/env";
import { createIsobarServer, listen } from "@/server/http/server";
import { openServices, type Services } from "@/server/services";
import { freshHome, runIsobar } from "../support/isobar-process";

describe("ISOBAR_AUTH=on: bearer tokens on the MLflow API", () => {
  const home = freshHome("auth");
  let services: Services;
  let server: http.Server;
  let url: string;
  let reader: string;
  let writer: string;

  beforeAll(async () => {
    // Tokens are made with the CLI (in-process against the database), as an operator would.
    const made = await runIsobar(["tokens", "create", "--role", "writer", "--name", "trainer"], { ISOBAR_HOME: home, DATABASE_URL: "" });
    expect(made.stderr).toBe("");
    writer = made.stdout.trim().split("\n").pop()!;
    const r = await runIsobar(["tokens", "create", "--role", "reader", "--name", "viewer"], { ISOBAR_HOME: home, DATABASE_URL: "" });
    reader = r.stdout.trim().split("\n").pop()!;
    expect(writer).toMatch(/^isb_[\w-]{43}$/);
    services = await openServices(readEnv({ ISOBAR_HOME: home, ISOBAR_AUTH: "on" }), { command: "vitest", runWorkers: false, supervise: false });
    server = createIsobarServer(services, null);
    url = await listen(server, 0, "127.0.0.1");
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await services?.close();
    fs.rmSync(home, { recursive: true, force: true });
  });

  const call = (method: string, path: string, token?: string, body?: unknown) =>
    fetch(`${url}/api/2.0/mlflow/${path}`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });

  it("keeps /health open and refuses requests without a valid token with 401 UNAUTHENTICATED", async () => {
    expect(await (await fetch(`${url}/health`)).text()).toBe("OK");
    const none = await call("GET", "experiments/get?experiment_id=0");
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error_code: string }).error_code).toBe("UNAUTHENTICATED");
    expect((await call("GET", "experiments/get?experiment_id=0", "isb_wrong")).status).toBe(401);
  });

  it("lets a reader read and search but not write (403), and a writer do both", async () => {
    expect((await call("GET", "experiments/get?experiment_id=0", reader)).status).toBe(200);
    expect((await call("POST", "runs/search", reader, { experiment_ids: ["0"] })).status).toBe(200);
    const denied = await call("POST", "experiments/create", reader, { name: "x" });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { error_code: string }).error_code).toBe("PERMISSION_DENIED");
    expect((await call("POST", "experiments/create", writer, { name: "x" })).status).toBe(200);
  });

  it("lists tokens without their values and refuses a revoked token", async () => {
    const list = (await services.storage.db.query.apiTokens.findMany()).sort((a, b) => a.name.localeCompare(b.name));
    expect(list.map((t) => [t.name, t.role])).toEqual([
      ["trainer", "writer"],
      ["viewer", "reader"],
    ]);
    expect(list.every((t) => !t.tokenHash.includes(writer) && t.tokenHash.length === 64)).toBe(true);
    const { revokeToken } = await import("@/server/tracking/tokens");
    await revokeToken(services.storage.db, "viewer");
    expect((await call("GET", "experiments/get?experiment_id=0", reader)).status).toBe(401);
    await expect(revokeToken(services.storage.db, "viewer")).rejects.toThrow("no active token with id or name 'viewer'");
  });
});
