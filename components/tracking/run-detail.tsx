"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useMemo } from "react";
import { unflattenParams } from "@/lib/config/flatten";
import type { ConfigObject } from "@/lib/config/tree";
import { runColour } from "@/components/charts/series";
import { LineagePanel } from "@/components/lineage/lineage-panel";
import { useTRPC } from "@/components/trpc";
import { ReproduceButton, RunVerification } from "@/components/verification/run-story";
import type { JsonNumber } from "@/server/trpc/routers/tracking";
import { ArtifactsBrowser } from "./artifacts-browser";
import { MetricCharts, type ChartRun } from "./metric-charts";
import { ParamsTree } from "./params-tree";
import { formatEpoch, formatMetric, formatRunDuration, RunStatusBadge } from "./run-bits";

const SOURCE_TAGS: [string, string][] = [
  ["mlflow.source.name", "Source"],
  ["mlflow.source.type", "Source type"],
  ["mlflow.source.git.commit", "Git commit"],
  ["mlflow.source.git.branch", "Git branch"],
  ["mlflow.source.git.repoURL", "Repository"],
];

function RunConfig({ runId }: { runId: string }) {
  const trpc = useTRPC();
  const config = useQuery(trpc.tracking.config.queryOptions({ runId }));
  if (config.error) return <div className="error-box">{config.error.message}</div>;
  if (!config.data) return <p className="muted">Loading…</p>;
  const c = config.data;
  return (
    <div data-testid="run-config">
      <p className="muted">
        {c.source === "artifact"
          ? `From the run's config.json artifact (${c.flavour === "anemoi" ? "anemoi-training layout, mapped to Isobar's" : "Isobar config"}).`
          : c.source === "params"
            ? "No readable config.json artifact; rebuilt from the run's params."
            : "This run has no config.json artifact and no params."}
      </p>
      {c.error ? <div className="error-box">{c.error}</div> : null}
      {c.notes.length ? <p className="muted">Notes: {c.notes.join("; ")}</p> : null}
      {c.config !== null ? <ParamsTree value={c.config} testId="config-tree" searchTestId="config-search" /> : null}
    </div>
  );
}

