import { and, eq, inArray, or, sql } from "drizzle-orm";
import type { Db } from "../db/storage";
import { checkpoints, datasets, forecasts, runInputs, runs, runTags, scoreRuns } from "../db/schema";

/** Tag on a run relaunched by `isobar reproduce` (see server/training/reproduce.ts). */
const REPRODUCES_TAG = "isobar.reproduces";

/**
 * Lineage: what produced each artefact and what was made from it.
 *   dataset ← recipe            run ← dataset (run input, digest = dataset uuid), config, seed
 *   checkpoint ← run            forecast ← checkpoint (producer.checkpointId) or dataset (baselines)
 *   score run ← forecast, truth dataset, climatology
 */
export type LineageKind = "dataset" | "run" | "checkpoint" | "forecast" | "score-run";
export type LineageNode = { kind: LineageKind; id: string; label: string; href: string };
export type Lineage = { node: LineageNode; upstream: LineageNode[]; downstream: LineageNode[] };

export class LineageNotFoundError extends Error {}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

async function datasetNode(db: Db, where: { id?: string; path?: string; uuid?: string }): Promise<LineageNode | null> {
  const conds = [
    where.id && UUID.test(where.id) ? eq(datasets.id, where.id) : undefined,
    where.path ? eq(datasets.path, where.path) : undefined,
    where.uuid ? eq(datasets.datasetUuid, where.uuid) : undefined,
  ].filter((c) => c !== undefined);
  if (conds.length === 0) return null;
  const [d] = await db.select().from(datasets).where(or(...conds));
  return d ? { kind: "dataset", id: d.id, label: `dataset ${d.name}`, href: `/datasets/${d.id}` } : null;
}

function runNode(r: { id: string; name: string }): LineageNode {
  return { kind: "run", id: r.id, label: `run ${r.name}`, href: `/runs/${r.id}` };
}
function checkpointNode(c: { id: string; runId: string; step: number; kind: string }): LineageNode {
  return { kind: "checkpoint", id: c.id, label: `checkpoint step ${c.step} (${c.kind})`, href: `/runs/${c.runId}#checkpoints` };
}
function forecastNode(f: { id: string; name: string; kind: string }): LineageNode {
  return { kind: "forecast", id: f.id, label: `forecast ${f.name} (${f.kind})`, href: `/forecasts/${f.id}` };
}
function scoreRunNode(s: { id: string; forecastId: string }): LineageNode {
  return { kind: "score-run", id: s.id, label: `scores ${s.id.slice(0, 8)}`, href: `/scores?scoreRun=${s.id}` };
}

/** One level up and down from the artefact with this id (any kind). */
export async function lineageOf(db: Db, id: string): Promise<Lineage> {
  if (UUID.test(id)) {
    const [d] = await db.select().from(datasets).where(eq(datasets.id, id));
    if (d) {
      const usedBy = d.datasetUuid
        ? await db.select({ id: runs.id, name: runs.name }).from(runs).where(inArray(runs.id, db.select({ id: runInputs.runId }).from(runInputs).where(or(eq(runInputs.digest, d.datasetUuid), eq(runInputs.source, d.path)))))
        : [];
      const baselines = await db.select().from(forecasts).where(eq(forecasts.sourceDataset, d.path));
      const truthOf = await db.select().from(scoreRuns).where(eq(scoreRuns.truthPath, d.path));
      return {
        node: { kind: "dataset", id: d.id, label: `dataset ${d.name}`, href: `/datasets/${d.id}` },
        upstream: d.recipeChecksum ? [{ kind: "dataset", id: d.recipeChecksum, label: `recipe ${d.recipeChecksum.slice(0, 10)}`, href: `/datasets/${d.id}#recipe` }] : [],
        downstream: [...usedBy.map(runNode), ...baselines.map(forecastNode), ...truthOf.map(scoreRunNode)],
      };
    }
    const [c] = await db.select().from(checkpoints).where(eq(checkpoints.id, id));
    if (c) {
      const [r] = await db.select({ id: runs.id, name: runs.name }).from(runs).where(eq(runs.id, c.runId));
      const made = await db.select().from(forecasts).where(sql`${forecasts.producer}->>'checkpointId' = ${c.id}`);
      return { node: checkpointNode(c), upstream: r ? [runNode(r)] : [], downstream: made.map(forecastNode) };
    }
    const [f] = await db.select().from(forecasts).where(eq(forecasts.id, id));
    if (f) {
      const producer = (f.producer ?? {}) as { checkpointId?: string; runId?: string };
      const upstream: LineageNode[] = [];
      if (producer.checkpointId) {
        const [pc] = await db.select().from(checkpoints).where(eq(checkpoints.id, producer.checkpointId));
        if (pc) upstream.push(checkpointNode(pc));
      }
      if (f.sourceDataset) {
        const dn = await datasetNode(db, { path: f.sourceDataset });
        if (dn) upstream.push(dn);
      }
      const scored = await db.select().from(scoreRuns).where(eq(scoreRuns.forecastId, f.id));
      return { node: forecastNode(f), upstream, downstream: scored.map(scoreRunNode) };
    }
    const [s] = await db.select().from(scoreRuns).where(eq(scoreRuns.id, id));
    if (s) {
      const [sf] = await db.select().from(forecasts).where(eq(forecasts.id, s.forecastId));
      const upstream: LineageNode[] = sf ? [forecastNode(sf)] : [];
      for (const p of [s.truthPath, s.climatologyPath]) {
        const dn = p ? await datasetNode(db, { path: p }) : null;
        if (dn) upstream.push(dn);
      }
      return { node: scoreRunNode(s), upstream, downstream: [] };
    }
  }
  const [r] = await db.select().from(runs).where(eq(runs.id, id));
  if (r) {
    const inputs = await db.select().from(runInputs).where(eq(runInputs.runId, r.id));
    const upstream: LineageNode[] = [];
    for (const i of inputs) {
      const dn = await datasetNode(db, { uuid: i.digest, path: i.source });
      upstream.push(dn ?? { kind: "dataset", id: i.digest, label: `dataset ${i.name} (not registered)`, href: "/datasets" });
    }
    // A reproduction comes from the run it repeats; the original lists its reproductions.
    const [repro] = await db.select({ value: runTags.value }).from(runTags).where(and(eq(runTags.runId, r.id), eq(runTags.key, REPRODUCES_TAG)));
    if (repro) {
      const [orig] = await db.select({ id: runs.id, name: runs.name }).from(runs).where(eq(runs.id, repro.value));
      upstream.push(orig ? { ...runNode(orig), label: `run ${orig.name} (reproduced)` } : { kind: "run", id: repro.value, label: `run ${repro.value} (reproduced; deleted)`, href: "/runs" });
    }
    const reproductions = await db
      .select({ id: runs.id, name: runs.name })
      .from(runs)
      .where(inArray(runs.id, db.select({ id: runTags.runId }).from(runTags).where(and(eq(runTags.key, REPRODUCES_TAG), eq(runTags.value, r.id)))));
    const cps = await db.select().from(checkpoints).where(eq(checkpoints.runId, r.id));
    return { node: runNode(r), upstream, downstream: [...cps.map(checkpointNode), ...reproductions.map((x) => ({ ...runNode(x), label: `run ${x.name} (reproduction)` }))] };
  }
  throw new LineageNotFoundError(`no dataset, run, checkpoint, forecast or score run with id ${id}`);
}
