import { and, asc, eq, gte, inArray, lte, sql, type SQL } from "drizzle-orm";
import { mergeMinMaxPicks, minMaxBucketCount, minMaxDownsample, type MetricPoint } from "../../../lib/tracking/downsample";
import { selectRows, type Db } from "../../db/storage";
import { metrics } from "../../db/schema";
import { invalidParameter } from "../errors";
import { LIMITS } from "../limits";
import { getRunRow } from "./runs";
import type { Metric } from "./types";

/** A metric's history ordered by step then timestamp, optionally paged (offset tokens). */
export async function getMetricHistory(
  db: Db,
  runId: string,
  key: string,
  page?: { offset: number; limit: number },
): Promise<{ metrics: Metric[]; nextOffset: number | null }> {
  await getRunRow(db, runId);
  const q = db
    .select({ key: metrics.key, value: metrics.value, timestamp: metrics.timestamp, step: metrics.step })
    .from(metrics)
    .where(and(eq(metrics.runId, runId), eq(metrics.key, key)))
    .orderBy(asc(metrics.step), asc(metrics.timestamp), asc(metrics.value));
  if (!page) return { metrics: await q, nextOffset: null };
  const rows = await q.offset(page.offset).limit(page.limit + 1);
  const more = rows.length > page.limit;
  return { metrics: rows.slice(0, page.limit), nextOffset: more ? page.offset + page.limit : null };
}

/** Range read of one key's history by step (for charts and exports). */
export async function getMetricRange(db: Db, runId: string, key: string, startStep?: number, endStep?: number): Promise<Metric[]> {
  const conds = [eq(metrics.runId, runId), eq(metrics.key, key)];
  if (startStep !== undefined) conds.push(gte(metrics.step, startStep));
  if (endStep !== undefined) conds.push(lte(metrics.step, endStep));
  return db
    .select({ key: metrics.key, value: metrics.value, timestamp: metrics.timestamp, step: metrics.step })
    .from(metrics)
    .where(and(...conds))
    .orderBy(asc(metrics.step), asc(metrics.timestamp), asc(metrics.value));
}

/** One run's history of a key for a chart: how many points it has and the ones kept. */
export type ChartHistory = { runId: string; totalPoints: number; points: MetricPoint[] };

const num = (v: number | string | null): number => Number(v);

/**
 * Chart histories of `key` for several runs, min/max-downsampled to at most `targetPoints` per run
 * in SQL: the database groups the rows into step buckets and returns each bucket's earliest
 * minimum, earliest maximum (or earliest NaN when it has only NaNs), plus the first and last
 * points; only those (≤ targetPoints per run) cross to the server. The result equals
 * `minMaxDownsample` over the full history ordered by step, timestamp and value (see
 * tests/integration/metric-downsample-sql.test.ts); a run with at most `targetPoints` points, or
 * with all its points on one step, is read whole and handled in JS.
 */
