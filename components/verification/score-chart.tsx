"use client";

import { useQuery } from "@tanstack/react-query";
import { LineChart, type ChartSeries } from "@/components/charts/line-chart";
import { runColour } from "@/components/charts/series";
import { useTRPC } from "@/components/trpc";
import type { ScoreName } from "@/lib/verification/aggregate";

export type CurveSelection = {
  scoreRunIds: string[];
  referenceScoreRunId?: string;
  score: ScoreName;
  variable: string;
  level: number;
  region: string;
  inflation: "iid" | "ar1" | "ar2";
};

/**
 * The chart a scorecard cell opens: its row's score against lead time for the experiment, with the
 * paired difference to the reference and its confidence band.
 */
export function ScorecardRowChart(props: {
  experimentScoreRunId: string;
  referenceScoreRunId: string;
  row: { score: string; variable: string; level: number; region: string };
  inflation: CurveSelection["inflation"];
}) {
  const { row } = props;
  return (
    <ScoreChart
      scoreRunIds={[props.experimentScoreRunId]}
      referenceScoreRunId={props.referenceScoreRunId}
      score={row.score as ScoreName}
      variable={row.variable}
      level={row.level}
      region={row.region}
      inflation={props.inflation}
    />
  );
}

export function variableLabel(variable: string, level: number): string {
  return level >= 0 ? `${variable}${level}` : variable;
}

/**
 * Score against lead time for several score runs on one chart; with a reference, a second chart
 * of the paired difference (experiment − reference) with its 95 % confidence band.
 */
export function ScoreChart(sel: CurveSelection) {
  const trpc = useTRPC();
  const q = useQuery(trpc.verification.curves.queryOptions(sel));
  if (q.error) return <div className="error-box">{q.error.message}</div>;
  if (!q.data) return <p className="muted">Loading…</p>;
  const all = [...q.data.series, ...(q.data.reference ? [q.data.reference] : [])];
  const leads = [...new Set(all.flatMap((s) => s.points.map((p) => p.leadHours)))].sort((a, b) => a - b);
  const x = Float64Array.from(leads);
  const at = (s: (typeof all)[number], f: (p: (typeof s.points)[number]) => number | null) => leads.map((h) => {
    const p = s.points.find((pp) => pp.leadHours === h);
    return p ? f(p) : null;
  });
  const series: ChartSeries[] = q.data.series.map((s, i) => ({ label: s.forecastName, colour: runColour(i), values: at(s, (p) => p.value), href: `/forecasts/${s.forecastId}` }));
  if (q.data.reference) series.push({ label: `${q.data.reference.forecastName} (reference)`, colour: "#333", values: at(q.data.reference, (p) => p.value), width: 2 });
  const diff: ChartSeries[] = [];
  if (q.data.reference) {
    q.data.series.forEach((s, i) => {
      diff.push({ label: `${s.forecastName} − reference`, colour: runColour(i), values: at(s, (p) => p.diff?.mean ?? null) });
      diff.push({ label: "95 % lower", colour: runColour(i), values: at(s, (p) => p.diff?.lower95 ?? null), faint: true });
      diff.push({ label: "95 % upper", colour: runColour(i), values: at(s, (p) => p.diff?.upper95 ?? null), faint: true });
    });
    diff.push({ label: "zero", colour: "#999", values: leads.map(() => 0), faint: true });
  }
  const title = `${sel.score} · ${variableLabel(sel.variable, sel.level)} · ${sel.region}`;
  return (
    <div data-testid="score-chart" className="score-chart">
      <h3 style={{ margin: "8px 0" }}>{title} <span className="muted">against lead time (h)</span></h3>
      <LineChart x={x} series={series} xKind="step" />
      {q.data.reference ? (
        <>
          <h3 style={{ margin: "8px 0" }}>
            Difference to the reference <span className="muted">(mean over common init times, 95 % confidence band, {sel.inflation.toUpperCase()} t-test)</span>
          </h3>
          <div data-testid="score-diff-chart">
            <LineChart x={x} series={diff} xKind="step" />
          </div>
        </>
      ) : null}
    </div>
  );
}
