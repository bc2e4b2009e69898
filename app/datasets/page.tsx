"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { formatBytes, formatDate } from "@/components/datasets/format";
import { useTRPC } from "@/components/trpc";

export default function DatasetsPage() {
  const trpc = useTRPC();
  const list = useQuery({ ...trpc.datasets.list.queryOptions(), refetchInterval: 5000 });
  return (
    <>
      <h1>Datasets</h1>
      <p className="muted">
        Anemoi-compatible zarr datasets built by <span className="mono">isobar datasets create</span> or registered with{" "}
        <span className="mono">isobar datasets register</span>.
      </p>
      {list.error ? <div className="error-box">{list.error.message}</div> : null}
      {list.data && list.data.length === 0 ? <p className="muted">No datasets yet.</p> : null}
      {list.data && list.data.length > 0 ? (
        <table className="data" data-testid="datasets-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Grid</th>
              <th>Dates</th>
              <th>Step</th>
              <th>Variables</th>
              <th>Size</th>
              <th>Recipe</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((d) => (
              <tr key={d.id} data-dataset-id={d.id}>
                <td>
                  <Link href={`/datasets/${d.id}`}>{d.name}</Link>
                </td>
                <td>{d.gridDescription ?? d.gridId}</td>
                <td>
                  {formatDate(d.startDate)} → {formatDate(d.endDate)} <span className="muted">({d.dateCount})</span>
                </td>
                <td>{d.frequencyHours !== null ? `${d.frequencyHours} h` : "–"}</td>
                <td className="mono">{d.variables.join(", ")}</td>
                <td>{formatBytes(d.sizeBytes)}</td>
                <td className="mono">{d.recipeChecksum ? d.recipeChecksum.slice(0, 10) : "–"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}
