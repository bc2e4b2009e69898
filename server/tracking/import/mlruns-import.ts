import path from "node:path";
import { openMlruns } from "../../../lib/tracking/mlruns-reader";
import type { Db } from "../../db/storage";
import { appendMetrics, copyArtifacts, ensureExperiment, refreshLatestMetrics, upsertRun } from "./sink";

export type ImportProgress = (fraction: number, message: string) => Promise<void> | void;
export type ImportReport = { experiments: number; runs: number; newRuns: number; newMetricPoints: number; artifactsCopied: number; warnings: string[] };

const POINTS_PER_BATCH = 10_000;

/** Import an MLflow FileStore folder (`mlruns/`); running it again imports only what is new. */
export async function importMlruns(db: Db, home: string, dir: string, progress: ImportProgress, signal?: AbortSignal): Promise<ImportReport> {
  const root = path.resolve(dir);
  const warnings: string[] = [];
  const reader = openMlruns(root, { onWarning: (w) => warnings.push(w.message) });
  const experiments = await reader.experiments();
  const report: ImportReport = { experiments: experiments.length, runs: 0, newRuns: 0, newMetricPoints: 0, artifactsCopied: 0, warnings };
  for (const [ei, exp] of experiments.entries()) {
    const experimentId = await ensureExperiment(db, {
      name: exp.name,
      lifecycleStage: exp.lifecycleStage,
      creationTime: exp.creationTime,
      tags: exp.tags,
      origin: { kind: "mlruns", source: root, experimentId: exp.experimentId },
    });
    const runs = await reader.runs(exp);
    for (const [ri, run] of runs.entries()) {
      signal?.throwIfAborted();
      await progress((ei + ri / Math.max(1, runs.length)) / experiments.length, `experiment '${exp.name}': run ${ri + 1}/${runs.length}`);
      const { created, artifactDirRel } = await upsertRun(db, {
        runId: run.runId,
        experimentId,
        name: run.runName,
        userId: run.userId,
        status: run.status,
        startTime: run.startTime,
        endTime: run.endTime,
        lifecycleStage: run.lifecycleStage,
        params: run.params,
        tags: run.tags,
        origin: { kind: "mlruns", source: root, experimentId: exp.experimentId, runId: run.runId },
      });
      report.runs++;
      if (created) report.newRuns++;
      for (const key of run.metricKeys) {
        let batch: { timestamp: number; value: number; step: number }[] = [];
        for await (const p of reader.metricHistory(run, key)) {
          batch.push(p);
          if (batch.length >= POINTS_PER_BATCH) {
            report.newMetricPoints += await appendMetrics(db, run.runId, key, batch);
            batch = [];
          }
        }
        if (batch.length) report.newMetricPoints += await appendMetrics(db, run.runId, key, batch);
      }
      await refreshLatestMetrics(db, run.runId);
      if (run.artifactDir) report.artifactsCopied += copyArtifacts(home, run.artifactDir, artifactDirRel);
    }
  }
  await progress(1, `imported ${report.runs} runs (${report.newRuns} new), ${report.newMetricPoints} new metric points`);
  return report;
}
