import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { router } from "./init";
import { datasetsRouter } from "./routers/datasets";
import { jobsRouter } from "./routers/jobs";
import { lineageRouter } from "./routers/lineage";
import { systemRouter } from "./routers/system";
import { tokensRouter } from "./routers/tokens";
import { trackingRouter } from "./routers/tracking";
import { trainingRouter } from "./routers/training";
import { verificationRouter } from "./routers/verification";

export const appRouter = router({
  system: systemRouter,
  jobs: jobsRouter,
  datasets: datasetsRouter,
  lineage: lineageRouter,
  tokens: tokensRouter,
  tracking: trackingRouter,
  training: trainingRouter,
  verification: verificationRouter,
});

export type AppRouter = typeof appRouter;
/** What clients receive from each procedure (after JSON serialisation). */
export type RouterOutputs = inferRouterOutputs<AppRouter>;
export type RouterInputs = inferRouterInputs<AppRouter>;
