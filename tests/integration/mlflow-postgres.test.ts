import fs from "node:fs";
import { describe } from "vitest";
import { readEnv } from "@/server/env";
import { freshHome } from "../support/isobar-process";
import { createTestDatabase } from "../support/postgres";
import { mlflowContract } from "./mlflow-contract";

describe("MLflow tracking API on PostgreSQL", () => {
  mlflowContract(async () => {
    const db = await createTestDatabase("mlflow");
    const home = freshHome("mlflow-pg");
    return {
      env: readEnv({ ISOBAR_HOME: home, DATABASE_URL: db.url }),
      cleanup: async () => {
        await db.drop();
        fs.rmSync(home, { recursive: true, force: true });
      },
    };
  });
});
