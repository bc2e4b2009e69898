import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { listDatasets } from "../../datasets/registry";
import { launchGroups, previewLaunch, trainingConfigDir } from "../../training/launch";
import { publicProcedure, router } from "../init";

const Entry = z.string().regex(/^[A-Za-z0-9_.-]+$/, "an entry config name like 'train'").max(100).default("train");
const Overrides = z.array(z.string().min(1).max(2000)).max(200);

export const trainingRouter = router({
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
