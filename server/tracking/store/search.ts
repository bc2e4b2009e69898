import { and, asc, desc, eq, getTableColumns, inArray, sql, type SQL } from "drizzle-orm";
import type { ExperimentClause, SearchClause } from "../../../lib/tracking/search-filter";
import { alias, type AnyPgColumn } from "drizzle-orm/pg-core";
import type { Db } from "../../db/storage";
import { experiments, experimentTags, latestMetrics, runInputs, runParams, runs, runTags } from "../../db/schema";
import { viewTypeCondition } from "./experiments";
import { hydrateRuns } from "./runs";
import type { Run, ViewType } from "./types";

/**
 * Compile parsed MLflow search clauses to parameterised SQL. Operators come from a fixed
 * whitelist (the parser guarantees them); keys and values are always bound parameters.
 */
const OPERATORS: Record<string, string> = { "=": "=", "!=": "<>", ">": ">", ">=": ">=", "<": "<", "<=": "<=", LIKE: "like", ILIKE: "ilike" };

function op(symbol: string): SQL {
  const sqlOp = OPERATORS[symbol];
  if (!sqlOp) throw new Error(`unsupported operator ${symbol}`); // unreachable: the parser validates operators
  return sql.raw(sqlOp);
}

function setCondition(column: SQL | AnyPgColumn, symbol: "IN" | "NOT IN", values: string[]): SQL {
  if (values.length === 0) return symbol === "IN" ? sql`false` : sql`true`;
  const list = sql.join(values.map((v) => sql`${v}`), sql`, `);
  return symbol === "IN" ? sql`${column} in (${list})` : sql`${column} not in (${list})`;
}

const RUN_ATTRIBUTE_COLUMNS = {
  start_time: runs.startTime,
  end_time: runs.endTime,
  run_id: runs.id,
  run_name: runs.name,
  status: runs.status,
  user_id: runs.userId,
  artifact_uri: runs.artifactUri,
  lifecycle_stage: runs.lifecycleStage,
} as const;

function runClauseSql(c: SearchClause): SQL {
  switch (c.kind) {
    case "metric":
      return sql`exists (select 1 from ${latestMetrics} lm where lm.run_id = ${runs.id} and lm.key = ${c.key} and lm.value ${op(c.op)} ${c.value})`;
    case "param":
      return sql`exists (select 1 from ${runParams} p where p.run_id = ${runs.id} and p.key = ${c.key} and p.value ${op(c.op)} ${c.value})`;
    case "tag":
      return sql`exists (select 1 from ${runTags} t where t.run_id = ${runs.id} and t.key = ${c.key} and t.value ${op(c.op)} ${c.value})`;
    case "attribute": {
      const column = RUN_ATTRIBUTE_COLUMNS[c.key as keyof typeof RUN_ATTRIBUTE_COLUMNS];
      if (!column) throw new Error(`unknown run attribute ${c.key}`); // unreachable: parser validates
      if (c.op === "IN" || c.op === "NOT IN") return setCondition(column, c.op, c.value as string[]);
      return sql`${column} ${op(c.op)} ${c.value as string | number}`;
    }
    case "dataset": {
      const field =
        c.key === "context"
          ? sql`(select t->>'value' from jsonb_array_elements(i.tags) t where t->>'key' = 'mlflow.data.context' limit 1)`
          : c.key === "name"
            ? sql`i.name`
            : sql`i.digest`;
      const cond = c.op === "IN" || c.op === "NOT IN" ? setCondition(field, c.op, c.value) : sql`${field} ${op(c.op)} ${c.value}`;
      return sql`exists (select 1 from ${runInputs} i where i.run_id = ${runs.id} and ${cond})`;
    }
  }
}

export type OrderClause = { kind: "metric" | "param" | "tag" | "attribute"; key: string; ascending: boolean };

const ORDER_TABLES = { metric: latestMetrics, param: runParams, tag: runTags } as const;

/**
 * ORDER BY terms for one clause. Metric, param and tag keys are sorted through a join on their
 * table (see runSearchQuery), as MLflow's SQL store does, instead of a correlated subquery per row. The order is MLflow's whatever the direction: values first (ascending or descending),
 * then NaN metrics, then runs without the key. Postgres would otherwise sort NaN above every
 * number, so a descending sort would put NaN first.
 */
