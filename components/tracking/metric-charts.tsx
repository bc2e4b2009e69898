"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState } from "react";
import { LineChart, type ChartSeries } from "@/components/charts/line-chart";
import { emaSmooth, forLogScale, sortedByX, xValues, type XAxisKind } from "@/components/charts/series";
import { useTRPC } from "@/components/trpc";
import type { JsonNumber } from "@/server/trpc/routers/tracking";
import { formatMetric } from "./run-bits";

export type ChartRun = { runId: string; label: string; colour: string; href?: string };

type ChartSettings = { xKind: XAxisKind; smoothing: number; logY: boolean; targetPoints: number };

/** True once the element has been near the viewport (charts load lazily, then stay). */
function useSeen<T extends Element>(): [React.RefObject<T | null>, boolean] {
  const ref = useRef<T>(null);
  const [seen, setSeen] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el || seen) return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) setSeen(true);
    }, { rootMargin: "400px" });
    io.observe(el);
    return () => io.disconnect();
  }, [seen]);
  return [ref, seen];
}

function MetricChartCard({ metricKey, runs, settings }: { metricKey: string; runs: ChartRun[]; settings: ChartSettings }) {
  const trpc = useTRPC();
  const [ref, seen] = useSeen<HTMLDivElement>();
  const history = useQuery({
    ...trpc.tracking.metricHistory.queryOptions({ runIds: runs.map((r) => r.runId), key: metricKey, targetPoints: settings.targetPoints }),
    enabled: seen,
    staleTime: 30_000,
  });

  // Each run keeps its own x values (uPlot mode 2): the runs' downsampled points fall on different
  // steps, and merging them onto one x axis would multiply the points uPlot walks by the number of runs.
  // Built once per response and setting; hovering and zooming do not re-render this component.
  const chart = useMemo(() => {
    if (!history.data) return null;
    const byRun = new Map(history.data.series.map((s) => [s.runId, s]));
    const series: ChartSeries[] = [];
    for (const run of runs) {
      const s = byRun.get(run.runId);
      if (!s || s.steps.length === 0) continue;
      // Wall time may go back where steps go forward (a resumed run): order by the chosen x.
      const { x, values } = sortedByX(xValues(s, settings.xKind), s.values);
      const raw = settings.logY ? forLogScale(values) : values;
      if (settings.smoothing > 0) {
        series.push({ label: `${run.label} (raw)`, colour: run.colour, faint: true, x, values: raw });
        const smooth = emaSmooth(values, settings.smoothing);
        series.push({ label: run.label, colour: run.colour, href: run.href, width: 2, x, values: settings.logY ? forLogScale(smooth) : smooth });
      } else {
        series.push({ label: run.label, colour: run.colour, href: run.href, x, values: raw });
      }
    }
    return { series };
  }, [history.data, runs, settings.xKind, settings.smoothing, settings.logY]);

  const total = history.data?.series.reduce((a, s) => a + s.totalPoints, 0) ?? 0;
  const shown = history.data?.series.reduce((a, s) => a + s.steps.length, 0) ?? 0;
  return (
    <div ref={ref} className="trk-chart-card" data-testid="metric-chart" data-key={metricKey}>
      <h3>{metricKey}</h3>
      {history.error ? <div className="error-box">{history.error.message}</div> : null}
      {chart && chart.series.length > 0 ? (
        <LineChart series={chart.series} xKind={settings.xKind} logY={settings.logY} />
      ) : chart ? (
        <p className="muted">No points logged.</p>
      ) : (
        <div className="trk-chart-loading muted">{seen ? "Loading…" : ""}</div>
      )}
      {history.data ? (
        <div className="meta">
          {shown < total ? `${shown.toLocaleString()} of ${total.toLocaleString()} points (downsampled, extremes kept)` : `${total.toLocaleString()} ${total === 1 ? "point" : "points"}`}
        </div>
      ) : null}
    </div>
  );
}

