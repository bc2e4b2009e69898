import { and, asc, desc, eq, inArray, type SQL } from "drizzle-orm";
import type { Db } from "../../db/storage";
import { experiments, experimentTags, runs } from "../../db/schema";
import { MlflowError, invalidParameter, notFound } from "../errors";
import { LIMITS, validateExperimentId, validateKey, validateLength } from "../limits";
import type { Experiment, KeyValue, ViewType } from "./types";

type ExperimentRow = typeof experiments.$inferSelect;

async function withTags(db: Db, rows: ExperimentRow[]): Promise<Experiment[]> {
  if (rows.length === 0) return [];
  const tags = await db
    .select()
    .from(experimentTags)
    .where(inArray(experimentTags.experimentId, rows.map((r) => r.id)))
    .orderBy(asc(experimentTags.key));
  return rows.map((r) => ({
    experimentId: String(r.id),
    name: r.name,
    artifactLocation: r.artifactLocation,
    lifecycleStage: r.lifecycleStage,
    creationTime: r.creationTime,
    lastUpdateTime: r.lastUpdateTime,
    tags: tags.filter((t) => t.experimentId === r.id).map((t) => ({ key: t.key, value: t.value })),
  }));
}

function validateName(name: string): void {
  if (!name || name.trim() === "") throw invalidParameter("Invalid experiment name: ''. Experiment names must not be empty");
  validateLength(`Experiment name '${name.slice(0, 40)}'`, name, LIMITS.experimentNameLength);
}

export async function createExperiment(
  db: Db,
  input: { name: string; artifactLocation?: string; tags?: KeyValue[]; importedFrom?: unknown },
): Promise<string> {
  validateName(input.name);
  for (const t of input.tags ?? []) {
    validateKey("tag", t.key);
    validateLength(`Experiment tag value for '${t.key}'`, t.value, LIMITS.experimentTagValueLength);
  }
  const [existing] = await db.select({ id: experiments.id }).from(experiments).where(eq(experiments.name, input.name));
  if (existing) throw new MlflowError("RESOURCE_ALREADY_EXISTS", `Experiment(name=${input.name}) already exists.`);
  const now = Date.now();
  return db.transaction(async (tx) => {
    const [row] = await tx
      .insert(experiments)
      .values({
        name: input.name,
        artifactLocation: input.artifactLocation ?? "",
        creationTime: now,
        lastUpdateTime: now,
        importedFrom: input.importedFrom ?? null,
      })
      .onConflictDoNothing()
      .returning({ id: experiments.id });
    if (!row) throw new MlflowError("RESOURCE_ALREADY_EXISTS", `Experiment(name=${input.name}) already exists.`);
    if (!input.artifactLocation) {
      await tx.update(experiments).set({ artifactLocation: `mlflow-artifacts:/${row.id}` }).where(eq(experiments.id, row.id));
    }
    if (input.tags?.length) {
      await tx.insert(experimentTags).values(input.tags.map((t) => ({ experimentId: row.id, key: t.key, value: t.value })));
    }
    return String(row.id);
  });
}

export async function getExperimentRow(db: Db, experimentId: string): Promise<ExperimentRow> {
  const id = validateExperimentId(experimentId);
  const [row] = await db.select().from(experiments).where(eq(experiments.id, id));
  if (!row) throw notFound(`No Experiment with id=${experimentId} exists`);
  return row;
}

export async function getExperiment(db: Db, experimentId: string): Promise<Experiment> {
  return (await withTags(db, [await getExperimentRow(db, experimentId)]))[0];
}

export async function getExperimentByName(db: Db, name: string): Promise<Experiment> {
  const [row] = await db.select().from(experiments).where(eq(experiments.name, name));
  if (!row) throw notFound(`Could not find experiment with name '${name}'`);
  return (await withTags(db, [row]))[0];
}

export function viewTypeCondition(column: typeof experiments.lifecycleStage | typeof runs.lifecycleStage, viewType: ViewType): SQL | undefined {
  if (viewType === "ALL") return undefined;
  return eq(column, viewType === "ACTIVE_ONLY" ? "active" : "deleted");
}

/** List experiments; the filter and order have been compiled to SQL by the search module. */
export async function listExperiments(
  db: Db,
  opts: { where?: SQL; orderBy?: SQL[]; viewType: ViewType; offset: number; limit: number },
): Promise<Experiment[]> {
  const conditions = [viewTypeCondition(experiments.lifecycleStage, opts.viewType), opts.where].filter((c): c is SQL => !!c);
  const rows = await db
    .select()
    .from(experiments)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(...(opts.orderBy?.length ? opts.orderBy : [desc(experiments.creationTime)]), asc(experiments.id))
    .offset(opts.offset)
    .limit(opts.limit);
  return withTags(db, rows);
}

export async function renameExperiment(db: Db, experimentId: string, newName: string): Promise<void> {
  validateName(newName);
  const row = await getExperimentRow(db, experimentId);
  if (row.lifecycleStage !== "active") throw invalidParameter(`Cannot rename a non-active experiment ${experimentId}.`);
  const [clash] = await db.select({ id: experiments.id }).from(experiments).where(eq(experiments.name, newName));
  if (clash && clash.id !== row.id) throw new MlflowError("RESOURCE_ALREADY_EXISTS", `Experiment(name=${newName}) already exists.`);
  await db.update(experiments).set({ name: newName, lastUpdateTime: Date.now() }).where(eq(experiments.id, row.id));
}

export async function setExperimentLifecycle(db: Db, experimentId: string, stage: "active" | "deleted"): Promise<void> {
  const row = await getExperimentRow(db, experimentId);
  if (stage === "deleted" && row.id === 0) throw invalidParameter("Cannot delete the default experiment '0'. This is an internally reserved experiment.");
  if (row.lifecycleStage === stage) {
    throw invalidParameter(
      stage === "deleted" ? `Cannot delete an already deleted experiment: ${experimentId}` : `Cannot restore an active experiment: ${experimentId}`,
    );
  }
  const now = Date.now();
  await db.transaction(async (tx) => {
    await tx.update(experiments).set({ lifecycleStage: stage, lastUpdateTime: now }).where(eq(experiments.id, row.id));
    // As MLflow does: the experiment's runs follow it into (and out of) deletion.
    await tx
      .update(runs)
      .set({ lifecycleStage: stage, deletedTime: stage === "deleted" ? now : null })
      .where(eq(runs.experimentId, row.id));
  });
}

export async function setExperimentTag(db: Db, experimentId: string, key: string, value: string): Promise<void> {
  validateKey("tag", key);
  validateLength(`Experiment tag value for '${key}'`, value, LIMITS.experimentTagValueLength);
  const row = await getExperimentRow(db, experimentId);
  if (row.lifecycleStage !== "active") throw invalidParameter(`The experiment ${experimentId} must be in the 'active' state.`);
  await db
    .insert(experimentTags)
    .values({ experimentId: row.id, key, value })
    .onConflictDoUpdate({ target: [experimentTags.experimentId, experimentTags.key], set: { value } });
  await db.update(experiments).set({ lastUpdateTime: Date.now() }).where(eq(experiments.id, row.id));
}

export async function deleteExperimentTag(db: Db, experimentId: string, key: string): Promise<void> {
  const row = await getExperimentRow(db, experimentId);
  const deleted = await db
    .delete(experimentTags)
    .where(and(eq(experimentTags.experimentId, row.id), eq(experimentTags.key, key)))
    .returning({ key: experimentTags.key });
  if (deleted.length === 0) throw notFound(`No tag with name: ${key} in experiment ${experimentId}`);
}
