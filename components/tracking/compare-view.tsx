"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { Fragment, useEffect, useMemo, useState } from "react";
import { runColour } from "@/components/charts/series";
import { ConfigDiffView, type ConfigDiffState } from "@/components/config-diff/config-diff";
import { useTRPC } from "@/components/trpc";
import { CompareVerification } from "@/components/verification/run-story";
import { MetricCharts, type ChartRun } from "./metric-charts";
import { formatMetric, RunStatusBadge } from "./run-bits";

function SummaryTable({ runs }: { runs: ChartRun[] }) {
  const trpc = useTRPC();
  const summary = useQuery(trpc.tracking.metricSummary.queryOptions({ runIds: runs.map((r) => r.runId) }));
  const [search, setSearch] = useState("");
  const data = summary.data;
  const table = useMemo(() => {
    const byKey = new Map<string, Map<string, NonNullable<typeof data>[number]>>();
    for (const row of data ?? []) {
      if (!byKey.has(row.key)) byKey.set(row.key, new Map());
      byKey.get(row.key)?.set(row.runId, row);
    }
    return [...byKey.entries()];
  }, [data]);
  const q = search.trim().toLowerCase();
  const shown = table.filter(([k]) => !q || k.toLowerCase().includes(q));
  if (summary.error) return <div className="error-box">{summary.error.message}</div>;
  return (
    <>
      <div className="toolbar">
        <input type="search" placeholder="Filter metrics…" value={search} onChange={(e) => setSearch(e.target.value)} aria-label="Filter summary metrics" />
        <span className="muted">{summary.data ? `${shown.length} metrics` : "Loading…"}</span>
      </div>
      <div style={{ overflowX: "auto", maxHeight: 480, overflowY: "auto" }}>
        <table className="data trk-summary" data-testid="metric-summary">
          <thead>
            <tr>
              <th rowSpan={2}>metric</th>
              {runs.map((r) => (
                <th key={r.runId} colSpan={3} style={{ borderBottom: `3px solid ${r.colour}` }}>
                  {r.label}
                </th>
              ))}
            </tr>
            <tr>
              {runs.map((r) => (
                <Fragment key={r.runId}>
                  <th>last</th>
                  <th>min</th>
                  <th>max</th>
                </Fragment>
              ))}
            </tr>
          </thead>
          <tbody>
            {shown.map(([key, byRun]) => (
              <tr key={key} data-key={key}>
                <td className="mono">{key}</td>
                {runs.map((r) => {
                  const s = byRun.get(r.runId);
                  return (
                    <Fragment key={r.runId}>
                      <td className="mono" data-testid="summary-last" data-run={r.runId} title={s?.lastStep !== null && s ? `step ${s.lastStep}` : undefined}>
                        {formatMetric(s?.last)}
                      </td>
                      <td className="mono">
                        {formatMetric(s?.min)}
                      </td>
                      <td className="mono">
                        {formatMetric(s?.max)}
                      </td>
                    </Fragment>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function readDiffState(params: URLSearchParams): ConfigDiffState {
  const x = params.get("x");
  return { onlyDifferences: params.get("all") !== "1", search: params.get("q") ?? "", toggled: new Set(x ? x.split("|") : []) };
}

/** Compare 2..N runs: overlaid charts with a legend per run, last/min/max per metric, and the config diff. */
export function CompareView() {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const runIds = useMemo(() => (params.get("runs") ?? "").split(",").map((s) => s.trim()).filter(Boolean).slice(0, 20), [params]);

  const [diffState, setDiffState] = useState<ConfigDiffState>(() => readDiffState(new URLSearchParams(params.toString())));
  // Keep the diff view's state in the URL (shareable) without re-rendering on every keystroke.
  useEffect(() => {
    const t = setTimeout(() => {
      const next = new URLSearchParams(window.location.search);
      const set = (k: string, v: string | null) => (v ? next.set(k, v) : next.delete(k));
      set("all", diffState.onlyDifferences ? null : "1");
      set("q", diffState.search.trim() || null);
      set("x", diffState.toggled.size ? [...diffState.toggled].join("|") : null);
      const url = `${pathname}?${next}`;
      if (url !== `${window.location.pathname}${window.location.search}`) router.replace(url, { scroll: false });
    }, 250);
    return () => clearTimeout(t);
  }, [diffState, pathname, router]);

  const runs = useQuery({ ...trpc.tracking.runsByIds.queryOptions({ runIds }), enabled: runIds.length > 0 });
  const chartRuns = useMemo<ChartRun[]>(
    () => (runs.data ?? []).map((r, i) => ({ runId: r.runId, label: r.runName, colour: runColour(i), href: `/runs/${r.runId}` })),
    [runs.data],
  );
  const diff = useQuery({ ...trpc.tracking.configDiff.queryOptions({ runIds }), enabled: runIds.length >= 2 });

  const remove = (id: string) => {
    const next = new URLSearchParams(params.toString());
    next.set("runs", runIds.filter((r) => r !== id).join(","));
    router.replace(`${pathname}?${next}`);
  };

  if (runIds.length < 2) {
    return (
      <p className="muted">
        Choose two or more runs on the <Link href="/runs">Runs</Link> page and press Compare (the URL takes <span className="mono">?runs=id1,id2,…</span>).
      </p>
    );
  }
  if (runs.error) return <div className="error-box">{runs.error.message}</div>;
  if (!runs.data) return <p className="muted">Loading…</p>;
  return (
    <>
      <div className="toolbar" data-testid="compare-runs">
        {runs.data.map((r, i) => (
          <span key={r.runId} className="trk-run-chip" data-testid="compare-run-chip" data-run-id={r.runId}>
            <span className="trk-swatch" style={{ background: runColour(i), width: 16, height: 4 }} />
            <Link href={`/runs/${r.runId}`}>{r.runName}</Link>
            <RunStatusBadge status={r.status} />
            <button onClick={() => remove(r.runId)} aria-label={`Remove ${r.runName}`} title="Remove from comparison" disabled={runIds.length <= 2}>
              ×
            </button>
          </span>
        ))}
      </div>

      <h2>Config diff</h2>
      {diff.error ? <div className="error-box">{diff.error.message}</div> : null}
      {diff.data ? (
        <>
          {diff.data.sources.some((s) => s.source !== "artifact") ? (
            <p className="muted">
              {diff.data.sources
                .map((s, i) => `${diff.data.labels[i]}: ${s.source === "artifact" ? "config.json" : s.source === "params" ? "from params" : "no config"}`)
                .join(" · ")}
            </p>
          ) : null}
          <ConfigDiffView root={diff.data.root} labels={diff.data.labels} state={diffState} onChange={setDiffState} />
        </>
      ) : (
        <p className="muted">Loading…</p>
      )}

      <h2>Metrics</h2>
      <MetricCharts runs={chartRuns} />

      <h2>Last, min and max</h2>
      <SummaryTable runs={chartRuns} />

      <h2>Scores against lead time</h2>
      <CompareVerification runIds={runs.data.map((r) => r.runId)} labels={runs.data.map((r) => r.runName)} />
    </>
  );
}
