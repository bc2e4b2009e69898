"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "@/components/trpc";

export default function ForecastsPage() {
  const trpc = useTRPC();
  const list = useQuery({ ...trpc.verification.forecasts.queryOptions(), refetchInterval: 5000 });
  return (
    <>
      <h1>Forecasts</h1>
      <p className="muted">
        Forecast stores: model output, baselines written by <span className="mono">isobar baseline</span>, and imported WeatherBench-2-style stores. Score them with{" "}
        <span className="mono">isobar score</span>.
      </p>
      {list.error ? <div className="error-box">{list.error.message}</div> : null}
      {list.data && list.data.length === 0 ? <p className="muted">No forecasts yet.</p> : null}
      {list.data && list.data.length > 0 ? (
        <table className="data" data-testid="forecasts-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Kind</th>
              <th>Init times</th>
              <th>Lead times</th>
              <th>Members</th>
              <th>Variables</th>
              <th>Grid</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((f) => (
              <tr key={f.id}>
                <td>
                  <Link href={`/forecasts/${f.id}`}>{f.name}</Link>
                </td>
                <td>{f.kind}</td>
                <td>{f.initTimes}</td>
                <td>{f.leadTimesHours.length ? `${f.leadTimesHours[0]}–${f.leadTimesHours[f.leadTimesHours.length - 1]} h (${f.leadTimesHours.length})` : "–"}</td>
                <td>{f.members}</td>
                <td className="mono">{f.variables.join(", ")}</td>
                <td className="mono">{f.gridId}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}