function runOrderTerms(o: OrderClause, joined: { value: AnyPgColumn } | null): SQL[] {
  const dir = o.ascending ? sql`asc` : sql`desc`;
  if (o.kind === "attribute") {
    const column = RUN_ATTRIBUTE_COLUMNS[o.key as keyof typeof RUN_ATTRIBUTE_COLUMNS];
    if (!column) throw new Error(`unknown run attribute ${o.key}`); // unreachable: parser validates
    return [sql`${column} ${dir} nulls last`];
  }
  const value = joined!.value;
  const rank =
    o.kind === "metric"
      ? sql`case when ${value} is null then 2 when ${value} = 'NaN'::double precision then 1 else 0 end`
      : sql`case when ${value} is null then 1 else 0 end`;
  return [sql`${rank} asc`, sql`${value} ${dir}`];
}

export type RunSearchOptions = { experimentIds: number[]; clauses: SearchClause[]; orderBy: OrderClause[]; viewType: ViewType; offset: number; limit: number };

/**
 * The run rows of one search page (plus one row to tell whether more follow), without params, tags or metrics.
 *
 * latest_metrics, run_params and run_tags hold one row per (run_id, key), so each metric, param or tag key the
 * filter names becomes one INNER JOIN (equivalent to EXISTS, and it lets the planner start from the selective
 * table), and each order key one LEFT JOIN, or the filter's join when the filter names the same key.
 */
export function runSearchQuery(db: Db, opts: RunSearchOptions) {
  let query = db.select(getTableColumns(runs)).from(runs).$dynamic();
  const joins = new Map<string, { value: AnyPgColumn }>();
  const join = (kind: keyof typeof ORDER_TABLES, key: string, inner: boolean) => {
    const id = `${kind}\u0000${key}`;
    const found = joins.get(id);
    if (found) return found;
    const t = alias(ORDER_TABLES[kind], `k_${joins.size}`);
    const on = and(eq(t.runId, runs.id), eq(t.key, key));
    query = inner ? query.innerJoin(t, on) : query.leftJoin(t, on);
    joins.set(id, t);
    return t;
  };
  const conditions: SQL[] = [];
  if (opts.experimentIds.length) conditions.push(inArray(runs.experimentId, opts.experimentIds));
  const view = viewTypeCondition(runs.lifecycleStage, opts.viewType);
  if (view) conditions.push(view);
  for (const c of opts.clauses) {
    if (c.kind === "metric" || c.kind === "param" || c.kind === "tag") {
      const t = join(c.kind, c.key, true);
      conditions.push(sql`${t.value} ${op(c.op)} ${c.value}`);
    } else conditions.push(runClauseSql(c));
  }
  const order: SQL[] = [];
  for (const o of opts.orderBy) order.push(...runOrderTerms(o, o.kind === "attribute" ? null : join(o.kind, o.key, false)));
  return query
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(...order, sql`${runs.startTime} desc nulls last`, asc(runs.id))
    .offset(opts.offset)
    .limit(opts.limit + 1);
}

export async function searchRuns(db: Db, opts: RunSearchOptions): Promise<{ runs: Run[]; hasMore: boolean }> {
  const rows = await runSearchQuery(db, opts);
  const hasMore = rows.length > opts.limit;
  return { runs: await hydrateRuns(db, rows.slice(0, opts.limit)), hasMore };
}

const EXPERIMENT_ATTRIBUTE_COLUMNS = {
  name: experiments.name,
  creation_time: experiments.creationTime,
  last_update_time: experiments.lastUpdateTime,
} as const;

export function experimentFilterSql(clauses: ExperimentClause[]): SQL | undefined {
  if (clauses.length === 0) return undefined;
  return and(
    ...clauses.map((c) =>
      c.kind === "tag"
        ? sql`exists (select 1 from ${experimentTags} et where et.experiment_id = ${experiments.id} and et.key = ${c.key} and et.value ${op(c.op)} ${c.value})`
        : sql`${EXPERIMENT_ATTRIBUTE_COLUMNS[c.key]} ${op(c.op)} ${c.value}`,
    ),
  );
}

export function experimentOrderSql(o: OrderClause): SQL {
  if (o.kind === "tag") {
    return sql`(select et.value from ${experimentTags} et where et.experiment_id = ${experiments.id} and et.key = ${o.key}) ${o.ascending ? sql`asc` : sql`desc`} nulls last`;
  }
  const column = o.key === "experiment_id" ? experiments.id : EXPERIMENT_ATTRIBUTE_COLUMNS[o.key as keyof typeof EXPERIMENT_ATTRIBUTE_COLUMNS];
  if (!column) throw new Error(`unknown experiment attribute ${o.key}`);
  return o.ascending ? asc(column) : desc(column);
}

