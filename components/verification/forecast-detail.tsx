"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { LineagePanel } from "@/components/lineage/lineage-panel";
import { useTRPC } from "@/components/trpc";
import { forecastMapUrl } from "@/lib/maps/map-url";

/** One forecast: what it holds, what produced it (lineage) and its score runs. */
export function ForecastDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.verification.forecast.queryOptions({ id }));
  if (q.error) return <div className="error-box">{q.error.message}</div>;
  if (!q.data) return <p className="muted">Loading…</p>;
  const { forecast: f, scoreRuns } = q.data;
  const producer = f.producer;
  return (
    <>
      <h1>
        {f.name} <span className="muted">({f.kind})</span>
      </h1>
      <p>
        <Link href={forecastMapUrl({ forecast: f.id })} data-testid="open-map">
          Open on map
        </Link>{" "}
        <span className="muted">(forecast | truth | error, lead-time slider, meteogram on click)</span>
      </p>
      <table className="data" data-testid="forecast-summary">
        <tbody>
          <tr><th>Path</th><td className="mono">{f.path}</td></tr>
          <tr><th>Variables</th><td className="mono">{f.variables.join(", ")}</td></tr>
          <tr><th>Init times</th><td>{f.initTimes}</td></tr>
          <tr><th>Lead times (h)</th><td className="mono">{f.leadTimesHours.join(", ")}</td></tr>
          <tr><th>Members</th><td>{f.members}</td></tr>
          <tr><th>Grid</th><td className="mono">{f.gridId}</td></tr>
          <tr><th>Source dataset</th><td className="mono">{f.sourceDataset ?? "–"}</td></tr>
          <tr><th>Producer</th><td><pre className="mono" style={{ margin: 0, whiteSpace: "pre-wrap" }}>{JSON.stringify(producer, null, 2)}</pre></td></tr>
          {f.jobId ? <tr><th>Job</th><td><Link href={`/jobs/${f.jobId}`}>{f.jobId}</Link></td></tr> : null}
        </tbody>
      </table>
      <h2>Lineage</h2>
      <LineagePanel id={f.id} />
      <h2>Score runs</h2>
      {scoreRuns.length === 0 ? <p className="muted">Not scored yet: <span className="mono">isobar score --forecast {f.id} --truth DATASET</span></p> : null}
      {scoreRuns.length > 0 ? (
        <table className="data" data-testid="forecast-score-runs">
          <thead><tr><th>Score run</th><th>Truth</th><th>Climatology</th><th>Regions</th><th>Status</th></tr></thead>
          <tbody>
            {scoreRuns.map((r) => (
              <tr key={r.id}>
                <td><Link href={`/scores?scoreRun=${r.id}`}>{r.id.slice(0, 8)}</Link></td>
                <td className="mono">{r.truthPath}</td>
                <td className="mono">{r.climatologyPath ?? "–"}</td>
                <td>{r.regions.join(", ")}</td>
                <td>{r.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}
