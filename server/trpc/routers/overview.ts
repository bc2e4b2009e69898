import { overviewSummary } from "../../overview/summary";
import { publicProcedure, router } from "../init";

export const overviewRouter = router({
  /** The home page: counts, latest runs with losses, scored forecasts with headline RMSE, scorecards to open. */
  summary: publicProcedure.query(({ ctx }) => overviewSummary(ctx.services.storage.db)),
});
