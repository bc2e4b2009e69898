import { z } from "zod";
import { defineJob } from "./definition";

/**
 * `system.selftest`: a diagnostic job that walks through a number of timed steps, reporting
 * progress and logs, optionally failing at a given step. Used to check a deployment's workers
 * (`isobar jobs submit system.selftest`) and by the job-system tests.
 */
export const selftestJob = defineJob({
  type: "system.selftest",
  description: "Diagnostic job: timed steps with progress and logs",
  payload: z
    .object({
      steps: z.number().int().min(1).max(100_000).default(10),
      stepMs: z.number().int().min(0).max(60_000).default(200),
      failAtStep: z.number().int().min(1).optional(),
      label: z.string().max(200).optional(),
    })
    .strict(),
  async run(payload, ctx) {
    await ctx.log("info", `self-test ${payload.label ?? ""} started: ${payload.steps} steps of ${payload.stepMs} ms`.replace("  ", " "));
    for (let step = 1; step <= payload.steps; step++) {
      await sleep(payload.stepMs, ctx.signal);
      ctx.throwIfCancelled();
      if (payload.failAtStep === step) throw new Error(`self-test failed on purpose at step ${step}`);
      await ctx.progress(step / payload.steps, `step ${step}/${payload.steps}`);
    }
    await ctx.log("info", "self-test finished");
    return { steps: payload.steps, attempt: ctx.attempt, label: payload.label ?? null };
  },
});

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
