import { and, asc, eq, gte, inArray, lte, sql } from "drizzle-orm";
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
    .orderBy(asc(metrics.step), asc(metrics.timestamp));
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
