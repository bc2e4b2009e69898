import fs from "node:fs";
import { describe } from "vitest";
import { readEnv } from "@/server/env";
import { freshHome } from "../support/isobar-process";
import { createTestDatabase } from "../support/postgres";
import { jobSystemContract } from "./job-system-contract";

describe("job system on PostgreSQL", () => {
  jobSystemContract(async () => {
    const db = await createTestDatabase("jobs");
    const home = freshHome("jobs-pg");
    return {
      env: readEnv({ ISOBAR_HOME: home, DATABASE_URL: db.url }),
      cleanup: async () => {
        await db.drop();
        fs.rmSync(home, { recursive: true, force: true });
      },
    };
  });
});
