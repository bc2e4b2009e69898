/**
 * Read side of verification: score-vs-lead curves and scorecards computed from the stored
 * sufficient statistics (no field is re-read).
 */
import { and, eq, inArray } from "drizzle-orm";
import { aggregateOverTime, SCORE_NAMES, scoreKind, type ScoreName } from "../../lib/verification/aggregate";
import { compareScore, SCORE_DIRECTION, type InitStats, type ScorecardCell } from "../../lib/verification/scorecard";
import { pairedTTest, type Inflation } from "../../lib/verification/significance";
import { perTimeScore } from "../../lib/verification/aggregate";
import { sufficientStatsSchema, type SufficientStats } from "../../lib/verification/stats";
import type { Db } from "../db/storage";
import { forecasts, scoreRuns, scoreStats } from "../db/schema";
import { getScoreRun, VerificationInputError } from "./forecasts";

export type StatRow = { variable: string; level: number; region: string; leadHours: number; initTime: Date; kind: string; stats: SufficientStats };

export async function loadStats(db: Db, scoreRunId: string, filter: { variable?: string; level?: number; region?: string; kind?: string } = {}): Promise<StatRow[]> {
  const conds = [eq(scoreStats.scoreRunId, scoreRunId)];
  if (filter.variable !== undefined) conds.push(eq(scoreStats.variable, filter.variable));
  if (filter.level !== undefined) conds.push(eq(scoreStats.level, filter.level));
  if (filter.region !== undefined) conds.push(eq(scoreStats.region, filter.region));
  if (filter.kind !== undefined) conds.push(eq(scoreStats.kind, filter.kind));
  const rows = await db.select().from(scoreStats).where(and(...conds));
  return rows.map((r) => ({ ...r, stats: r.stats as SufficientStats }));
}

/** What a score run holds: variables/levels per kind, regions, lead times, init times. */
export async function scoreRunSummary(db: Db, scoreRunId: string) {
  const rows = await db
    .selectDistinct({ variable: scoreStats.variable, level: scoreStats.level, kind: scoreStats.kind, region: scoreStats.region, leadHours: scoreStats.leadHours })
    .from(scoreStats)
    .where(eq(scoreStats.scoreRunId, scoreRunId));
  const inits = await db.selectDistinct({ t: scoreStats.initTime }).from(scoreStats).where(eq(scoreStats.scoreRunId, scoreRunId));
  const key = (v: string, l: number, k: string) => `${k}|${v}|${l}`;
  const vars = new Map<string, { variable: string; level: number; kind: string }>();
  for (const r of rows) vars.set(key(r.variable, r.level, r.kind), { variable: r.variable, level: r.level, kind: r.kind });
  return {
    variables: [...vars.values()].sort((a, b) => a.kind.localeCompare(b.kind) || a.variable.localeCompare(b.variable) || a.level - b.level),
    regions: [...new Set(rows.map((r) => r.region))],
    leadTimesHours: [...new Set(rows.map((r) => r.leadHours))].sort((a, b) => a - b),
    initTimes: inits.map((i) => i.t.toISOString()).sort(),
  };
}

/** Scores that make sense for a kind of statistics (and, for ACC, need anomaly sums). */
export function scoresFor(kind: string, hasAnomaly: boolean): ScoreName[] {
  return SCORE_NAMES.filter((s) => scoreKind(s) === kind && (hasAnomaly || !s.startsWith("acc")));
}

function toInitStats(rows: StatRow[]): InitStats[] {
  return rows.map((r) => ({ initTime: r.initTime.toISOString(), stats: r.stats }));
}

function byLead(rows: StatRow[]): Map<number, StatRow[]> {
  const m = new Map<number, StatRow[]>();
  for (const r of rows) {
    let l = m.get(r.leadHours);
    if (!l) m.set(r.leadHours, (l = []));
    l.push(r);
  }
  return m;
}

export interface CurveSeries {
  scoreRunId: string;
  forecastId: string;
  forecastName: string;
  points: { leadHours: number; value: number; n: number; diff?: { mean: number; lower95: number; upper95: number; lower997: number; upper997: number; n: number } }[];
}

/**
 * Score-vs-lead curves for several score runs: per lead the aggregate over init times. With a
 * reference run, each point also carries the paired difference (experiment − reference) over the
 * common init times with its 95 % and 99.7 % confidence interval (t-test, chosen inflation).
 */
