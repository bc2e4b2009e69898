import fs from "node:fs";
import path from "node:path";
import { eq, sql } from "drizzle-orm";
import type { Db } from "../../db/storage";
import { experiments, experimentTags, latestMetrics, metrics, runParams, runs, runTags } from "../../db/schema";
import { artifactRoot } from "../artifacts";
import { RUN_NAME_TAG } from "../store/runs";
import type { LifecycleStage, RunStatus } from "../store/types";

/**
 * Where importers write: idempotent upserts keyed on MLflow's own ids and names, so running an
 * import again adds only what is new (identical metric rows are no-ops by primary key).
 */

export type ImportOrigin = { kind: "mlruns" | "mlflow"; source: string; experimentId?: string; runId?: string };

export async function ensureExperiment(
  db: Db,
  e: { name: string; lifecycleStage: LifecycleStage; creationTime: number | null; tags: Record<string, string>; origin: ImportOrigin },
): Promise<number> {
  const now = Date.now();
  const [existing] = await db.select({ id: experiments.id }).from(experiments).where(eq(experiments.name, e.name));
  let id = existing?.id;
  if (id === undefined) {
    const [row] = await db
      .insert(experiments)
      .values({ name: e.name, artifactLocation: "", lifecycleStage: e.lifecycleStage, creationTime: e.creationTime ?? now, lastUpdateTime: now, importedFrom: e.origin })
      .returning({ id: experiments.id });
    id = row.id;
    await db.update(experiments).set({ artifactLocation: `mlflow-artifacts:/${id}` }).where(eq(experiments.id, id));
  }
  const tags = Object.entries(e.tags);
  if (tags.length) {
    await db
      .insert(experimentTags)
      .values(tags.map(([key, value]) => ({ experimentId: id!, key, value })))
      .onConflictDoUpdate({ target: [experimentTags.experimentId, experimentTags.key], set: { value: sql`excluded.value` } });
  }
  return id;
}

export type ImportedRun = {
  runId: string;
  experimentId: number;
  name: string | null;
  userId: string | null;
  status: RunStatus;
  startTime: number | null;
  endTime: number | null;
  lifecycleStage: LifecycleStage;
  params: Record<string, string>;
  tags: Record<string, string>;
  origin: ImportOrigin;
};

/** Insert or update a run (keeping its MLflow run id); returns whether it was new. */
export async function upsertRun(db: Db, r: ImportedRun): Promise<{ created: boolean; artifactDirRel: string }> {
  const name = r.name ?? r.tags[RUN_NAME_TAG] ?? r.runId.slice(0, 8);
  const artifactDirRel = `${r.experimentId}/${r.runId}/artifacts`;
  const [existing] = await db.select({ id: runs.id }).from(runs).where(eq(runs.id, r.runId));
  await db.transaction(async (tx) => {
    if (existing) {
      await tx
        .update(runs)
        .set({ name, status: r.status, endTime: r.endTime, lifecycleStage: r.lifecycleStage, importedFrom: r.origin })
        .where(eq(runs.id, r.runId));
    } else {
      await tx.insert(runs).values({
        id: r.runId,
        experimentId: r.experimentId,
        name,
        userId: r.userId ?? "",
        status: r.status,
        startTime: r.startTime,
        endTime: r.endTime,
        artifactUri: `mlflow-artifacts:/${artifactDirRel}`,
        lifecycleStage: r.lifecycleStage,
        importedFrom: r.origin,
      });
    }
    const params = Object.entries(r.params);
    if (params.length) await tx.insert(runParams).values(params.map(([key, value]) => ({ runId: r.runId, key, value }))).onConflictDoNothing();
    const tags = Object.entries({ ...r.tags, [RUN_NAME_TAG]: name });
    await tx
      .insert(runTags)
      .values(tags.map(([key, value]) => ({ runId: r.runId, key, value })))
      .onConflictDoUpdate({ target: [runTags.runId, runTags.key], set: { value: sql`excluded.value` } });
  });
  return { created: !existing, artifactDirRel };
}

const ROWS_PER_INSERT = 5000;

/** Append metric points; returns how many were new. */
export async function appendMetrics(db: Db, runId: string, key: string, points: { timestamp: number; value: number; step: number }[]): Promise<number> {
  let added = 0;
  for (let i = 0; i < points.length; i += ROWS_PER_INSERT) {
    const chunk = points.slice(i, i + ROWS_PER_INSERT);
    const inserted = await db
      .insert(metrics)
      .values(chunk.map((p) => ({ runId, key, step: p.step, timestamp: p.timestamp, value: p.value })))
      .onConflictDoNothing()
      .returning({ step: metrics.step });
    added += inserted.length;
  }
  return added;
}

/** Recompute the latest value of every metric of a run from its full history. */
export async function refreshLatestMetrics(db: Db, runId: string): Promise<void> {
  await db.execute(sql`
    insert into ${latestMetrics} (run_id, key, step, timestamp, value)
    select distinct on (key) run_id, key, step, timestamp, value from ${metrics}
    where run_id = ${runId} order by key, timestamp desc, value desc
    on conflict (run_id, key) do update set step = excluded.step, timestamp = excluded.timestamp, value = excluded.value`);
}

/** Copy a run's artifact folder into Isobar's artifact store, skipping files already there with the same size. */
export function copyArtifacts(home: string, srcDir: string, artifactDirRel: string): number {
  const dest = path.join(artifactRoot(home), artifactDirRel);
  let copied = 0;
  const walk = (from: string, to: string) => {
    for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
      const s = path.join(from, entry.name);
      const d = path.join(to, entry.name);
      if (entry.isDirectory()) walk(s, d);
      else if (entry.isFile()) {
        const size = fs.statSync(s).size;
        if (fs.existsSync(d) && fs.statSync(d).size === size) continue;
        fs.mkdirSync(to, { recursive: true });
        fs.copyFileSync(s, d);
        copied++;
      }
    }
  };
  if (fs.existsSync(srcDir)) walk(srcDir, dest);
  return copied;
}
