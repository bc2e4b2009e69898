import fs from "node:fs";
import path from "node:path";
import { z } from "zod";
import { BuildInterruptedError, createDataset, recipeFrom } from "../../lib/datasets";
import { registerDataset } from "../datasets/registry";
import { defineJob } from "./definition";

/**
 * `datasets.create`: build a dataset from a recipe (YAML text, or a path to a YAML file on the
 * worker). A retried or re-submitted job with the same recipe and output resumes where the
 * previous attempt stopped. A relative output path is resolved against the worker's ISOBAR_HOME.
 */
export const datasetCreateJob = defineJob({
  type: "datasets.create",
  description: "Build an anemoi-compatible dataset from a recipe",
  payload: z
    .object({
      /** Recipe YAML text, or the path of a recipe file. */
      recipe: z.string().min(1),
      /** Output path, ending in .zarr. */
      output: z.string().min(1).regex(/\.zarr$/, "the output path must end in .zarr"),
      overwrite: z.boolean().default(false),
    })
    .strict(),
  retry: { retryLimit: 2, expireInSeconds: 24 * 3600 },
  async run(payload, ctx) {
    const recipe = await recipeFrom(payload.recipe);
    const output = path.resolve(ctx.home, payload.output);
    await ctx.log("info", `building ${output}: ${recipe.dates.all.length} dates on ${recipe.output.grid.id}`);
    let last = 0;
    let pending: Promise<void> = Promise.resolve();
    try {
      const result = await createDataset(recipe, output, {
        overwrite: payload.overwrite,
        signal: ctx.signal,
        onProgress: (p) => {
          if (p.done === p.resumedFrom + 1 && p.resumedFrom > 0) void ctx.log("info", `resumed at date ${p.resumedFrom + 1} of ${p.total}`);
          const now = Date.now();
          if (now - last > 500 || p.done === p.total) {
            last = now;
            pending = ctx.progress(p.done / p.total, `${p.done}/${p.total} dates (${p.date})`);
          }
        },
      });
      await pending;
      await ctx.log("info", `created ${result.path} (${result.dates} dates, ${result.variables.length} variables)`);
      const recipeText = fs.existsSync(payload.recipe) ? fs.readFileSync(payload.recipe, "utf8") : payload.recipe;
      const registered = await registerDataset(ctx.db, result.path, { jobId: ctx.jobId, recipeText });
      await ctx.log("info", `registered as dataset ${registered.id}`);
      return { datasetId: registered.id, path: result.path, dates: result.dates, variables: result.variables, resumedFrom: result.resumedFrom, bytes: result.bytes };
    } catch (err) {
      // interrupted by a cancel: report the cancellation; by a lost claim: fail, so a retry resumes the build
      if (err instanceof BuildInterruptedError) ctx.throwIfCancelled();
      throw err;
    }
  },
});
