/**
 * What a training run led to, for the run and compare pages: its checkpoints, the forecasts made
 * from them with their score runs, and the baseline forecasts (persistence, climatology …)
 * scored against the same truth, to draw score curves and scorecards against.
 */
import { and, asc, eq, inArray, or, sql } from "drizzle-orm";
import type { Db } from "../db/storage";
import { checkpoints, datasets, forecasts, scoreRuns, scoreStats } from "../db/schema";

export const BASELINE_KINDS = ["persistence", "climatology", "climatological-ensemble"] as const;

export type StoryScoreRun = { id: string; truthPath: string; truthDatasetId: string | null; status: string; firstInit: string | null };
export type StoryForecast = {
  id: string;
  name: string;
  kind: string;
  members: number;
  variables: string[];
  leadTimesHours: number[];
  initTimes: number;
  checkpointId: string | null;
  checkpointStep: number | null;
  sourceDataset: string | null;
  scoreRuns: StoryScoreRun[];
};
export type RunStory = {
  runId: string;
  checkpoints: {
    id: string;
    step: number;
    kind: string;
    bytes: number | null;
    createdAt: string;
    /** Whether the checkpoint holds a graph (graph models); null when not recorded (older checkpoints). */
    hasGraph: boolean | null;
  }[];
  forecasts: StoryForecast[];
  /** The forecast that speaks for the run: deterministic, from its latest checkpoint, scored. */
  primary: { forecastId: string; scoreRunId: string } | null;
};

async function scoreRunsOf(db: Db, forecastIds: string[]): Promise<Map<string, StoryScoreRun[]>> {
  const out = new Map<string, StoryScoreRun[]>();
  if (forecastIds.length === 0) return out;
  const rows = await db.select().from(scoreRuns).where(inArray(scoreRuns.forecastId, forecastIds)).orderBy(asc(scoreRuns.createdAt));
  const ids = rows.map((r) => r.id);
  const firsts = ids.length
    ? await db
        .select({ id: scoreStats.scoreRunId, first: sql<string>`min(${scoreStats.initTime})`.mapWith((v: string | Date) => new Date(v).toISOString()) })
        .from(scoreStats)
        .where(inArray(scoreStats.scoreRunId, ids))
        .groupBy(scoreStats.scoreRunId)
    : [];
  const truths = [...new Set(rows.map((r) => r.truthPath))];
  const ds = truths.length ? await db.select({ id: datasets.id, path: datasets.path }).from(datasets).where(inArray(datasets.path, truths)) : [];
  for (const r of rows) {
    const list = out.get(r.forecastId) ?? [];
    list.push({
      id: r.id,
      truthPath: r.truthPath,
      truthDatasetId: ds.find((d) => d.path === r.truthPath)?.id ?? null,
      status: r.status,
      firstInit: firsts.find((f) => f.id === r.id)?.first ?? null,
    });
    out.set(r.forecastId, list);
  }
  return out;
}

function forecastDto(f: typeof forecasts.$inferSelect, cps: Map<string, number>, runs: Map<string, StoryScoreRun[]>): StoryForecast {
  const producer = (f.producer ?? {}) as { checkpointId?: string };
  return {
    id: f.id,
    name: f.name,
    kind: f.kind,
    members: f.members,
    variables: f.variables as string[],
    leadTimesHours: f.leadTimesHours as number[],
    initTimes: f.initTimes,
    checkpointId: producer.checkpointId ?? null,
    checkpointStep: producer.checkpointId ? (cps.get(producer.checkpointId) ?? null) : null,
    sourceDataset: f.sourceDataset,
    scoreRuns: runs.get(f.id) ?? [],
  };
}

/** Checkpoints, forecasts and score runs of each run, plus the baselines scored on the same truths. */
export async function runForecastStory(db: Db, runIds: string[]): Promise<{ runs: RunStory[]; baselines: StoryForecast[] }> {
  const stories: RunStory[] = [];
  const truths = new Set<string>();
  for (const runId of runIds) {
    const cps = await db.select().from(checkpoints).where(eq(checkpoints.runId, runId)).orderBy(asc(checkpoints.step));
    const stepOf = new Map(cps.map((c) => [c.id, c.step]));
    const conds = [sql`${forecasts.producer}->>'runId' = ${runId}`];
    if (cps.length) conds.push(inArray(sql<string>`${forecasts.producer}->>'checkpointId'`, cps.map((c) => c.id)));
    const fcs = await db.select().from(forecasts).where(and(eq(forecasts.kind, "model"), or(...conds))).orderBy(asc(forecasts.createdAt));
    const sr = await scoreRunsOf(db, fcs.map((f) => f.id));
    const list = fcs.map((f) => forecastDto(f, stepOf, sr));
    for (const f of list) for (const s of f.scoreRuns) truths.add(s.truthPath);
    // latest checkpoint first, deterministic before ensembles, scored only
    const ranked = list
      .filter((f) => f.scoreRuns.some((s) => s.status === "completed"))
      .sort((a, b) => (a.members > 1 ? 1 : 0) - (b.members > 1 ? 1 : 0) || (b.checkpointStep ?? -1) - (a.checkpointStep ?? -1));
    const best = ranked[0];
    const bestRun = best?.scoreRuns.find((s) => s.status === "completed");
    stories.push({
      runId,
      checkpoints: cps.map((c) => ({
        id: c.id,
        step: c.step,
        kind: c.kind,
        bytes: typeof (c.metadata as { bytes?: unknown } | null)?.bytes === "number" ? ((c.metadata as { bytes: number }).bytes) : null,
        createdAt: c.createdAt.toISOString(),
        hasGraph: typeof (c.metadata as { graph?: unknown } | null)?.graph === "boolean" ? (c.metadata as { graph: boolean }).graph : null,
      })),
      forecasts: list,
      primary: best && bestRun ? { forecastId: best.id, scoreRunId: bestRun.id } : null,
    });
  }
  const baselineRows = truths.size
    ? await db
        .select()
        .from(forecasts)
        .where(and(inArray(forecasts.kind, [...BASELINE_KINDS]), inArray(forecasts.id, db.select({ id: scoreRuns.forecastId }).from(scoreRuns).where(inArray(scoreRuns.truthPath, [...truths])))))
        .orderBy(asc(forecasts.createdAt))
    : [];
  const bsr = await scoreRunsOf(db, baselineRows.map((f) => f.id));
  const baselines = baselineRows.map((f) => {
    const dto = forecastDto(f, new Map(), bsr);
    return { ...dto, scoreRuns: dto.scoreRuns.filter((s) => truths.has(s.truthPath)) };
  });
  return { runs: stories, baselines };
}
