import { randomUUID } from "node:crypto";
import { and, asc, eq, inArray } from "drizzle-orm";
import type { Db } from "../../db/storage";
import { latestMetrics, runInputs, runParams, runs, runTags } from "../../db/schema";
import { invalidParameter, notFound } from "../errors";
import { LIMITS, validateKey, validateLength, validateRunId } from "../limits";
import { getExperimentRow } from "./experiments";
import { generateRunName } from "./run-names";
import type { KeyValue, Run, RunInfo, RunStatus } from "./types";

type RunRow = typeof runs.$inferSelect;

export const RUN_NAME_TAG = "mlflow.runName";

export function runInfo(row: RunRow): RunInfo {
  return {
    runId: row.id,
    runName: row.name,
    experimentId: String(row.experimentId),
    userId: row.userId,
    status: row.status,
    startTime: row.startTime,
    endTime: row.endTime,
    artifactUri: row.artifactUri,
    lifecycleStage: row.lifecycleStage,
  };
}

export async function getRunRow(db: Db, runId: string): Promise<RunRow> {
  validateRunId(runId);
  const [row] = await db.select().from(runs).where(eq(runs.id, runId));
  if (!row) throw notFound(`Run with id=${runId} not found`);
  return row;
}

/** Logging to a deleted run is refused, as in MLflow. */
export async function getActiveRunRow(db: Db, runId: string): Promise<RunRow> {
  const row = await getRunRow(db, runId);
  if (row.lifecycleStage !== "active") {
    throw invalidParameter(`The run ${runId} must be in the 'active' state. Current state is ${row.lifecycleStage}.`);
  }
  return row;
}

/** Full runs (params, tags, latest metrics, inputs) for the given rows, in the given order. */
export async function hydrateRuns(db: Db, rows: RunRow[]): Promise<Run[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const [params, tags, metrics, inputs] = await Promise.all([
    db.select().from(runParams).where(inArray(runParams.runId, ids)).orderBy(asc(runParams.key)),
    db.select().from(runTags).where(inArray(runTags.runId, ids)).orderBy(asc(runTags.key)),
    db.select().from(latestMetrics).where(inArray(latestMetrics.runId, ids)).orderBy(asc(latestMetrics.key)),
    db.select().from(runInputs).where(inArray(runInputs.runId, ids)),
  ]);
  const group = <T extends { runId: string }>(list: T[]) => {
    const m = new Map<string, T[]>();
    for (const x of list) (m.get(x.runId) ?? m.set(x.runId, []).get(x.runId)!).push(x);
    return m;
  };
  const p = group(params);
  const t = group(tags);
  const mt = group(metrics);
  const inp = group(inputs);
  return rows.map((row) => ({
    info: runInfo(row),
    data: {
      metrics: (mt.get(row.id) ?? []).map((m) => ({ key: m.key, value: m.value, timestamp: m.timestamp, step: m.step })),
      params: (p.get(row.id) ?? []).map((x) => ({ key: x.key, value: x.value })),
      tags: (t.get(row.id) ?? []).map((x) => ({ key: x.key, value: x.value })),
    },
    inputs: {
      datasetInputs: (inp.get(row.id) ?? []).map((i) => ({
        dataset: { name: i.name, digest: i.digest, sourceType: i.sourceType, source: i.source, schema: i.schema, profile: i.profile },
        tags: i.tags as KeyValue[],
      })),
    },
  }));
}

export async function getRun(db: Db, runId: string): Promise<Run> {
  return (await hydrateRuns(db, [await getRunRow(db, runId)]))[0];
}

export function validateTag(tag: KeyValue): void {
  validateKey("tag", tag.key);
  validateLength(`Tag value for '${tag.key}'`, tag.value, LIMITS.runTagValueLength);
}