export async function scoreCurves(
  db: Db,
  q: { scoreRunIds: string[]; score: ScoreName; variable: string; level: number; region: string; referenceScoreRunId?: string; inflation: Inflation },
): Promise<{ series: CurveSeries[]; reference: CurveSeries | null }> {
  const kind = scoreKind(q.score);
  const load = async (id: string): Promise<CurveSeries & { rows: Map<number, StatRow[]> }> => {
    const run = await getScoreRun(db, id);
    const [f] = await db.select({ name: forecasts.name }).from(forecasts).where(eq(forecasts.id, run.forecastId));
    const rows = byLead(await loadStats(db, id, { variable: q.variable, level: q.level, region: q.region, kind }));
    const points = [...rows.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([leadHours, list]) => ({ leadHours, value: safeAggregate(list.map((r) => r.stats), q.score), n: list.length }));
    return { scoreRunId: id, forecastId: run.forecastId, forecastName: f?.name ?? run.forecastId, points, rows };
  };
  const ref = q.referenceScoreRunId ? await load(q.referenceScoreRunId) : null;
  const series: CurveSeries[] = [];
  for (const id of q.scoreRunIds) {
    const s = await load(id);
    if (ref) {
      for (const p of s.points) {
        const refRows = ref.rows.get(p.leadHours);
        if (!refRows) continue;
        const d = pairedDifferences(toInitStats(s.rows.get(p.leadHours)!), toInitStats(refRows), q.score);
        if (d.length < 2) continue;
        const t = pairedTTest(d, q.inflation);
        const i95 = t.intervals.find((i) => i.level === 0.95)!;
        const i997 = t.intervals.find((i) => i.level === 0.997)!;
        p.diff = { mean: t.mean, lower95: i95.lower, upper95: i95.upper, lower997: i997.lower, upper997: i997.upper, n: t.n };
      }
    }
    series.push({ scoreRunId: s.scoreRunId, forecastId: s.forecastId, forecastName: s.forecastName, points: s.points });
  }
  return { series, reference: ref ? { scoreRunId: ref.scoreRunId, forecastId: ref.forecastId, forecastName: ref.forecastName, points: ref.points } : null };
}

function safeAggregate(stats: SufficientStats[], score: ScoreName): number {
  try {
    const v = aggregateOverTime(stats, score);
    return Number.isFinite(v) ? v : NaN;
  } catch {
    return NaN;
  }
}

/** Per-init differences of the raw score (experiment − reference) over common init times, chronological. */
function pairedDifferences(exp: InitStats[], ref: InitStats[], score: ScoreName): number[] {
  const r = new Map(ref.map((x) => [Date.parse(x.initTime), x.stats]));
  return exp
    .map((x) => ({ t: Date.parse(x.initTime), e: x.stats }))
    .filter((x) => r.has(x.t))
    .sort((a, b) => a.t - b.t)
    .map((x) => perTimeScore(x.e, score) - perTimeScore(r.get(x.t)!, score))
    .filter((d) => Number.isFinite(d));
}

export interface ScorecardRow {
  region: string;
  score: ScoreName;
  variable: string;
  level: number;
  cells: ({ leadHours: number } & Omit<ScorecardCell, "initTimes" | "test"> & { n: number; pValue: number; diffMean: number; lower95: number; upper95: number })[];
}

export interface ScorecardQuery {
  experimentScoreRunId: string;
  referenceScoreRunId: string;
  scores?: ScoreName[];
  regions?: string[];
  /** Lead times to show (default: whole days). */
  leadTimesHours?: number[];
  inflation: Inflation;
}

/**
 * Compare an experiment against a reference over their common init times, per region × score ×
 * variable/level × lead time (compareScore from lib/verification).
 */
