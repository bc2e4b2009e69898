import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { listDatasets } from "../../datasets/registry";
import { launchGroups, previewLaunch, trainingConfigDir } from "../../training/launch";
import { reproducePayload, ReproduceError } from "../../training/reproduce";
import { runForecastStory } from "../../verification/run-forecasts";
import { publicProcedure, router } from "../init";
import { jobDto } from "./jobs";

const Entry = z.string().regex(/^[A-Za-z0-9_.-]+$/, "an entry config name like 'train'").max(100).default("train");
const Overrides = z.array(z.string().min(1).max(2000)).max(200);

export const trainingRouter = router({
  /**
   * For each run: its checkpoints, the forecasts made from them with their score runs and the
   * run's primary (deterministic, latest-checkpoint, scored) forecast; plus the baseline forecasts
   * scored on the same truths. Feeds the run page's and the Compare page's verification sections.
   */
  forecasts: publicProcedure
    .input(z.object({ runIds: z.array(z.string().min(1).max(64)).min(1).max(20) }))
    .query(({ ctx, input }) => runForecastStory(ctx.services.storage.db, input.runIds)),
  /**
   * Relaunch a tracked Isobar training run with its recorded resolved config, dataset and seed,
   * as a new `training.run` job whose run is tagged `isobar.reproduces`. Returns the job.
   */
  reproduce: publicProcedure.input(z.object({ runId: z.string().min(1).max(64) })).mutation(async ({ ctx, input }) => {
    let payload;
    try {
      payload = await reproducePayload(ctx.services.storage.db, ctx.services.env.home, input.runId);
    } catch (err) {
      if (err instanceof ReproduceError) throw new TRPCError({ code: err.reason === "not-found" ? "NOT_FOUND" : "BAD_REQUEST", message: err.message, cause: err });
      throw err;
    }
    return jobDto(await ctx.services.queue.submit("training.run", payload));
  }),
  /** What the "Launch training" form offers: config groups with their options, and registered datasets. */
  launchOptions: publicProcedure.input(z.object({ entry: Entry })).query(async ({ ctx, input }) => {
    const configDir = trainingConfigDir();
    const datasets = await listDatasets(ctx.services.storage.db);
    return {
      configDir,
      entry: input.entry,
      groups: launchGroups(configDir, input.entry),
      datasets: datasets.map((d) => ({ id: d.id, name: d.name, path: d.path, grid: d.gridDescription, start: d.startDate, end: d.endDate })),
    };
  }),
  /** The resolved config the form would launch, or the error that stops it (with file:line and suggestions). */
  preview: publicProcedure.input(z.object({ entry: Entry, overrides: Overrides })).query(({ input }) => previewLaunch(trainingConfigDir(), input.entry, input.overrides)),
  /** Queue one `training.run` job per sweep combination; refuses a config that does not validate. */
  launch: publicProcedure.input(z.object({ entry: Entry, overrides: Overrides })).mutation(async ({ ctx, input }) => {
    const preview = previewLaunch(trainingConfigDir(), input.entry, input.overrides);
    if (!preview.ok) throw new TRPCError({ code: "BAD_REQUEST", message: preview.error });
    const jobs = [];
    for (const run of preview.runs) {
      const job = await ctx.services.queue.submit("training.run", { entry: input.entry, overrides: run.overrides });
      jobs.push({ id: job.id, overrides: run.overrides });
    }
    return { jobs };
  }),
});
