import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "../../db/storage";
import { latestMetrics, metrics, runInputs, runParams, runTags } from "../../db/schema";
import { invalidParameter } from "../errors";
import { LIMITS, validateKey, validateLength } from "../limits";
import { getActiveRunRow, RUN_NAME_TAG, validateTag } from "./runs";
import { runs } from "../../db/schema";
import type { DatasetInput, KeyValue, Metric } from "./types";

export type Batch = { metrics?: Metric[]; params?: KeyValue[]; tags?: KeyValue[] };

function validateMetric(m: Metric): void {
  validateKey("metric", m.key);
  if (typeof m.value !== "number") throw invalidParameter(`Got invalid value ${String(m.value)} for metric '${m.key}' (timestamp=${m.timestamp}). Please specify value as a valid double (64-bit floating point)`);
  if (!Number.isInteger(m.timestamp) || m.timestamp < 0) {
    throw invalidParameter(`Got invalid timestamp ${m.timestamp} for metric '${m.key}' (value=${m.value}). Timestamp must be a nonnegative long (64-bit integer)`);
  }
  if (!Number.isInteger(m.step)) throw invalidParameter(`Got invalid step ${m.step} for metric '${m.key}' (value=${m.value}). Step must be a valid long (64-bit integer).`);
}

function validateParam(p: KeyValue): void {
  validateKey("param", p.key);
  validateLength(`Param value '${p.value.slice(0, 40)}' for '${p.key}'`, p.value, LIMITS.paramValueLength);
}

/**
 * A Postgres array literal for one bound parameter. Numbers are written so that NaN and ±Infinity
 * survive ('NaN', 'Infinity'); strings are quoted and escaped.
 */
