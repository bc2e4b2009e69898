import { count, desc, eq, inArray, and } from "drizzle-orm";
import type { Db } from "../db/storage";
import { datasets, experiments, forecasts, jobs, latestMetrics, runs, scoreRuns } from "../db/schema";
import { scoreCurves } from "../verification/queries";

/** The training metrics the overview shows per run (anemoi-training's names). */
const RUN_METRICS = ["train_mse_loss_step", "val_mse_loss_epoch"] as const;
/** Headline scores: global RMSE of these variables at these leads (the acceptance pair). */
const HEADLINE_VARIABLES = [
  { variable: "z", level: 500, label: "z500" },
  { variable: "t", level: 850, label: "t850" },
] as const;
const HEADLINE_LEADS = [24, 72] as const;

export type OverviewRun = {
  id: string;
  name: string;
  experiment: string;
  status: string;
  startTime: number | null;
  endTime: number | null;
  metrics: Record<string, number | null>;
};

export type OverviewForecast = {
  forecastId: string;
  scoreRunId: string;
  name: string;
  kind: string;
  members: number;
  runId: string | null;
  truthPath: string;
  /** `${label}@${lead}h` → global RMSE (null when not scored at that lead). */
  rmse: Record<string, number | null>;
};

export type SuggestedScorecard = { experimentScoreRunId: string; referenceScoreRunId: string; experiment: string; reference: string; why: string };

/**
 * What the home page shows: counts of every artefact, the latest runs with their losses, every
 * scored forecast with its headline RMSE, and the scorecards worth opening first (each model
 * against persistence, the second model against the first).
 */
export async function overviewSummary(db: Db) {
  const [[d], [r], [f], [s], [active]] = await Promise.all([
    db.select({ n: count() }).from(datasets),
    db.select({ n: count() }).from(runs).where(eq(runs.lifecycleStage, "active")),
    db.select({ n: count() }).from(forecasts),
    db.select({ n: count() }).from(scoreRuns).where(eq(scoreRuns.status, "completed")),
    db.select({ n: count() }).from(jobs).where(inArray(jobs.state, ["queued", "running"])),
  ]);

  const recent = await db
    .select({ id: runs.id, name: runs.name, status: runs.status, startTime: runs.startTime, endTime: runs.endTime, experiment: experiments.name })
    .from(runs)
    .innerJoin(experiments, eq(runs.experimentId, experiments.id))
    .where(eq(runs.lifecycleStage, "active"))
    .orderBy(desc(runs.startTime))
    .limit(8);
  const metricRows = recent.length
    ? await db
        .select()
        .from(latestMetrics)
        .where(and(inArray(latestMetrics.runId, recent.map((x) => x.id)), inArray(latestMetrics.key, [...RUN_METRICS])))
    : [];
  const overviewRuns: OverviewRun[] = recent.map((x) => ({
    ...x,
    metrics: Object.fromEntries(RUN_METRICS.map((k) => [k, metricRows.find((m) => m.runId === x.id && m.key === k)?.value ?? null])),
  }));

  const scored = await db
    .select({ run: scoreRuns, forecast: forecasts })
    .from(scoreRuns)
    .innerJoin(forecasts, eq(scoreRuns.forecastId, forecasts.id))
    .where(eq(scoreRuns.status, "completed"))
    .orderBy(desc(scoreRuns.finishedAt));
  const rmse = new Map<string, Record<string, number | null>>(scored.map((x) => [x.run.id, {}]));
  if (scored.length) {
    for (const v of HEADLINE_VARIABLES) {
      const curves = await scoreCurves(db, { scoreRunIds: scored.map((x) => x.run.id).slice(0, 20), score: "rmse", variable: v.variable, level: v.level, region: "global", inflation: "ar2" });
      for (const series of curves.series) {
        const out = rmse.get(series.scoreRunId)!;
        for (const lead of HEADLINE_LEADS) {
          const p = series.points.find((q) => q.leadHours === lead);
          out[`${v.label}@${lead}h`] = p && Number.isFinite(p.value) ? p.value : null;
        }
      }
    }
  }
  const overviewForecasts: OverviewForecast[] = scored.map((x) => {
    const producer = (x.forecast.producer ?? {}) as { runId?: unknown };
    return {
      forecastId: x.forecast.id,
      scoreRunId: x.run.id,
      name: x.forecast.name,
      kind: x.forecast.kind,
      members: x.forecast.members,
      runId: typeof producer.runId === "string" ? producer.runId : null,
      truthPath: x.run.truthPath,
      rmse: rmse.get(x.run.id) ?? {},
    };
  });

  return {
    counts: { datasets: d.n, runs: r.n, forecasts: f.n, scoredForecasts: s.n, activeJobs: active.n },
    runs: overviewRuns,
    forecasts: overviewForecasts,
    scorecards: suggestScorecards(overviewForecasts),
    headline: { variables: HEADLINE_VARIABLES.map((v) => v.label), leadsHours: [...HEADLINE_LEADS] },
  };
}

/**
 * The scorecards to open first, per truth dataset: each deterministic model forecast against
 * persistence (is it any good?) and the second model against the first (which is better?).
 */
export function suggestScorecards(list: OverviewForecast[]): SuggestedScorecard[] {
  const out: SuggestedScorecard[] = [];
  const truths = [...new Set(list.map((f) => f.truthPath))];
  for (const truth of truths) {
    const same = list.filter((f) => f.truthPath === truth);
    const persistence = same.find((f) => f.kind === "persistence");
    // oldest first, so "B vs A" reads in the order the models were made
    const models = same.filter((f) => f.kind === "model" && f.members === 1).reverse();
    if (persistence) {
      for (const m of models) {
        out.push({ experimentScoreRunId: m.scoreRunId, referenceScoreRunId: persistence.scoreRunId, experiment: m.name, reference: persistence.name, why: "model vs persistence" });
      }
    }
    if (models.length >= 2) {
      out.push({ experimentScoreRunId: models[1].scoreRunId, referenceScoreRunId: models[0].scoreRunId, experiment: models[1].name, reference: models[0].name, why: "model B vs model A" });
    }
  }
  return out;
}
