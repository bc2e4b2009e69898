import fs from "node:fs";
import { describe } from "vitest";
import { readEnv } from "@/server/env";
import { freshHome } from "../support/isobar-process";
import { jobSystemContract } from "./job-system-contract";

describe("job system on embedded PGlite", () => {
  jobSystemContract(async () => {
    const home = freshHome("jobs-embedded");
    return { env: readEnv({ ISOBAR_HOME: home }), cleanup: async () => fs.rmSync(home, { recursive: true, force: true }) };
  });
});