function pgArray(values: readonly (string | number)[]): string {
  const items = values.map((v) => {
    if (typeof v === "number") return Number.isNaN(v) ? "NaN" : v === Infinity ? "Infinity" : v === -Infinity ? "-Infinity" : String(v);
    return `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  });
  return `{${items.join(",")}}`;
}

/** Order used to decide the latest value of a metric: latest timestamp, then the maximum value. */
function isNewer(a: Metric, b: Metric): boolean {
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  // Postgres orders NaN above every number; mirror it so the database and this agree.
  if (Number.isNaN(a.value) !== Number.isNaN(b.value)) return Number.isNaN(a.value);
  return a.value > b.value;
}

/**
 * Log params, tags and metrics atomically, with MLflow's rules: params are immutable (the same
 * value again is a no-op, a different one is an error, duplicates in one batch are an error),
 * tags overwrite, metrics append and an identical metric row is a no-op.
 */
export async function logBatch(db: Db, runId: string, batch: Batch): Promise<void> {
  const ms = batch.metrics ?? [];
  const ps = batch.params ?? [];
  const ts = batch.tags ?? [];
  if (ms.length > LIMITS.metricsPerBatch) throw invalidParameter(`A batch logging request can contain at most ${LIMITS.metricsPerBatch} metrics. Got ${ms.length} metrics.`);
  if (ps.length > LIMITS.paramsPerBatch) throw invalidParameter(`A batch logging request can contain at most ${LIMITS.paramsPerBatch} params. Got ${ps.length} params.`);
  if (ts.length > LIMITS.tagsPerBatch) throw invalidParameter(`A batch logging request can contain at most ${LIMITS.tagsPerBatch} tags. Got ${ts.length} tags.`);
  if (ms.length + ps.length + ts.length > LIMITS.entitiesPerBatch) {
    throw invalidParameter(`A batch logging request can contain at most ${LIMITS.entitiesPerBatch} total metrics, params and tags. Got ${ms.length + ps.length + ts.length}.`);
  }
  ms.forEach(validateMetric);
  ps.forEach(validateParam);
  ts.forEach(validateTag);
  const seen = new Set<string>();
  for (const p of ps) {
    if (seen.has(p.key)) throw invalidParameter(`Duplicate parameter keys have been submitted: ['${p.key}']. Please ensure the request contains only one param value per param key.`);
    seen.add(p.key);
  }
  await getActiveRunRow(db, runId);

  await db.transaction(async (tx) => {
    if (ps.length) {
      const existing = await tx
        .select({ key: runParams.key, value: runParams.value })
        .from(runParams)
        .where(and(eq(runParams.runId, runId), inArray(runParams.key, ps.map((p) => p.key))));
      const known = new Map(existing.map((e) => [e.key, e.value]));
      const conflicts = ps.filter((p) => known.has(p.key) && known.get(p.key) !== p.value);
      if (conflicts.length) {
        const c = conflicts[0];
        throw invalidParameter(
          `Changing param values is not allowed. Params were already logged='[{'key': '${c.key}', 'old_value': '${known.get(c.key)}', 'new_value': '${c.value}'}]' for run ID='${runId}'.`,
        );
      }
      const fresh = ps.filter((p) => !known.has(p.key));
      if (fresh.length) await tx.insert(runParams).values(fresh.map((p) => ({ runId, key: p.key, value: p.value }))).onConflictDoNothing();
    }
    if (ts.length) {
      // Last write wins, also within one batch.
      const lastByKey = new Map(ts.map((t) => [t.key, t.value]));
      await tx
        .insert(runTags)
        .values([...lastByKey].map(([key, value]) => ({ runId, key, value })))
        .onConflictDoUpdate({ target: [runTags.runId, runTags.key], set: { value: sql`excluded.value` } });
      const name = lastByKey.get(RUN_NAME_TAG);
      if (name !== undefined) await tx.update(runs).set({ name }).where(eq(runs.id, runId));
    }
    if (ms.length) {
      // One statement with five array parameters instead of 5 × N bound values: binding and
      // parsing stay cheap for the 1000-metric batches training loops send.
      await tx.execute(sql`
        insert into ${metrics} (run_id, key, step, timestamp, value)
        select ${runId}, k, s, t, v
        from unnest(${pgArray(ms.map((m) => m.key))}::text[], ${pgArray(ms.map((m) => m.step))}::bigint[],
                    ${pgArray(ms.map((m) => m.timestamp))}::bigint[], ${pgArray(ms.map((m) => m.value))}::float8[]) as u(k, s, t, v)
        on conflict do nothing`);
      const latest = new Map<string, Metric>();
      for (const m of ms) {
        const cur = latest.get(m.key);
        if (!cur || isNewer(m, cur)) latest.set(m.key, m);
      }
      await tx
        .insert(latestMetrics)
        .values([...latest.values()].map((m) => ({ runId, key: m.key, step: m.step, timestamp: m.timestamp, value: m.value })))
        .onConflictDoUpdate({
          target: [latestMetrics.runId, latestMetrics.key],
          set: { step: sql`excluded.step`, timestamp: sql`excluded.timestamp`, value: sql`excluded.value` },
          setWhere: sql`(excluded.timestamp, excluded.value) > (${latestMetrics.timestamp}, ${latestMetrics.value})`,
        });
    }
  });
}

export async function logInputs(db: Db, runId: string, inputs: DatasetInput[]): Promise<void> {
  for (const i of inputs) {
    validateLength(`Dataset name '${i.dataset.name.slice(0, 40)}'`, i.dataset.name, LIMITS.datasetNameLength);
    validateLength(`Dataset digest '${i.dataset.digest.slice(0, 40)}'`, i.dataset.digest, LIMITS.datasetDigestLength);
    i.tags.forEach(validateTag);
  }
  await getActiveRunRow(db, runId);
  if (inputs.length === 0) return;
  await db
    .insert(runInputs)
    .values(
      inputs.map((i) => ({
        runId,
        name: i.dataset.name,
        digest: i.dataset.digest,
        sourceType: i.dataset.sourceType,
        source: i.dataset.source,
        schema: i.dataset.schema ?? null,
        profile: i.dataset.profile ?? null,
        tags: i.tags,
      })),
    )
    .onConflictDoUpdate({
      target: [runInputs.runId, runInputs.name, runInputs.digest],
      set: { tags: sql`excluded.tags`, source: sql`excluded.source`, sourceType: sql`excluded.source_type` },
    });
}