export async function createRun(
  db: Db,
  input: { experimentId: string; runName?: string; startTime?: number; tags?: KeyValue[]; userId?: string; runId?: string; status?: RunStatus; endTime?: number | null; importedFrom?: unknown },
): Promise<Run> {
  const experiment = await getExperimentRow(db, input.experimentId);
  if (experiment.lifecycleStage !== "active") {
    throw invalidParameter(`The experiment ${input.experimentId} must be in the 'active' state. Current state is ${experiment.lifecycleStage}.`);
  }
  const tags = input.tags ?? [];
  tags.forEach(validateTag);
  const tagName = tags.find((t) => t.key === RUN_NAME_TAG)?.value;
  if (input.runName && tagName && input.runName !== tagName) {
    throw invalidParameter(
      `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${input.runName}', mlflow.runName='${tagName}').`,
    );
  }
  const name = input.runName || tagName || generateRunName();
  const runId = input.runId ?? randomUUID().replace(/-/g, "");
  const base = experiment.artifactLocation.replace(/\/+$/, "");
  const row: typeof runs.$inferInsert = {
    id: runId,
    experimentId: experiment.id,
    name,
    userId: input.userId ?? "",
    status: input.status ?? "RUNNING",
    startTime: input.startTime ?? Date.now(),
    endTime: input.endTime ?? null,
    artifactUri: `${base}/${runId}/artifacts`,
    importedFrom: input.importedFrom ?? null,
  };
  await db.transaction(async (tx) => {
    await tx.insert(runs).values(row);
    const allTags = [...tags.filter((t) => t.key !== RUN_NAME_TAG), { key: RUN_NAME_TAG, value: name }];
    await tx.insert(runTags).values(allTags.map((t) => ({ runId, key: t.key, value: t.value })));
  });
  return getRun(db, runId);
}

export async function updateRun(db: Db, runId: string, input: { status?: RunStatus; endTime?: number; runName?: string }): Promise<RunInfo> {
  const row = await getActiveRunRow(db, runId);
  const set: Partial<typeof runs.$inferInsert> = {};
  if (input.status) set.status = input.status;
  if (input.endTime !== undefined) set.endTime = input.endTime;
  if (input.runName) set.name = input.runName;
  await db.transaction(async (tx) => {
    if (Object.keys(set).length) await tx.update(runs).set(set).where(eq(runs.id, row.id));
    if (input.runName) {
      await tx
        .insert(runTags)
        .values({ runId, key: RUN_NAME_TAG, value: input.runName })
        .onConflictDoUpdate({ target: [runTags.runId, runTags.key], set: { value: input.runName } });
    }
  });
  return runInfo(await getRunRow(db, runId));
}

export async function setRunLifecycle(db: Db, runId: string, stage: "active" | "deleted"): Promise<void> {
  const row = await getRunRow(db, runId);
  if (stage === "active") {
    const experiment = await getExperimentRow(db, String(row.experimentId));
    if (experiment.lifecycleStage !== "active") {
      throw invalidParameter(`Cannot restore run ${runId}: its experiment ${experiment.id} is deleted. Restore the experiment first.`);
    }
  }
  await db
    .update(runs)
    .set({ lifecycleStage: stage, deletedTime: stage === "deleted" ? Date.now() : null })
    .where(eq(runs.id, row.id));
}

export async function setRunTag(db: Db, runId: string, tag: KeyValue): Promise<void> {
  validateTag(tag);
  await getActiveRunRow(db, runId);
  await db.transaction(async (tx) => {
    await tx
      .insert(runTags)
      .values({ runId, key: tag.key, value: tag.value })
      .onConflictDoUpdate({ target: [runTags.runId, runTags.key], set: { value: tag.value } });
    // The run name lives in the tag and in the row; keep them together.
    if (tag.key === RUN_NAME_TAG) await tx.update(runs).set({ name: tag.value }).where(eq(runs.id, runId));
  });
}

export async function deleteRunTag(db: Db, runId: string, key: string): Promise<void> {
  await getActiveRunRow(db, runId);
  const deleted = await db
    .delete(runTags)
    .where(and(eq(runTags.runId, runId), eq(runTags.key, key)))
    .returning({ key: runTags.key });
  if (deleted.length === 0) throw notFound(`No tag with name: ${key} in run with id ${runId}`);
}