/** The run page: overview, metric charts by section, params tree, artifacts and the full config. */
export function RunDetail({ runId }: { runId: string }) {
  const trpc = useTRPC();
  const run = useQuery({
    ...trpc.tracking.run.queryOptions({ runId }),
    refetchInterval: (q) => (q.state.data?.info.status === "RUNNING" ? 5000 : false),
  });

  const params = useMemo(() => {
    if (!run.data) return null;
    try {
      return { tree: unflattenParams(run.data.params) as ConfigObject, error: null };
    } catch (err) {
      return { tree: Object.fromEntries(run.data.params.map((p) => [p.key, p.value])) as ConfigObject, error: (err as Error).message };
    }
  }, [run.data]);
  const chartRuns = useMemo<ChartRun[]>(() => (run.data ? [{ runId, label: run.data.info.runName, colour: runColour(0) }] : []), [run.data, runId]);
  const last = useMemo(() => new Map<string, JsonNumber>((run.data?.metrics ?? []).map((m) => [m.key, m.value])), [run.data]);
  const lastValue = useMemo(() => (key: string) => last.get(key) ?? null, [last]);

  if (run.error) {
    return (
      <>
        <h1>Run</h1>
        <div className="error-box">{run.error.message}</div>
        <p>
          <Link href="/runs">Back to runs</Link>
        </p>
      </>
    );
  }
  if (!run.data) return <p className="muted">Loading…</p>;
  const r = run.data;
  const tag = (k: string) => r.tags.find((t) => t.key === k)?.value;
  const user = r.info.userId || tag("mlflow.user") || "–";
  const description = tag("mlflow.note.content");
  // Trained by Isobar's training.run job: it has checkpoints and forecasts, and can be reproduced.
  const isIsobarTraining = !!tag("isobar.job_id");
  const reproduces = tag("isobar.reproduces");

  return (
    <>
      <p>
        <Link href={`/runs?experiment=${r.info.experimentId}`}>← {r.experimentName ?? `experiment ${r.info.experimentId}`}</Link>
      </p>
      <h1 data-testid="run-title">
        {r.info.runName} <span className="mono muted">{r.info.runId}</span>
      </h1>
      <div className="toolbar">
        <span data-testid="run-status">
          <RunStatusBadge status={r.info.status} />
        </span>
        <Link href={`/compare?runs=${r.info.runId}`}>Compare with…</Link>
        {isIsobarTraining ? <ReproduceButton runId={r.info.runId} /> : null}
      </div>
      {description ? <p>{description}</p> : null}
      {reproduces ? (
        <p data-testid="run-reproduces">
          Reproduces run <Link href={`/runs/${reproduces}`}>{reproduces}</Link> (same config, dataset and seed) ·{" "}
          <Link href={`/compare?runs=${reproduces},${r.info.runId}`}>compare the two</Link>
        </p>
      ) : null}
      <div className="trk-cards" data-testid="run-overview">
        <div className="card" data-testid="run-started">
          <div className="label">Started</div>
          <div className="value">{formatEpoch(r.info.startTime)}</div>
        </div>
        <div className="card" data-testid="run-ended">
          <div className="label">Ended</div>
          <div className="value">{formatEpoch(r.info.endTime)}</div>
        </div>
        <div className="card" data-testid="run-duration">
          <div className="label">Duration</div>
          <div className="value">{formatRunDuration(r.info.startTime, r.info.endTime, r.info.status === "RUNNING")}</div>
        </div>
        <div className="card" data-testid="run-user">
          <div className="label">User</div>
          <div className="value">{user}</div>
        </div>
        {SOURCE_TAGS.filter(([k]) => tag(k)).map(([k, label]) => (
          <div className="card" key={k} data-testid={`run-tag-${k}`}>
            <div className="label">{label}</div>
            <div className="value mono">{tag(k)}</div>
          </div>
        ))}
        {last.has("train_mse_loss_step") ? (
          <div className="card" data-testid="run-final-loss" data-value={String(last.get("train_mse_loss_step"))}>
            <div className="label">Last training loss</div>
            <div className="value mono">{formatMetric(last.get("train_mse_loss_step"))}</div>
          </div>
        ) : null}
        <div className="card" data-testid="run-params-metrics">
          <div className="label">Params / metrics</div>
          <div className="value">
            {r.params.length} / {r.metrics.length}
          </div>
        </div>
      </div>
      {r.datasetInputs.length ? (
        <>
          <h2>Datasets</h2>
          <table className="data">
            <thead>
              <tr>
                <th>Name</th>
                <th>Digest</th>
                <th>Source</th>
              </tr>
            </thead>
            <tbody>
              {r.datasetInputs.map((d, i) => (
                <tr key={i} data-testid="run-dataset-input">
                  <td>{d.dataset.name}</td>
                  <td className="mono">{d.dataset.digest}</td>
                  <td className="mono">{d.dataset.source}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
      <details className="trk-section">
        <summary>
          Tags <span className="muted">({r.tags.length})</span>
        </summary>
        <div className="trk-section-body">
          <table className="data">
            <tbody>
              {r.tags.map((t) => (
                <tr key={t.key}>
                  <td className="mono">{t.key}</td>
                  <td className="mono">{t.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>

      <h2>Metrics</h2>
      <MetricCharts runs={chartRuns} lastValue={lastValue} />

      {isIsobarTraining || r.datasetInputs.length ? <RunVerification runId={runId} /> : null}

      <h2>Lineage</h2>
      <LineagePanel id={runId} />

      <h2>Parameters</h2>
      {params?.error ? <div className="error-box">Params shown flat: {params.error}</div> : null}
      {params ? <ParamsTree value={params.tree} /> : null}

      <h2>Artifacts</h2>
      <ArtifactsBrowser runId={runId} />

      <h2>Config</h2>
      <RunConfig runId={runId} />
    </>
  );
}
