"use client";

import { useMemo } from "react";
import { LineChart, type ChartSeries } from "@/components/charts/line-chart";
import { formatLead, toDisplay, unitConversion, type PointSeries } from "@/lib/maps";
import { usePointSeries } from "./field-data";

const COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"];
const TRUTH_COLOUR = "#111111";

type Props = {
  /** Forecasts (ids or paths), the first defines init time and nearest point. */
  forecasts: string[];
  variable: string;
  init: string;
  member: string;
  truth?: string;
  lat: number;
  lon: number;
  /** Display units (as in the map's unit selector). */
  units?: string;
  currentLead?: number;
  onClose: () => void;
};

function fmt(v: number | null, digits = 2): string {
  return v === null || !Number.isFinite(v) ? "—" : v.toFixed(digits);
}

/** Forecasts vs truth over lead time at the grid point nearest to a clicked position. */
export function Meteogram({ forecasts, variable, init, member, truth, lat, lon, units, currentLead, onClose }: Props) {
  const q = usePointSeries({ forecast: forecasts.join(","), variable, init, member, lat: lat.toFixed(4), lon: lon.toFixed(4), ...(truth ? { truth } : {}) });
  const s: PointSeries | undefined = q.data;
  const conversion = unitConversion(s?.units ?? "", units, member === "spread");
  const chart = useMemo(() => {
    if (!s) return null;
    const conv = (v: number | null) => (v === null ? null : toDisplay(v, conversion));
    const series: ChartSeries[] = s.series.map((f, i) => ({ label: f.name, colour: COLOURS[i % COLOURS.length], values: f.values.map(conv), width: 2 }));
    if (s.truth) series.push({ label: `truth (${s.truth.name})`, colour: TRUTH_COLOUR, values: s.truth.values.map(conv), width: 2 });
    return { x: Float64Array.from(s.leadTimesHours), series };
  }, [s, conversion]);

  return (
    <div className="card maps-meteogram" data-testid="meteogram">
      <div className="maps-meteogram-head">
        <strong>Meteogram</strong>
        <span className="muted" data-testid="meteogram-point">
          {s
            ? `${variable} (${conversion.label}) at grid point ${s.point.index} (${s.point.lat.toFixed(2)}°, ${s.point.lon.toFixed(2)}°), nearest to ${lat.toFixed(2)}°, ${lon.toFixed(2)}° · init ${s.init} · ${member === "mean" ? "ensemble mean" : member === "spread" ? "ensemble spread" : `member ${member}`}`
            : `${lat.toFixed(2)}°, ${lon.toFixed(2)}°`}
        </span>
        <button type="button" aria-label="Close meteogram" onClick={onClose}>
          ×
        </button>
      </div>
      {q.error ? <div className="error-box">{q.error.message}</div> : null}
      {!s && !q.error ? <p className="muted">Loading…</p> : null}
      {s && chart ? (
        <>
          <LineChart x={chart.x} series={chart.series} xKind="step" height={200} />
          {[...s.series.filter((f) => f.error).map((f) => `${f.name}: ${f.error}`), ...(s.truth?.error ? [`truth: ${s.truth.error}`] : [])].map((e) => (
            <div key={e} className="muted">
              {e}
            </div>
          ))}
          <div style={{ overflowX: "auto" }}>
            <table className="data maps-meteogram-table" data-testid="meteogram-table">
              <thead>
                <tr>
                  <th>lead</th>
                  <th>valid</th>
                  {s.series.map((f) => (
                    <th key={f.forecast}>{f.name}</th>
                  ))}
                  {s.truth ? <th>truth</th> : null}
                </tr>
              </thead>
              <tbody>
                {s.leadTimesHours.map((h, k) => (
                  <tr key={h} data-lead={h} className={h === currentLead ? "current" : undefined}>
                    <td>{formatLead(h)}</td>
                    <td className="mono">{s.validTimes[k].replace(":00:00Z", "Z")}</td>
                    {s.series.map((f) => (
                      <td key={f.forecast} className="mono" data-value={f.values[k] ?? ""}>
                        {fmt(f.values[k] === null ? null : toDisplay(f.values[k]!, conversion))}
                      </td>
                    ))}
                    {s.truth ? (
                      <td className="mono" data-value={s.truth.values[k] ?? ""}>
                        {fmt(s.truth.values[k] === null ? null : toDisplay(s.truth.values[k]!, conversion))}
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </div>
  );
}