function MatrixSection({
  matrix,
  runs,
  settings,
  lastValue,
}: {
  matrix: { id: string; variables: string[]; leads: { label: string }[]; cells: (string | null)[][] };
  runs: ChartRun[];
  settings: ChartSettings;
  lastValue?: (key: string) => JsonNumber | null;
}) {
  const first = matrix.cells.flat().find((c): c is string => c !== null);
  const [picked, setPicked] = useState<string[]>(first ? [first] : []);
  const toggle = (key: string) => setPicked((p) => (p.includes(key) ? p.filter((k) => k !== key) : [...p, key]));
  return (
    <>
      <p className="muted">Variable × lead time{lastValue ? ` (last value of ${runs[0]?.label ?? "the run"})` : ""}; click cells to chart them.</p>
      <div style={{ overflowX: "auto" }}>
        <table className="trk-matrix" data-testid="metric-matrix">
          <thead>
            <tr>
              <th />
              {matrix.leads.map((l) => (
                <th key={l.label}>{l.label}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {matrix.variables.map((v, r) => (
              <tr key={v}>
                <th style={{ textAlign: "left" }}>{v}</th>
                {matrix.cells[r].map((key, c) => (
                  <td key={c} className={key && picked.includes(key) ? "on" : undefined}>
                    {key ? (
                      <button onClick={() => toggle(key)} title={key}>
                        {lastValue ? formatMetric(lastValue(key)) : "chart"}
                      </button>
                    ) : null}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <div className="trk-chart-grid">
        {picked.map((key) => (
          <MetricChartCard key={key} metricKey={key} runs={runs} settings={settings} />
        ))}
      </div>
    </>
  );
}

const SECTION_PAGE = 12;

function KeySection({ keys, runs, settings }: { keys: string[]; runs: ChartRun[]; settings: ChartSettings }) {
  const [all, setAll] = useState(false);
  const shown = all ? keys : keys.slice(0, SECTION_PAGE);
  return (
    <>
      <div className="trk-chart-grid">
        {shown.map((key) => (
          <MetricChartCard key={key} metricKey={key} runs={runs} settings={settings} />
        ))}
      </div>
      {keys.length > shown.length ? (
        <p>
          <button onClick={() => setAll(true)}>Show all {keys.length} charts</button>
        </p>
      ) : null}
    </>
  );
}

/**
 * Metric charts for one or more runs, in sections by key prefix (anemoi's per-variable keys as a
 * variable × lead matrix), with x-axis (step / wall time / relative time), EMA smoothing and log scale.
 */
export function MetricCharts({ runs, lastValue }: { runs: ChartRun[]; lastValue?: (key: string) => JsonNumber | null }) {
  const trpc = useTRPC();
  const runIds = runs.map((r) => r.runId);
  const keys = useQuery({ ...trpc.tracking.metricKeys.queryOptions({ runIds }), enabled: runIds.length > 0 });
  const [xKind, setXKind] = useState<XAxisKind>("step");
  const [smoothing, setSmoothing] = useState(0);
  const [logY, setLogY] = useState(false);
  const [search, setSearch] = useState("");
  const settings = useMemo(() => ({ xKind, smoothing, logY, targetPoints: 2000 }), [xKind, smoothing, logY]);

  const q = search.trim().toLowerCase();
  const match = (k: string) => !q || k.toLowerCase().includes(q);
  const sections = keys.data
    ? [
        ...keys.data.sections.map((s) => ({ kind: "keys" as const, id: s.name || "general", title: s.name || "general", keys: s.keys.filter(match) })),
        ...keys.data.matrices.map((m) => ({ kind: "matrix" as const, id: m.id, title: m.id, keys: m.keys.filter(match), matrix: m })),
      ].filter((s) => s.keys.length > 0)
    : [];

  return (
    <div data-testid="metric-charts">
      <div className="toolbar">
        <label>
          X axis{" "}
          <select aria-label="X axis" value={xKind} onChange={(e) => setXKind(e.target.value as XAxisKind)} data-testid="chart-x-axis">
            <option value="step">step</option>
            <option value="time">wall time</option>
            <option value="relative">relative time</option>
          </select>
        </label>
        <label>
          Smoothing{" "}
          <input
            type="range"
            min={0}
            max={0.99}
            step={0.01}
            value={smoothing}
            onChange={(e) => setSmoothing(Number(e.target.value))}
            aria-label="Smoothing"
            data-testid="chart-smoothing"
          />{" "}
          <span className="mono">{smoothing.toFixed(2)}</span>
        </label>
        <label>
          <input type="checkbox" checked={logY} onChange={(e) => setLogY(e.target.checked)} data-testid="chart-log" /> log scale
        </label>
        <input type="search" placeholder="Filter metrics…" value={search} onChange={(e) => setSearch(e.target.value)} aria-label="Filter metrics" />
        <span className="muted">{keys.data ? `${keys.data.keys.length} metrics` : ""}</span>
      </div>
      {keys.error ? <div className="error-box">{keys.error.message}</div> : null}
      {keys.data && keys.data.keys.length === 0 ? <p className="muted">No metrics logged.</p> : null}
      {sections.map((s) => (
        <details key={`${s.kind}:${s.id}`} open className="trk-section" data-testid="metric-section" data-section={s.id}>
          <summary>
            {s.title} <span className="muted">({s.keys.length})</span>
          </summary>
          <div className="trk-section-body">
            {s.kind === "matrix" && !q ? (
              <MatrixSection matrix={s.matrix} runs={runs} settings={settings} lastValue={lastValue} />
            ) : (
              <KeySection keys={s.keys} runs={runs} settings={settings} />
            )}
          </div>
        </details>
      ))}
    </div>
  );
}
