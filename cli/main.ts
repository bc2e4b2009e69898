import { Command, CommanderError } from "commander";
import { TRPCClientError } from "@trpc/client";
import { ISOBAR_VERSION } from "../server/version";
import { registerConfigCommands } from "./commands/config";
import { registerDatasetsCommands } from "./commands/datasets";
import { registerDbCommands } from "./commands/db";
import { registerDemoCommand } from "./commands/demo";
import { registerGraphsCommands } from "./commands/graphs";
import { registerImportCommands } from "./commands/import";
import { registerInferCommand } from "./commands/infer";
import { registerJobsCommands } from "./commands/jobs";
import { registerLineageCommand } from "./commands/lineage";
import { registerReproduceCommand } from "./commands/reproduce";
import { registerServeCommand } from "./commands/serve";
import { registerTokensCommands } from "./commands/tokens";
import { registerTrainCommand } from "./commands/train";
import { registerWorkerCommand } from "./commands/worker";
import { registerVerificationCommands } from "./commands/verification";

export function buildProgram(): Command {
  const program = new Command("isobar")
    .description("Isobar: an open workbench for machine-learning weather forecasting")
    .version(ISOBAR_VERSION)
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride();
  registerServeCommand(program);
  registerWorkerCommand(program);
  registerDbCommands(program);
  registerJobsCommands(program);
  registerConfigCommands(program);
  registerDatasetsCommands(program);
  registerImportCommands(program);
  registerTokensCommands(program);
  registerLineageCommand(program);
  registerVerificationCommands(program);
  registerTrainCommand(program);
  registerReproduceCommand(program);
  registerInferCommand(program);
  registerGraphsCommands(program);
  registerDemoCommand(program);
  return program;
}

/** Run the CLI; every failure ends as one line `isobar: <reason>` and a non-zero exit code. */
export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already printed its message (or the help/version output).
      process.exit(err.exitCode);
    }
    const message = err instanceof TRPCClientError ? err.message : err instanceof Error ? err.message : String(err);
    console.error(`isobar: ${message}`);
    process.exit(1);
  }
}
