/** `isobar datasets create|inspect`: build anemoi-compatible datasets from recipes and summarise them. */
import type { Command } from "commander";
import cliProgress from "cli-progress";
import { createDataset, DatasetError, formatSummary, inspectDataset, loadRecipeFile, RecipeError, type CreateProgress } from "@/lib/datasets";
import path from "node:path";
import { readEnv } from "@/server/env";
import { withApi } from "../api";
import { CliError } from "../errors";
import { columns } from "../format";

function toCliError(err: unknown): never {
  if (err instanceof RecipeError || err instanceof DatasetError) throw new CliError(err.message);
  throw err;
}

export function registerDatasetsCommands(program: Command): void {
  const datasets = program.command("datasets").description("create and inspect anemoi-compatible datasets");

  datasets
    .command("create")
    .description("build a dataset from a YAML recipe (resumes an interrupted build of the same recipe)")
    .argument("<recipe>", "recipe YAML file")
    .argument("<out>", "output path, ending in .zarr")
    .option("--overwrite", "replace an existing dataset or an unfinished build of another recipe")
    .action(async (recipeFile: string, out: string, opts: { overwrite?: boolean }) => {
      const recipe = await loadRecipeFile(recipeFile).catch(toCliError);
      const interactive = process.stderr.isTTY === true;
      const bar = new cliProgress.SingleBar(
        { format: "{bar} {percentage}% | {value}/{total} dates | {date}", hideCursor: true, clearOnComplete: false, noTTYOutput: !interactive, notTTYSchedule: 5000 },
        cliProgress.Presets.shades_classic,
      );
      let started = false;
      const controller = new AbortController();
      const onSignal = () => controller.abort();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      const onProgress = (p: CreateProgress) => {
        if (!started) {
          if (p.resumedFrom > 0) console.error(`resuming an unfinished build at date ${p.resumedFrom + 1} of ${p.total}`);
          bar.start(p.total, p.done, { date: p.date });
          started = true;
        } else bar.update(p.done, { date: p.date });
      };
      try {
        const result = await createDataset(recipe, out, { overwrite: opts.overwrite, onProgress, signal: controller.signal });
        if (started) bar.stop();
        console.log(`created ${result.path}: ${result.dates} dates × ${result.variables.length} variables (${result.variables.join(", ")}), ${(result.bytes / 2 ** 20).toFixed(1)} MiB`);
        const registered = await withApi(readEnv(), "isobar datasets create", (api) => api.datasets.register.mutate({ path: result.path }));
        console.log(`registered as dataset ${registered.id} (see the Datasets page)`);
      } catch (err) {
        if (started) bar.stop();
        toCliError(err);
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    });

  datasets
    .command("register")
    .description("add an existing dataset store (Isobar's or anemoi's) to the Datasets page")
    .argument("<path>", "dataset (.zarr)")
    .action(async (p: string) => {
      const registered = await withApi(readEnv(), "isobar datasets register", (api) => api.datasets.register.mutate({ path: path.resolve(p) }));
      console.log(`registered ${registered.name} (${registered.gridDescription}, ${registered.dateCount} dates) as dataset ${registered.id}`);
    });

  datasets
    .command("list")
    .description("list registered datasets")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const list = await withApi(readEnv(), "isobar datasets list", (api) => api.datasets.list.query());
      if (opts.json) return console.log(JSON.stringify(list, null, 2));
      if (list.length === 0) return console.log("No datasets registered.");
      console.log(columns(["ID", "NAME", "GRID", "DATES", "VARIABLES", "PATH"], list.map((d) => [d.id, d.name, d.gridDescription ?? d.gridId ?? "", `${d.startDate?.slice(0, 16) ?? "?"} → ${d.endDate?.slice(0, 16) ?? "?"} (${d.dateCount})`, String(d.variables.length), d.path])));
    });

  datasets
    .command("inspect")
    .description("summarise a dataset: variables with units and statistics, dates, missing dates, grid, size")
    .argument("<path>", "dataset (.zarr)")
    .option("--json", "print JSON")
    .action(async (p: string, opts: { json?: boolean }) => {
      const summary = await inspectDataset(p).catch(toCliError);
      if (opts.json) console.log(JSON.stringify({ ...summary, recipe: undefined }, null, 2));
      else console.log(formatSummary(summary));
    });
}
