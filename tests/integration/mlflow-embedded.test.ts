import fs from "node:fs";
import { describe } from "vitest";
import { readEnv } from "@/server/env";
import { freshHome } from "../support/isobar-process";
import { mlflowContract } from "./mlflow-contract";

describe("MLflow tracking API on embedded PGlite", () => {
  mlflowContract(async () => {
    const home = freshHome("mlflow-embedded");
    return { env: readEnv({ ISOBAR_HOME: home }), cleanup: async () => fs.rmSync(home, { recursive: true, force: true }) };
  });
});
