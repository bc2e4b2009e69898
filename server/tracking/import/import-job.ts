import { z } from "zod";
import { defineJob } from "../../jobs/definition";
import { importMlruns } from "./mlruns-import";
import { importRemoteMlflow } from "./remote-import";

/** `tracking.import`: bring runs from an mlruns folder or a remote MLflow server into Isobar. */
export const trackingImportJob = defineJob({
  type: "tracking.import",
  description: "Import MLflow experiments and runs (mlruns folder or remote server)",
  payload: z.discriminatedUnion("source", [
    z.object({ source: z.literal("mlruns"), dir: z.string().min(1) }).strict(),
    z
      .object({
        source: z.literal("mlflow"),
        url: z.string().url(),
        experiments: z.array(z.string().min(1)).default([]),
        token: z.string().optional(),
      })
      .strict(),
  ]),
  secretFields: ["token"],
  retry: { retryLimit: 1 },
  async run(payload, ctx) {
    const home = ctx.home;
    const report =
      payload.source === "mlruns"
        ? await importMlruns(ctx.db, home, payload.dir, (f, m) => ctx.progress(f, m), ctx.signal)
        : await importRemoteMlflow(ctx.db, home, { url: payload.url, experiments: payload.experiments, token: payload.token }, (f, m) => ctx.progress(f, m), ctx.signal);
    for (const w of report.warnings) await ctx.log("warn", w);
    await ctx.log("info", `imported ${report.experiments} experiments, ${report.runs} runs (${report.newRuns} new), ${report.newMetricPoints} new metric points, ${report.artifactsCopied} artifact files`);
    return report;
  },
});
