import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { ForecastError } from "../../../lib/forecasts/store";
import { SCORE_NAMES, type ScoreName } from "../../../lib/verification/aggregate";
import { inflationSchema } from "../../../lib/verification/significance";
import { getForecast, listForecasts, listScoreRuns, VerificationInputError, VerificationNotFoundError, type ForecastRow, type ScoreRunRow } from "../../verification/forecasts";
import { scoreCurves, scorecard, scorecardCsv, scoreRunSummary, scoreRunsWithForecasts } from "../../verification/queries";
import { publicProcedure, router } from "../init";

function forecastDto(r: ForecastRow) {
  return {
    id: r.id,
    name: r.name,
    path: r.path,
    kind: r.kind,
    producer: r.producer as Record<string, unknown>,
    sourceDataset: r.sourceDataset,
    variables: r.variables as string[],
    initTimes: r.initTimes,
    leadTimesHours: r.leadTimesHours as number[],
    members: r.members,
    gridId: r.gridId,
    jobId: r.jobId,
    createdAt: r.createdAt.toISOString(),
  };
}

function scoreRunDto(r: ScoreRunRow) {
  const settings = (r.regions ?? {}) as { regions?: unknown[]; weights?: string };
  return {
    id: r.id,
    forecastId: r.forecastId,
    truthPath: r.truthPath,
    climatologyPath: r.climatologyPath,
    regions: (settings.regions ?? []).map((x) => (x && typeof x === "object" && "name" in x ? String((x as { name: unknown }).name) : "native")),
    weights: settings.weights ?? "area",
    status: r.status,
    jobId: r.jobId,
    createdAt: r.createdAt.toISOString(),
    finishedAt: r.finishedAt?.toISOString() ?? null,
  };
}

async function asClientError<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof VerificationNotFoundError) throw new TRPCError({ code: "NOT_FOUND", message: err.message });
    if (err instanceof VerificationInputError || err instanceof ForecastError) throw new TRPCError({ code: "BAD_REQUEST", message: err.message });
    throw err;
  }
}

const scoreSchema = z.enum(SCORE_NAMES as [ScoreName, ...ScoreName[]]);
const uuid = z.string().uuid();

const scorecardInput = z.object({
  experimentScoreRunId: uuid,
  referenceScoreRunId: uuid,
  scores: z.array(scoreSchema).optional(),
  regions: z.array(z.string().min(1)).optional(),
  leadTimesHours: z.array(z.number().int().nonnegative()).optional(),
  inflation: inflationSchema.default("ar2"),
});

/** Non-finite numbers do not survive JSON: send them as null. */
function finite(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}

export const verificationRouter = router({
  forecasts: publicProcedure.query(async ({ ctx }) => (await listForecasts(ctx.services.storage.db)).map(forecastDto)),
  forecast: publicProcedure.input(z.object({ id: uuid })).query(({ ctx, input }) =>
    asClientError(async () => {
      const f = await getForecast(ctx.services.storage.db, input.id);
      const runs = await listScoreRuns(ctx.services.storage.db, f.id);
      return { forecast: forecastDto(f), scoreRuns: runs.map(scoreRunDto) };
    }),
  ),
  /** Every score run with its forecast's name, kind and members. */
  scoreRuns: publicProcedure.query(async ({ ctx }) =>
    (await scoreRunsWithForecasts(ctx.services.storage.db)).map((r) => ({ ...scoreRunDto(r.run), forecastName: r.forecastName, forecastKind: r.forecastKind, members: r.members })),
  ),
  /** Variables (with level and kind), regions, lead and init times stored for a score run. */
  scoreRunSummary: publicProcedure.input(z.object({ id: uuid })).query(({ ctx, input }) => asClientError(() => scoreRunSummary(ctx.services.storage.db, input.id))),
  curves: publicProcedure
    .input(
      z.object({
        scoreRunIds: z.array(uuid).min(1).max(20),
        score: scoreSchema,
        variable: z.string().min(1),
        level: z.number().int(),
        region: z.string().min(1),
        referenceScoreRunId: uuid.optional(),
        inflation: inflationSchema.default("ar2"),
      }),
    )
    .query(({ ctx, input }) =>
      asClientError(async () => {
        const r = await scoreCurves(ctx.services.storage.db, input);
        const fix = (s: (typeof r.series)[number]) => ({
          ...s,
          points: s.points.map((p) => ({
            leadHours: p.leadHours,
            n: p.n,
            value: finite(p.value),
            diff: p.diff ? { mean: p.diff.mean, n: p.diff.n, lower95: finite(p.diff.lower95), upper95: finite(p.diff.upper95), lower997: finite(p.diff.lower997), upper997: finite(p.diff.upper997) } : null,
          })),
        });
        return { series: r.series.map(fix), reference: r.reference ? fix(r.reference) : null };
      }),
    ),
  scorecard: publicProcedure.input(scorecardInput).query(({ ctx, input }) =>
    asClientError(async () => {
      const card = await scorecard(ctx.services.storage.db, input);
      return {
        ...card,
        rows: card.rows.map((r) => ({
          ...r,
          cells: r.cells.map((c) => ({
            leadHours: c.leadHours,
            score: c.score,
            direction: c.direction,
            experiment: finite(c.experiment),
            reference: finite(c.reference),
            relativeDifferencePercent: finite(c.relativeDifferencePercent),
            colourBin: finite(c.colourBin),
            verdict: c.verdict,
            significanceLevel: c.significanceLevel,
            n: c.n,
            pValue: finite(c.pValue),
            diffMean: finite(c.diffMean),
            lower95: finite(c.lower95),
            upper95: finite(c.upper95),
          })),
        })),
      };
    }),
  ),
  scorecardCsv: publicProcedure.input(scorecardInput).query(({ ctx, input }) => asClientError(async () => scorecardCsv(await scorecard(ctx.services.storage.db, input)))),
});
