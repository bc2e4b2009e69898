"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { formatBytes, formatDate, formatStat } from "@/components/datasets/format";
import { LineagePanel } from "@/components/lineage/lineage-panel";
import { useTRPC } from "@/components/trpc";

export function DatasetDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.datasets.get.queryOptions({ id }));
  if (q.error) return <div className="error-box">{q.error.message}</div>;
  if (!q.data) return <p className="muted">Loading…</p>;
  const { dataset: d, summary: s, present } = q.data;
  return (
    <>
      <p>
        <Link href="/datasets">← Datasets</Link>
      </p>
      <h1>
        {d.name} <span className="mono muted">{d.uuid ?? ""}</span>
      </h1>
      {!present ? <div className="error-box">The store is missing from {d.path}: it was moved or deleted.</div> : null}
      {present ? (
        <p>
          <Link href={`/maps?dataset=${d.id}`} data-testid="open-map">
            Open on the map →
          </Link>{" "}
          <span className="muted">any variable and date, with the value probe and comparisons</span>
        </p>
      ) : null}
      <dl className="props">
        <dt>Path</dt>
        <dd className="mono">{d.path}</dd>
        <dt>Grid</dt>
        <dd>
          {d.gridDescription} <span className="mono muted">{d.gridId}</span>
        </dd>
        <dt>Dates</dt>
        <dd>
          {formatDate(d.startDate)} → {formatDate(d.endDate)}, every {d.frequencyHours} h ({d.dateCount} dates)
        </dd>
        <dt>Size</dt>
        <dd>{formatBytes(d.sizeBytes)}</dd>
        {s ? (
          <>
            <dt>Statistics period</dt>
            <dd>
              {formatDate(s.statisticsPeriod.start)} → {formatDate(s.statisticsPeriod.end)}
            </dd>
            <dt>Ensemble members</dt>
            <dd>{s.ensembles}</dd>
            <dt>Licence</dt>
            <dd>{s.licence ?? "–"}</dd>
            <dt>Attribution</dt>
            <dd>{s.attribution ?? "–"}</dd>
          </>
        ) : null}
        {d.jobId ? (
          <>
            <dt>Built by job</dt>
            <dd>
              <Link href={`/jobs/${d.jobId}`} className="mono">
                {d.jobId.slice(0, 8)}
              </Link>
            </dd>
          </>
        ) : null}
      </dl>
      {s ? (
        <>
          <h2>Variables</h2>
          <table className="data" data-testid="variables-table">
            <thead>
              <tr>
                <th>Variable</th>
                <th>Units</th>
                <th>Mean</th>
                <th>Stdev</th>
                <th>Minimum</th>
                <th>Maximum</th>
              </tr>
            </thead>
            <tbody>
              {s.variables.map((v) => (
                <tr key={v.name}>
                  <td className="mono">
                    {v.name}
                    {v.constant ? <span className="muted"> (constant)</span> : null}
                  </td>
                  <td>{v.units ?? "–"}</td>
                  <td className="mono">{formatStat(v.mean)}</td>
                  <td className="mono">{formatStat(v.stdev)}</td>
                  <td className="mono">{formatStat(v.minimum)}</td>
                  <td className="mono">{formatStat(v.maximum)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Missing dates</h2>
          {s.missingDates.length === 0 ? <p className="muted">None.</p> : <p className="mono">{s.missingDates.map(formatDate).join(", ")}</p>}
        </>
      ) : null}
      <h2>Lineage</h2>
      <LineagePanel id={d.id} />
      <h2 id="recipe">Recipe</h2>
      {d.recipe ? <pre className="json" data-testid="dataset-recipe">{d.recipe}</pre> : <p className="muted">Not built from a recipe recorded here.</p>}
    </>
  );
}
