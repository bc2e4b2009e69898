import fs from "node:fs";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { DatasetError, inspectDataset } from "../../../lib/datasets";
import { DatasetNotFoundError, getDataset, listDatasets, registerDataset, type DatasetRow } from "../../datasets/registry";
import { publicProcedure, router } from "../init";

function datasetDto(r: DatasetRow) {
  return {
    id: r.id,
    name: r.name,
    path: r.path,
    uuid: r.datasetUuid,
    gridId: r.gridId,
    gridDescription: r.gridDescription,
    startDate: r.startDate?.toISOString() ?? null,
    endDate: r.endDate?.toISOString() ?? null,
    frequencyHours: r.frequencyHours,
    dateCount: r.dateCount,
    variables: r.variables as string[],
    sizeBytes: r.sizeBytes,
    recipe: r.recipe,
    recipeChecksum: r.recipeChecksum,
    jobId: r.jobId,
    createdAt: r.createdAt.toISOString(),
  };
}

async function asClientError<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof DatasetNotFoundError) throw new TRPCError({ code: "NOT_FOUND", message: err.message });
    if (err instanceof DatasetError) throw new TRPCError({ code: "BAD_REQUEST", message: err.message });
    throw err;
  }
}

export const datasetsRouter = router({
  list: publicProcedure.query(async ({ ctx }) => (await listDatasets(ctx.services.storage.db)).map(datasetDto)),
  /** Registry row plus what the store says now (statistics, missing dates, attributes). */
  get: publicProcedure.input(z.object({ id: z.string().uuid() })).query(({ ctx, input }) =>
    asClientError(async () => {
      const row = await getDataset(ctx.services.storage.db, input.id);
      const present = fs.existsSync(row.path);
      const summary = present ? await inspectDataset(row.path) : null;
      return { dataset: datasetDto(row), present, summary: summary ? { ...summary, recipe: undefined } : null };
    }),
  ),
  /** Add an existing zarr store (Isobar's or anemoi's) to the registry. Idempotent per path. */
  register: publicProcedure
    .input(z.object({ path: z.string().min(1) }))
    .mutation(({ ctx, input }) => asClientError(async () => datasetDto(await registerDataset(ctx.services.storage.db, input.path)))),
});
