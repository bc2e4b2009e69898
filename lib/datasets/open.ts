import { z } from "zod";
import { ZarrDataset, type Dataset } from "./dataset";
import { DatasetError } from "./errors";
import { Concat, cropArea, dropVariables, Join, selectVariables, statisticsFrom, subsampleFrequency, subsetDates, thin } from "./views";

/** View options applied when opening, as anemoi's `open_dataset` keyword arguments. */
export type DatasetViews = {
  select?: string | string[];
  drop?: string | string[];
  start?: string | number;
  end?: string | number;
  frequency?: string | number;
  /** [north, west, south, east], degrees. */
  area?: [number, number, number, number];
  thinning?: number;
  statistics?: DatasetSpec;
};

/** A path, an opened dataset, or an anemoi-style dict: `{dataset | join | concat, ...views}`. */
export type DatasetSpec = string | Dataset | ({ dataset?: DatasetSpec; join?: DatasetSpec[]; concat?: DatasetSpec[] } & DatasetViews);

const isDataset = (v: unknown): v is Dataset => !!v && typeof v === "object" && typeof (v as Dataset).readDate === "function";

const dateish = z.union([z.string(), z.number()]);
const names = z.union([z.string(), z.array(z.string())]);
/** The dict form; nested specs (dataset, join, concat, statistics) are validated when they are opened. */
export const DatasetSpecObjectSchema = z
  .object({
    dataset: z.unknown().optional(),
    join: z.array(z.unknown()).min(1).optional(),
    concat: z.array(z.unknown()).min(1).optional(),
    select: names.optional(),
    drop: names.optional(),
    start: dateish.optional(),
    end: dateish.optional(),
    frequency: dateish.optional(),
    area: z.tuple([z.number(), z.number(), z.number(), z.number()]).optional(),
    thinning: z.number().int().positive().optional(),
    statistics: z.unknown().optional(),
  })
  .strict();

/**
 * Open an anemoi-layout dataset (zarr v2), lazily, with optional views:
 * `openDataset("era5.zarr", {select: ["2t", "msl"], start: 2020, frequency: "12h"})`,
 * `openDataset({join: ["a.zarr", "b.zarr"], area: [60, -10, 40, 20]})`.
 * Views apply in anemoi's order: combine (join/concat) → statistics → start/end → frequency →
 * select/drop → area → thinning.
 */
export async function openDataset(spec: DatasetSpec, views: DatasetViews = {}): Promise<Dataset> {
  if (typeof spec === "string" || isDataset(spec)) return applyViews(await openBase(spec), views);
  if (!spec || typeof spec !== "object" || Array.isArray(spec)) throw new DatasetError("invalid dataset spec: expected a path or {dataset | join | concat, ...views}");
  const parsed = DatasetSpecObjectSchema.safeParse(spec);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue.code === "unrecognized_keys" ? ` at ${issue.keys[0]}` : issue.path.length ? ` at ${issue.path.join(".")}` : "";
    throw new DatasetError(`invalid dataset spec${where}: ${issue.code === "unrecognized_keys" ? "unknown key" : issue.message}`);
  }
  const { dataset, join, concat, ...own } = spec;
  const sources = [dataset !== undefined, join !== undefined, concat !== undefined].filter(Boolean).length;
  if (sources !== 1) throw new DatasetError("a dataset spec needs exactly one of 'dataset', 'join' or 'concat'");
  let base: Dataset;
  if (dataset !== undefined) base = await openDataset(dataset);
  else if (join !== undefined) base = new Join(await Promise.all(join.map((s) => openDataset(s))));
  else base = new Concat(await Promise.all(concat!.map((s) => openDataset(s))));
  return applyViews(await applyViews(base, own), views);
}

async function openBase(spec: string | Dataset): Promise<Dataset> {
  return typeof spec === "string" ? ZarrDataset.open(spec) : spec;
}

async function applyViews(ds: Dataset, v: DatasetViews): Promise<Dataset> {
  if (v.statistics !== undefined) ds = statisticsFrom(ds, await openDataset(v.statistics));
  if (v.start !== undefined || v.end !== undefined) ds = subsetDates(ds, v.start, v.end);
  if (v.frequency !== undefined) ds = subsampleFrequency(ds, v.frequency);
  if (v.select !== undefined) ds = selectVariables(ds, v.select);
  if (v.drop !== undefined) ds = dropVariables(ds, v.drop);
  if (v.area !== undefined) ds = cropArea(ds, v.area);
  if (v.thinning !== undefined) ds = thin(ds, v.thinning);
  return ds;
}
