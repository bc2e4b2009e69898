import path from "node:path";
import { describe, expect, it } from "vitest";
import { readEnv } from "./env";

describe("readEnv", () => {
  it("defaults to embedded storage under ./.isobar on port 3000", () => {
    const env = readEnv({});
    expect(env).toMatchObject({ storageMode: "embedded", port: 3000, host: "127.0.0.1", databaseUrl: undefined, workerConcurrency: 2 });
    expect(env.home).toBe(path.resolve(".isobar"));
  });

  it("switches to PostgreSQL when DATABASE_URL is set, and treats an empty value as unset", () => {
    expect(readEnv({ DATABASE_URL: "postgres://u@h:5432/db" }).storageMode).toBe("postgres");
    expect(readEnv({ DATABASE_URL: "" }).storageMode).toBe("embedded");
  });

  it("names the variable and the problem for bad values", () => {
    expect(() => readEnv({ DATABASE_URL: "mysql://x" })).toThrow(
      "invalid environment variable DATABASE_URL: DATABASE_URL must be a postgres:// or postgresql:// connection string",
    );
    expect(() => readEnv({ PORT: "70000" })).toThrow(/^invalid environment variable PORT: /);
    expect(() => readEnv({ ISOBAR_JOB_HEARTBEAT_SECONDS: "5" })).toThrow(/^invalid environment variable ISOBAR_JOB_HEARTBEAT_SECONDS: /);
  });
});
