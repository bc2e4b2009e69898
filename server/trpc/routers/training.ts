import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { reproducePayload, ReproduceError } from "../../training/reproduce";
import { runForecastStory } from "../../verification/run-forecasts";
import { publicProcedure, router } from "../init";
import { jobDto } from "./jobs";

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
});
