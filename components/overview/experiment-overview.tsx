"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "@/components/trpc";
import type { RouterOutputs } from "@/server/trpc/router";

type Summary = RouterOutputs["overview"]["summary"];

const fmt = (v: number | null | undefined, digits = 3) => (v === null || v === undefined || !Number.isFinite(v) ? "–" : Number(v.toPrecision(digits)).toString());
const when = (ms: number | null) => (ms ? new Date(ms).toISOString().slice(0, 16).replace("T", " ") : "–");

/**
 * The home page's experiment summary: what exists (with links), the latest runs with their
 * losses, every scored forecast with its headline RMSE, and the scorecards worth opening first.
 * Refreshes every few seconds so a running demo fills it in live.
 */
export function ExperimentOverview() {
  const trpc = useTRPC();
  const q = useQuery({ ...trpc.overview.summary.queryOptions(), refetchInterval: 3000 });
  if (q.error) return <div className="error-box">Cannot load the overview: {q.error.message}</div>;
  if (!q.data) return <p className="muted">Loading…</p>;
  const s = q.data;
  const empty = s.counts.datasets + s.counts.runs + s.counts.forecasts === 0;
  return (
    <div data-testid="experiment-overview">
      <div className="cards">
        <CountCard label="Datasets" n={s.counts.datasets} href="/datasets" id="datasets" />
        <CountCard label="Runs" n={s.counts.runs} href="/runs" id="runs" />
        <CountCard label="Forecasts" n={s.counts.forecasts} href="/forecasts" id="forecasts" />
        <CountCard label="Scored forecasts" n={s.counts.scoredForecasts} href="/scores" id="scored" />
        <CountCard label="Active jobs" n={s.counts.activeJobs} href="/jobs?state=running" id="active-jobs" />
      </div>
      {empty ? (
        <p className="muted" data-testid="overview-empty">
          Nothing here yet. Run <code>npx isobar demo</code> to build a complete experiment (dataset, two trained models, forecasts, baselines,
          scores), or create a dataset with <code>isobar datasets create</code>.
        </p>
      ) : null}
      {s.scorecards.length ? <Scorecards list={s.scorecards} /> : null}
      {s.runs.length ? <Runs list={s.runs} /> : null}
      {s.forecasts.length ? <Forecasts summary={s} /> : null}
    </div>
  );
}

function CountCard({ label, n, href, id }: { label: string; n: number; href: string; id: string }) {
  return (
    <Link className="card" href={href} data-testid={`overview-count-${id}`} style={{ textDecoration: "none", color: "inherit" }}>
      <div className="label">{label}</div>
      <div className="value">{n}</div>
    </Link>
  );
}

function Scorecards({ list }: { list: Summary["scorecards"] }) {
  return (
    <>
      <h2>Scorecards</h2>
      <ul data-testid="overview-scorecards">
        {list.map((c) => (
          <li key={`${c.experimentScoreRunId}-${c.referenceScoreRunId}`}>
            <Link href={`/scorecards?exp=${c.experimentScoreRunId}&ref=${c.referenceScoreRunId}`} data-testid="overview-scorecard-link">
              {c.experiment} vs {c.reference}
            </Link>{" "}
            <span className="muted">({c.why})</span>
          </li>
        ))}
      </ul>
    </>
  );
}

function Runs({ list }: { list: Summary["runs"] }) {
  return (
    <>
      <h2>
        Latest runs <Link href="/runs" className="muted">(all runs)</Link>
      </h2>
      <table className="data" data-testid="overview-runs">
        <thead>
          <tr>
            <th>Run</th>
            <th>Experiment</th>
            <th>Status</th>
            <th>Started</th>
            <th>train loss</th>
            <th>val loss</th>
          </tr>
        </thead>
        <tbody>
          {list.map((r) => (
            <tr key={r.id} data-testid="overview-run" data-run-id={r.id}>
              <td>
                <Link href={`/runs/${r.id}`}>{r.name}</Link>
              </td>
              <td>{r.experiment}</td>
              <td>
                <span className={`badge ${r.status === "FINISHED" ? "completed" : r.status === "RUNNING" ? "running" : r.status === "FAILED" ? "failed" : "queued"}`}>{r.status.toLowerCase()}</span>
              </td>
              <td className="mono">{when(r.startTime)}</td>
              <td className="mono" data-testid="overview-train-loss">{fmt(r.metrics.train_mse_loss_step ?? null)}</td>
              <td className="mono">{fmt(r.metrics.val_mse_loss_epoch ?? null)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

function Forecasts({ summary }: { summary: Summary }) {
  const cols = summary.headline.variables.flatMap((v) => summary.headline.leadsHours.map((h) => `${v}@${h}h`));
  return (
    <>
      <h2>
        Scored forecasts: global RMSE <Link href="/scores" className="muted">(score curves)</Link>
      </h2>
      <table className="data" data-testid="overview-forecasts">
        <thead>
          <tr>
            <th>Forecast</th>
            <th>Kind</th>
            {cols.map((c) => (
              <th key={c}>{c.replace("@", " at ")}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {summary.forecasts.map((f) => (
            <tr key={f.scoreRunId} data-testid="overview-forecast" data-forecast-id={f.forecastId}>
              <td>
                <Link href={`/forecasts/${f.forecastId}`}>{f.name}</Link>
                {f.runId ? (
                  <>
                    {" "}
                    <Link href={`/runs/${f.runId}`} className="muted">
                      (run)
                    </Link>
                  </>
                ) : null}
              </td>
              <td>
                {f.kind}
                {f.members > 1 ? `, ${f.members} members` : ""}
              </td>
              {cols.map((c) => (
                <td key={c} className="mono" data-testid={`overview-rmse-${c}`}>
                  {fmt(f.rmse[c] ?? null)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