export async function getMetricMinMax(
  db: Db,
  runIds: string[],
  key: string,
  targetPoints: number,
  startStep?: number,
  endStep?: number,
): Promise<ChartHistory[]> {
  const range = sql`${startStep !== undefined ? sql` and step >= ${startStep}` : sql``}${endStep !== undefined ? sql` and step <= ${endStep}` : sql``}`;
  const where = (runId: string) => sql`run_id = ${runId} and key = ${key}${range}`;
  const buckets = minMaxBucketCount(targetPoints);
  return Promise.all(
    runIds.map(async (runId): Promise<ChartHistory> => {
      // min/max of the step alone: two index look-ups, no scan.
      const [bounds] = await selectRows<{ s0: number | string | null; s1: number | string | null }>(
        db,
        sql`select min(step) as s0, max(step) as s1 from ${metrics} where ${where(runId)}`,
      );
      if (bounds.s0 === null || bounds.s1 === null) return { runId, totalPoints: 0, points: [] };
      const s0 = num(bounds.s0);
      const s1 = num(bounds.s1);
      const readWhole = async (): Promise<ChartHistory> => {
        const all = await getMetricRange(db, runId, key, startStep, endStep);
        const points = all.map(({ step, timestamp, value }) => ({ step, timestamp, value }));
        if (points.length <= targetPoints) return { runId, totalPoints: points.length, points };
        const picked = minMaxDownsample(Float64Array.from(all, (p) => p.step), Float64Array.from(all, (p) => p.value), targetPoints).indices;
        return { runId, totalPoints: points.length, points: Array.from(picked, (i) => points[i]) };
      };
      if (s1 === s0) return readWhole(); // all on one step: minMaxDownsample buckets by position
      type Edge = { step: number | string; timestamp: number | string; value: number | string };
      const edge = (dir: SQL) =>
        selectRows<Edge>(db, sql`select step, timestamp, value from ${metrics} where ${where(runId)} order by step ${dir}, timestamp ${dir}, value ${dir} limit 1`);
      // The bucket as minMaxBucketOf computes it: float64 (step - s0) / span * buckets, floored.
      // Arrays compare element by element, so min(array[value, step, timestamp]) is the earliest
      // minimum, and max(array[value, -step, -timestamp]) the earliest maximum.
      const bucketRows = selectRows<{
        n: number | string;
        lo_v: number | string | null; lo_s: number | string | null; lo_t: number | string | null;
        hi_v: number | string | null; hi_s: number | string | null; hi_t: number | string | null;
        nan_s: number | string | null; nan_t: number | string | null;
      }>(
        db,
        sql`select n, lo[1] as lo_v, lo[2] as lo_s, lo[3] as lo_t, hi[1] as hi_v, -hi[2] as hi_s, -hi[3] as hi_t, nan[1] as nan_s, nan[2] as nan_t
            from (
              select count(*) as n, least(${buckets - 1}::int, floor(((step - ${s0}::bigint)::float8 / ${s1 - s0}::float8) * ${buckets}::float8)::int) as bucket,
                     min(array[value, step::float8, timestamp::float8]) filter (where value <> 'NaN'::float8) as lo,
                     max(array[value, -(step::float8), -(timestamp::float8)]) filter (where value <> 'NaN'::float8) as hi,
                     min(array[step::float8, timestamp::float8]) filter (where value = 'NaN'::float8) as nan
              from ${metrics} where ${where(runId)}
              group by bucket
            ) b`,
      );
      const [[first], [last], rows] = await Promise.all([edge(sql`asc`), edge(sql`desc`), bucketRows]);
      const n = rows.reduce((a, r) => a + num(r.n), 0);
      if (n <= targetPoints) return readWhole();
      const point = (e: Edge): MetricPoint => ({ step: num(e.step), timestamp: num(e.timestamp), value: num(e.value) });
      const picks = rows.map((r) =>
        r.lo_v !== null
          ? {
              min: { value: num(r.lo_v), step: num(r.lo_s), timestamp: num(r.lo_t) },
              max: { value: num(r.hi_v), step: num(r.hi_s), timestamp: num(r.hi_t) },
            }
          : { nan: { value: Number.NaN, step: num(r.nan_s), timestamp: num(r.nan_t) } },
      );
      return { runId, totalPoints: n, points: mergeMinMaxPicks(picks, point(first), point(last)) };
    }),
  );
}

/**
 * MLflow's get-history-bulk-interval: for each run, at most `maxResults` evenly spaced steps
 * within [startStep, endStep] (always including the first and last), with every value logged
 * at those steps.
 */
export async function getHistoryBulkInterval(
  db: Db,
  runIds: string[],
  key: string,
  maxResults: number,
  startStep?: number,
  endStep?: number,
): Promise<(Metric & { runId: string })[]> {
  if (runIds.length === 0) throw invalidParameter("GetMetricHistoryBulkInterval request must specify at least one run_id.");
  if (runIds.length > LIMITS.bulkIntervalRuns) {
    throw invalidParameter(`GetMetricHistoryBulkInterval request cannot specify more than ${LIMITS.bulkIntervalRuns} run_ids. Received ${runIds.length} run_ids.`);
  }
  if (maxResults < 1 || maxResults > LIMITS.bulkIntervalPointsPerRun) {
    throw invalidParameter(`max_results must be between 1 and ${LIMITS.bulkIntervalPointsPerRun}, got ${maxResults}`);
  }
  const lo = startStep ?? Number.MIN_SAFE_INTEGER;
  const hi = endStep ?? Number.MAX_SAFE_INTEGER;
  const rows = await selectRows<{ run_id: string; key: string; value: number | string; timestamp: string | number; step: string | number }>(db, sql`
    with steps as (
      select run_id, step, row_number() over (partition by run_id order by step) - 1 as rn,
             count(*) over (partition by run_id) as n
      from (select distinct run_id, step from ${metrics}
            where ${inArray(metrics.runId, runIds)} and ${metrics.key} = ${key} and step between ${lo} and ${hi}) d
    ), picked as (
      select run_id, step from steps
      where n <= ${maxResults} or rn = n - 1
         or (${maxResults} > 1 and rn % greatest(1, ceil((n - 1)::float8 / (${maxResults} - 1))::int) = 0)
    )
    select m.run_id, m.key, m.value, m.timestamp, m.step
    from ${metrics} m join picked p on p.run_id = m.run_id and p.step = m.step
    where m.key = ${key}
    order by m.run_id, m.step, m.timestamp`);
  return rows.map((r) => ({
    runId: r.run_id,
    key: r.key,
    value: Number(r.value),
    timestamp: Number(r.timestamp),
    step: Number(r.step),
  }));
}
