import fs from "node:fs";

/** How many migrations drizzle-kit has generated: what a fresh database ends up with. */
export const MIGRATION_COUNT: number = (
  JSON.parse(fs.readFileSync("drizzle/meta/_journal.json", "utf8")) as { entries: unknown[] }
).entries.length;
