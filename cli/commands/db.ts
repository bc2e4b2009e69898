import type { Command } from "commander";
import { readEnv } from "../../server/env";
import { connectApi } from "../api";

export function registerDbCommands(program: Command): void {
  const db = program.command("db").description("database administration");
  db.command("migrate")
    .description("apply pending database migrations (applying them twice is a no-op)")
    .action(async () => {
      const conn = await connectApi(readEnv(), "isobar db migrate");
      try {
        // Opening the database directly applies pending migrations; a running server applies them on request.
        const report = conn.migrations ?? (await conn.api.system.migrate.mutate());
        const where = conn.via === "server" ? ` (through the server at ${conn.url})` : "";
        console.log(
          report.applied === 0
            ? `Database is up to date: ${report.total} migration(s) applied${where}.`
            : `Applied ${report.applied} migration(s); ${report.total} in all${where}.`,
        );
      } finally {
        await conn.close();
      }
    });
}
