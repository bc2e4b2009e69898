import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { lineageOf, LineageNotFoundError } from "../../lineage/lineage";
import { publicProcedure, router } from "../init";

export const lineageRouter = router({
  /** What an artefact (dataset, run, checkpoint, forecast, score run) came from and what was made from it. */
  get: publicProcedure.input(z.object({ id: z.string().min(1).max(200) })).query(async ({ ctx, input }) => {
    try {
      return await lineageOf(ctx.services.storage.db, input.id);
    } catch (err) {
      if (err instanceof LineageNotFoundError) throw new TRPCError({ code: "NOT_FOUND", message: err.message });
      throw err;
    }
  }),
});
