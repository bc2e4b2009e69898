import { createHash, randomUUID } from "node:crypto";
import path from "node:path";
import { desc, eq } from "drizzle-orm";
import { inspectDataset, type DatasetSummary } from "../../lib/datasets";
import type { Db } from "../db/storage";
import { datasets } from "../db/schema";

export type DatasetRow = typeof datasets.$inferSelect;

export class DatasetNotFoundError extends Error {}

/** Hours between dates from the summary's frequency text ("6h", "1d", "30m"). */
function frequencyHours(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([smhd])$/.exec(text.trim());
  if (!m) return null;
  return Number(m[1]) * { s: 1 / 3600, m: 1 / 60, h: 1, d: 24 }[m[2] as "s" | "m" | "h" | "d"];
}

/**
 * Record a dataset store in the registry (or refresh its row), from what the store itself says.
 * Idempotent per path. `recipe` is the YAML the dataset was built from, kept for lineage.
 */
export async function registerDataset(db: Db, storePath: string, opts: { jobId?: string; recipeText?: string } = {}): Promise<DatasetRow> {
  const abs = path.resolve(storePath);
  const s: DatasetSummary = await inspectDataset(abs);
  const recipeText = opts.recipeText ?? (s.recipe ? JSON.stringify(s.recipe, null, 2) : null);
  const values = {
    name: s.name ?? path.basename(abs, ".zarr"),
    path: abs,
    datasetUuid: s.uuid,
    gridId: s.grid.id,
    gridDescription: s.grid.description,
    startDate: new Date(s.dates.start),
    endDate: new Date(s.dates.end),
    frequencyHours: frequencyHours(s.dates.frequency),
    dateCount: s.dates.count,
    variables: s.variables.map((v) => v.name),
    sizeBytes: s.size.bytes,
    recipe: recipeText,
    recipeChecksum: recipeText ? createHash("sha256").update(recipeText).digest("hex") : null,
    ...(opts.jobId ? { jobId: opts.jobId } : {}),
  };
  const [row] = await db
    .insert(datasets)
    .values({ id: randomUUID(), ...values })
    .onConflictDoUpdate({ target: datasets.path, set: values })
    .returning();
  return row;
}

export async function listDatasets(db: Db): Promise<DatasetRow[]> {
  return db.select().from(datasets).orderBy(desc(datasets.createdAt));
}

export async function getDataset(db: Db, id: string): Promise<DatasetRow> {
  const [row] = await db.select().from(datasets).where(eq(datasets.id, id));
  if (!row) throw new DatasetNotFoundError(`no dataset with id ${id}`);
  return row;
}
