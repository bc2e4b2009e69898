"use client";

import { useQuery } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { useState } from "react";
import { useTRPC } from "@/components/trpc";
import type { ScoreName } from "@/lib/verification/aggregate";
import { ScoreChart, variableLabel } from "./score-chart";

const SCORES_BY_KIND: Record<string, ScoreName[]> = {
  deterministic: ["rmse", "mse", "bias", "mae", "acc-wb2", "acc-wbx", "acc-centred", "rmse-legacy"],
  "wind-vector": ["wind-vector-rmse", "wind-vector-mse"],
  ensemble: ["crps-fair", "crps-ecdf", "ensemble-mean-rmse", "spread", "spread-skill-ratio", "spread-skill-ratio-corrected", "crps-skill", "crps-spread"],
};

/** Score against lead time for several forecasts on one chart, per variable / region / score. */
export function ScoresPage() {
  const trpc = useTRPC();
  const params = useSearchParams();
  const runs = useQuery(trpc.verification.scoreRuns.queryOptions());
  const list = runs.data ?? [];
  const [selected, setSelected] = useState<string[] | null>(null);
  const chosen = selected ?? (params.get("scoreRun") ? [params.get("scoreRun")!] : list.slice(0, 3).map((r) => r.id));
  const [reference, setReference] = useState<string>("");
  const [varKey, setVarKey] = useState<string>("");
  const [region, setRegion] = useState<string>("");
  const [score, setScore] = useState<ScoreName | "">("");
  const [inflation, setInflation] = useState<"iid" | "ar1" | "ar2">("ar2");
  const summary = useQuery({ ...trpc.verification.scoreRunSummary.queryOptions({ id: chosen[0] ?? "" }), enabled: !!chosen[0] });
  const vars = summary.data?.variables ?? [];
  const v = vars.find((x) => `${x.kind}|${x.variable}|${x.level}` === varKey) ?? vars[0];
  const r = region || summary.data?.regions[0] || "";
  const scores = v ? SCORES_BY_KIND[v.kind] : [];
  const s = score && scores.includes(score) ? score : scores[0];

  return (
    <>
      <h1>Scores</h1>
      {runs.error ? <div className="error-box">{runs.error.message}</div> : null}
      {runs.data && list.length === 0 ? <p className="muted">No score runs yet: <span className="mono">isobar score --forecast F --truth D</span>.</p> : null}
      {list.length > 0 ? (
        <div style={{ display: "flex", gap: 24, flexWrap: "wrap", marginBottom: 12 }}>
          <fieldset data-testid="scores-runs">
            <legend>Forecasts (score runs)</legend>
            {list.map((run) => (
              <label key={run.id} style={{ display: "block" }}>
                <input
                  type="checkbox"
                  checked={chosen.includes(run.id)}
                  onChange={(e) => setSelected(e.target.checked ? [...chosen, run.id] : chosen.filter((x) => x !== run.id))}
                />{" "}
                {run.forecastName} <span className="muted">({run.forecastKind}, {run.truthPath.split("/").pop()})</span>
              </label>
            ))}
          </fieldset>
          <div style={{ display: "flex", flexDirection: "column", gap: 6 }}>
            <label>
              Variable{" "}
              <select value={v ? `${v.kind}|${v.variable}|${v.level}` : ""} onChange={(e) => setVarKey(e.target.value)}>
                {vars.map((x) => (
                  <option key={`${x.kind}|${x.variable}|${x.level}`} value={`${x.kind}|${x.variable}|${x.level}`}>
                    {variableLabel(x.variable, x.level)} ({x.kind})
                  </option>
                ))}
              </select>
            </label>
            <label>
              Region{" "}
              <select value={r} onChange={(e) => setRegion(e.target.value)}>
                {(summary.data?.regions ?? []).map((x) => <option key={x}>{x}</option>)}
              </select>
            </label>
            <label>
              Score{" "}
              <select value={s ?? ""} onChange={(e) => setScore(e.target.value as ScoreName)}>
                {scores.map((x) => <option key={x}>{x}</option>)}
              </select>
            </label>
            <label>
              Reference{" "}
              <select value={reference} onChange={(e) => setReference(e.target.value)}>
                <option value="">none</option>
                {list.map((run) => <option key={run.id} value={run.id}>{run.forecastName}</option>)}
              </select>
            </label>
            <label>
              Inflation{" "}
              <select value={inflation} onChange={(e) => setInflation(e.target.value as "iid" | "ar1" | "ar2")}>
                <option value="ar2">AR(2)</option>
                <option value="ar1">AR(1)</option>
                <option value="iid">IID</option>
              </select>
            </label>
          </div>
        </div>
      ) : null}
      {chosen.length > 0 && v && r && s ? (
        <div className="card">
          <ScoreChart scoreRunIds={chosen} referenceScoreRunId={reference || undefined} score={s} variable={v.variable} level={v.level} region={r} inflation={inflation} />
        </div>
      ) : null}
    </>
  );
}
