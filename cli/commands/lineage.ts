import type { Command } from "commander";
import pc from "picocolors";
import { readEnv } from "../../server/env";
import { withApi } from "../api";

export function registerLineageCommand(program: Command): void {
  program
    .command("lineage <id>")
    .description("show what an artefact (dataset, run, checkpoint, forecast, score run) came from and what was made from it")
    .option("--json", "print JSON")
    .action(async (id: string, opts: { json?: boolean }) => {
      const l = await withApi(readEnv(), "isobar lineage", (api) => api.lineage.get.query({ id }));
      if (opts.json) return console.log(JSON.stringify(l, null, 2));
      console.log(pc.bold(`${l.node.label}  ${pc.dim(l.node.id)}`));
      console.log(pc.bold("made from:"));
      for (const n of l.upstream) console.log(`  ← ${n.label}  ${pc.dim(n.id)}`);
      if (l.upstream.length === 0) console.log(pc.dim("  (nothing recorded)"));
      console.log(pc.bold("used by:"));
      for (const n of l.downstream) console.log(`  → ${n.label}  ${pc.dim(n.id)}`);
      if (l.downstream.length === 0) console.log(pc.dim("  (nothing yet)"));
    });
}
