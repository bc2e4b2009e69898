import type { Command } from "commander";
import { readEnv } from "../../server/env";
import { withApi } from "../api";
import { CliError } from "../errors";
import { columns } from "../format";

export function registerTokensCommands(program: Command): void {
  const tokens = program.command("tokens").description("API tokens for the MLflow-compatible API (used when ISOBAR_AUTH=on)");
  tokens
    .command("create")
    .description("create a token; it is printed once and stored only as a hash")
    .requiredOption("--role <role>", "reader (read-only) or writer (read and log)")
    .requiredOption("--name <name>", "a name to recognise and revoke it by")
    .action(async (opts: { role: string; name: string }) => {
      if (opts.role !== "reader" && opts.role !== "writer") throw new CliError(`--role must be 'reader' or 'writer', got '${opts.role}'`);
      const role = opts.role;
      const t = await withApi(readEnv(), "isobar tokens create", (api) => api.tokens.create.mutate({ name: opts.name, role }));
      console.log(`Created ${t.role} token '${t.name}' (${t.id}). Store it now; it is not shown again:\n${t.token}`);
    });
  tokens
    .command("list")
    .description("list tokens (never their values)")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const list = await withApi(readEnv(), "isobar tokens list", (api) => api.tokens.list.query());
      if (opts.json) return console.log(JSON.stringify(list, null, 2));
      if (list.length === 0) return console.log("No tokens.");
      console.log(columns(["ID", "NAME", "ROLE", "CREATED", "LAST USED", "REVOKED"], list.map((t) => [t.id, t.name, t.role, t.createdAt, t.lastUsedAt ?? "-", t.revokedAt ?? "-"])));
    });
  tokens
    .command("revoke <idOrName>")
    .description("revoke a token by id or name")
    .action(async (idOrName: string) => {
      await withApi(readEnv(), "isobar tokens revoke", (api) => api.tokens.revoke.mutate({ idOrName }));
      console.log(`Revoked token '${idOrName}'.`);
    });
}