export async function scorecard(db: Db, q: ScorecardQuery) {
  if (q.experimentScoreRunId === q.referenceScoreRunId) throw new VerificationInputError("experiment and reference are the same score run");
  const [expRun, refRun] = await Promise.all([getScoreRun(db, q.experimentScoreRunId), getScoreRun(db, q.referenceScoreRunId)]);
  const names = await db.select({ id: forecasts.id, name: forecasts.name, kind: forecasts.kind }).from(forecasts).where(inArray(forecasts.id, [expRun.forecastId, refRun.forecastId]));
  const nameOf = (id: string) => names.find((n) => n.id === id);
  const [expRows, refRows] = await Promise.all([loadStats(db, expRun.id), loadStats(db, refRun.id)]);
  const key = (r: { region: string; kind: string; variable: string; level: number; leadHours: number }) => `${r.region}|${r.kind}|${r.variable}|${r.level}|${r.leadHours}`;
  const group = (rows: StatRow[]) => {
    const m = new Map<string, StatRow[]>();
    for (const r of rows) {
      const k = key(r);
      let l = m.get(k);
      if (!l) m.set(k, (l = []));
      l.push(r);
    }
    return m;
  };
  const ge = group(expRows);
  const gr = group(refRows);
  const allLeads = [...new Set(expRows.map((r) => r.leadHours))].filter((h) => refRows.some((r) => r.leadHours === h)).sort((a, b) => a - b);
  const days = allLeads.filter((h) => h > 0 && h % 24 === 0);
  const leads = q.leadTimesHours ?? (days.length ? days : allLeads);
  const regions = q.regions ?? [...new Set(expRows.map((r) => r.region))];
  const combos = new Map<string, { kind: string; variable: string; level: number; anomaly: boolean }>();
  for (const r of expRows) {
    const k = `${r.kind}|${r.variable}|${r.level}`;
    const anomaly = r.stats.kind === "deterministic" && !!r.stats.anomaly;
    const c = combos.get(k);
    if (!c) combos.set(k, { kind: r.kind, variable: r.variable, level: r.level, anomaly });
  }
  const defaultScores = (kind: string, anomaly: boolean): ScoreName[] =>
    kind === "deterministic" ? (anomaly ? ["acc-wb2", "rmse"] : ["rmse"]) : kind === "wind-vector" ? ["wind-vector-rmse"] : ["crps-fair"];
  const rows: ScorecardRow[] = [];
  const variableOrder = [...combos.values()].sort((a, b) => a.variable.localeCompare(b.variable) || b.level - a.level);
  for (const region of regions) {
    const scoreList = q.scores ?? [...new Set(variableOrder.flatMap((c) => defaultScores(c.kind, c.anomaly)))];
    for (const score of scoreList) {
      if (!SCORE_DIRECTION[score]) continue;
      const kind = scoreKind(score);
      for (const c of variableOrder) {
        if (c.kind !== kind || (score.startsWith("acc") && !c.anomaly)) continue;
        const cells: ScorecardRow["cells"] = [];
        for (const lead of leads) {
          const k = key({ region, kind, variable: c.variable, level: c.level, leadHours: lead });
          const e = ge.get(k);
          const r = gr.get(k);
          if (!e || !r) continue;
          try {
            const cell = compareScore(toInitStats(e), toInitStats(r), score, { inflation: q.inflation });
            if (cell.test.n === 0 || !Number.isFinite(cell.experiment) || !Number.isFinite(cell.reference)) continue; // e.g. ACC of a climatology (no anomaly variance)
            const i95 = cell.test.intervals.find((i) => i.level === 0.95);
            const { initTimes, test, ...rest } = cell;
            void initTimes;
            cells.push({ leadHours: lead, ...rest, n: test.n, pValue: test.pValue, diffMean: test.mean, lower95: i95?.lower ?? NaN, upper95: i95?.upper ?? NaN });
          } catch {
            // e.g. ensemble statistics with different member counts: no cell
          }
        }
        if (cells.length) rows.push({ region, score, variable: c.variable, level: c.level, cells });
      }
    }
  }
  return {
    experiment: { scoreRunId: expRun.id, forecastId: expRun.forecastId, name: nameOf(expRun.forecastId)?.name ?? expRun.forecastId, kind: nameOf(expRun.forecastId)?.kind ?? "" },
    reference: { scoreRunId: refRun.id, forecastId: refRun.forecastId, name: nameOf(refRun.forecastId)?.name ?? refRun.forecastId, kind: nameOf(refRun.forecastId)?.kind ?? "" },
    truthPath: expRun.truthPath,
    sameTruth: expRun.truthPath === refRun.truthPath,
    inflation: q.inflation,
    leadTimesHours: leads,
    rows,
  };
}

export type Scorecard = Awaited<ReturnType<typeof scorecard>>;

const csvField = (v: string | number | null) => {
  const s = v === null ? "" : typeof v === "number" ? (Number.isFinite(v) ? String(v) : "") : v;
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** One line per cell. */
export function scorecardCsv(card: Scorecard): string {
  const head = ["region", "score", "variable", "level", "lead_hours", "experiment", "reference", "relative_difference_percent", "colour_bin", "verdict", "significance_level", "n", "p_value", "mean_difference", "ci95_lower", "ci95_upper"];
  const lines = [head.join(",")];
  for (const r of card.rows) {
    for (const c of r.cells) {
      lines.push([r.region, r.score, r.variable, r.level, c.leadHours, c.experiment, c.reference, c.relativeDifferencePercent, c.colourBin, c.verdict, c.significanceLevel, c.n, c.pValue, c.diffMean, c.lower95, c.upper95].map(csvField).join(","));
    }
  }
  return lines.join("\n") + "\n";
}

/** Validate a stored stats value (for tests and tools). */
export function parseStoredStats(v: unknown): SufficientStats {
  return sufficientStatsSchema.parse(v);
}

export async function scoreRunsWithForecasts(db: Db) {
  return db
    .select({ run: scoreRuns, forecastName: forecasts.name, forecastKind: forecasts.kind, members: forecasts.members })
    .from(scoreRuns)
    .innerJoin(forecasts, eq(scoreRuns.forecastId, forecasts.id));
}
