"use client";

import { useMutation, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { useTRPC } from "@/components/trpc";
import type { ScoreName } from "@/lib/verification/aggregate";
import type { RouterOutputs } from "@/server/trpc/router";
import { graphMapUrl } from "@/lib/maps/map-url";
import { forecastMapHref } from "./map-link";
import { ScoreChart, ScorecardRowChart, variableLabel, type CurveSelection } from "./score-chart";
import { ScorecardView, type ScorecardCellData, type ScorecardRowData } from "./scorecard-view";

type Story = RouterOutputs["training"]["forecasts"];
type StoryForecast = Story["baselines"][number];
type Inflation = "iid" | "ar1" | "ar2";

const DETERMINISTIC_SCORES: ScoreName[] = ["rmse", "mse", "bias", "mae", "acc-wb2"];

function fmt(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return "–";
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(2) : Number(v.toPrecision(digits)).toString();
}

const completed = (f: StoryForecast) => f.scoreRuns.find((s) => s.status === "completed") ?? null;

/** Reproduce button of the run page: relaunches the run (same config, dataset, seed) as a job. */
export function ReproduceButton({ runId }: { runId: string }) {
  const trpc = useTRPC();
  const m = useMutation(trpc.training.reproduce.mutationOptions());
  return (
    <span data-testid="run-reproduce">
      <button type="button" onClick={() => m.mutate({ runId })} disabled={m.isPending} title="Train again with the exact recorded config, dataset and seed">
        {m.isPending ? "Submitting…" : "Reproduce"}
      </button>{" "}
      {m.data ? (
        <span data-testid="run-reproduce-job">
          queued as <Link href={`/jobs/${m.data.id}`}>job {m.data.id.slice(0, 8)}</Link>; the new run is tagged <span className="mono">isobar.reproduces</span>
        </span>
      ) : null}
      {m.error ? (
        <span className="error-box" data-testid="run-reproduce-error" style={{ display: "inline-block" }}>
          {m.error.message}
        </span>
      ) : null}
    </span>
  );
}

/** The values behind a score chart, as a table (same query as the chart, fetched once). */
/** A score-vs-lead chart and the table of its values, from one selection. */
function CurvesWithTable({ sel, testId }: { sel: CurveSelection; testId: string }) {
  return (
    <>
      <ScoreChart {...sel} />
      <ScoreTable testId={testId} sel={sel} />
    </>
  );
}

function ScoreTable({ sel, testId }: { sel: CurveSelection; testId: string }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.verification.curves.queryOptions(sel));
  if (!q.data) return null;
  const all = [...q.data.series, ...(q.data.reference ? [{ ...q.data.reference, isReference: true }] : [])];
  const seen = new Set<string>();
  const rows = all.filter((s) => (seen.has(s.scoreRunId) ? false : (seen.add(s.scoreRunId), true)));
  const leads = [...new Set(rows.flatMap((s) => s.points.map((p) => p.leadHours)))].sort((a, b) => a - b);
  return (
    <div style={{ overflowX: "auto" }}>
      <table className="data" data-testid={testId}>
        <thead>
          <tr>
            <th>{sel.score} · {variableLabel(sel.variable, sel.level)}</th>
            {leads.map((h) => (
              <th key={h}>{h} h</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((s) => (
            <tr key={s.scoreRunId} data-forecast-id={s.forecastId}>
              <td>
                <Link href={`/forecasts/${s.forecastId}`}>{s.forecastName}</Link>
                {"isReference" in s ? <span className="muted"> (reference)</span> : null}
              </td>
              {leads.map((h) => {
                const p = s.points.find((pp) => pp.leadHours === h);
                return (
                  <td key={h} className="mono" data-testid="score-value" data-lead={h} data-value={p?.value ?? ""}>
                    {fmt(p?.value)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ForecastsTable({ forecasts, testId }: { forecasts: StoryForecast[]; testId: string }) {
  return (
    <table className="data" data-testid={testId}>
      <thead>
        <tr>
          <th>Forecast</th>
          <th>Kind</th>
          <th>Checkpoint</th>
          <th>Init times</th>
          <th>Lead times</th>
          <th>Members</th>
          <th>Scored against</th>
          <th>Map</th>
        </tr>
      </thead>
      <tbody>
        {forecasts.map((f) => {
          const s = completed(f) ?? f.scoreRuns[0] ?? null;
          const leads = f.leadTimesHours;
          return (
            <tr key={f.id} data-testid="forecast-row" data-forecast-id={f.id}>
              <td>
                <Link href={`/forecasts/${f.id}`}>{f.name}</Link>
              </td>
              <td>{f.kind}</td>
              <td className="mono">{f.checkpointStep !== null ? `step ${f.checkpointStep}` : "–"}</td>
              <td className="mono" data-testid="forecast-init-times">{f.initTimes}</td>
              <td className="mono">{leads.length ? `${leads[0]}–${leads[leads.length - 1]} h (${leads.length})` : "–"}</td>
              <td className="mono">{f.members}</td>
              <td className="mono">
                {f.scoreRuns.length
                  ? f.scoreRuns.map((r) => (
                      <div key={r.id}>
                        <Link href={`/scores?scoreRun=${r.id}`}>{r.truthPath.split("/").pop()}</Link> <span className="muted">{r.status}</span>
                      </div>
                    ))
                  : <span className="muted">not scored</span>}
              </td>
              <td>
                <Link
                  data-testid="forecast-map-link"
                  href={forecastMapHref({ forecastId: f.id, truth: s?.truthDatasetId ?? s?.truthPath ?? f.sourceDataset, variable: f.variables[0], initTime: s?.firstInit, leadHours: leads[0] })}
                >
                  map
                </Link>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

/** Variable / region / score pickers fed by a score run's summary. */
function useCurvePicker(scoreRunId: string | null, { pickVariable = true } = {}) {
  const trpc = useTRPC();
  const summary = useQuery({ ...trpc.verification.scoreRunSummary.queryOptions({ id: scoreRunId ?? "" }), enabled: !!scoreRunId });
  const [varKey, setVarKey] = useState("");
  const [region, setRegion] = useState("");
  const [score, setScore] = useState<ScoreName>("rmse");
  const vars = (summary.data?.variables ?? []).filter((v) => v.kind === "deterministic");
  const v = vars.find((x) => `${x.variable}|${x.level}` === varKey) ?? vars[0];
  const regions = summary.data?.regions ?? [];
  const r = region || (regions.includes("global") ? "global" : regions[0]) || "";
  const controls = (
    <>
      {pickVariable ? (
        <label>
          Variable{" "}
          <select data-testid="curve-variable" value={v ? `${v.variable}|${v.level}` : ""} onChange={(e) => setVarKey(e.target.value)}>
            {vars.map((x) => (
              <option key={`${x.variable}|${x.level}`} value={`${x.variable}|${x.level}`}>
                {variableLabel(x.variable, x.level)}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <label>
        Region{" "}
        <select data-testid="curve-region" value={r} onChange={(e) => setRegion(e.target.value)}>
          {(summary.data?.regions ?? []).map((x) => (
            <option key={x}>{x}</option>
          ))}
        </select>
      </label>
      <label>
        Score{" "}
        <select data-testid="curve-score" value={score} onChange={(e) => setScore(e.target.value as ScoreName)}>
          {DETERMINISTIC_SCORES.map((x) => (
            <option key={x}>{x}</option>
          ))}
        </select>
      </label>
    </>
  );
  return { summary, variables: vars, variable: v, region: r, score, controls };
}

/** A scorecard between two score runs, with the score chart of a clicked row. */
function StoryScorecard({ experiment, reference, testId }: { experiment: string; reference: string; testId: string }) {
  const trpc = useTRPC();
  const [inflation] = useState<Inflation>("ar2");
  const [picked, setPicked] = useState<{ row: ScorecardRowData; c: ScorecardCellData } | null>(null);
  const card = useQuery({ ...trpc.verification.scorecard.queryOptions({ experimentScoreRunId: experiment, referenceScoreRunId: reference, inflation }), enabled: experiment !== reference });
  if (experiment === reference) return <p className="muted">Pick a reference other than the forecast itself.</p>;
  if (card.error) return <div className="error-box">{card.error.message}</div>;
  if (!card.data) return <p className="muted">Loading scorecard…</p>;
  const verdicts = card.data.rows.flatMap((r) => r.cells.map((c) => c.verdict));
  return (
    <div data-testid={testId}>
      <p className="muted" data-testid={`${testId}-summary`}>
        {card.data.experiment.name} vs {card.data.reference.name}: <span data-testid="scorecard-better">{verdicts.filter((v) => v === "better").length}</span> cells better,{" "}
        <span data-testid="scorecard-worse">{verdicts.filter((v) => v === "worse").length}</span> worse,{" "}
        <span data-testid="scorecard-neutral">{verdicts.filter((v) => v === "neutral").length}</span> not significant (95 %, AR(2)-inflated t-test). Click a cell for its curve.
      </p>
      {card.data.rows.length === 0 ? <p className="muted">No common statistics to compare.</p> : null}
      {card.data.rows.length > 0 ? (
        <div style={{ overflowX: "auto" }}>
          <ScorecardView card={card.data} layout="ecmwf" onCellClick={(row, c) => setPicked({ row, c })} />
        </div>
      ) : null}
      {picked ? (
        <div className="card" style={{ marginTop: 12 }} data-testid={`${testId}-cell-detail`}>
          <ScorecardRowChart experimentScoreRunId={card.data.experiment.scoreRunId} referenceScoreRunId={card.data.reference.scoreRunId} row={picked.row} inflation={inflation} />
        </div>
      ) : null}
    </div>
  );
}

function defaultReference(baselines: StoryForecast[], truthPath: string | undefined): string {
  const on = baselines.filter((b) => b.members === 1).map((b) => ({ b, s: b.scoreRuns.find((s) => s.status === "completed" && (!truthPath || s.truthPath === truthPath)) })).filter((x) => x.s);
  return (on.find((x) => x.b.kind === "persistence") ?? on[0])?.s?.id ?? "";
}

/**
 * The run page's story below the training curves: checkpoints, the forecasts made from them,
 * their score-vs-lead-time curves against the baselines, the scorecard against a chosen
 * reference (persistence by default), and a map link per forecast.
 */
export function RunVerification({ runId }: { runId: string }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.training.forecasts.queryOptions({ runIds: [runId] }));
  const story = q.data?.runs[0];
  const baselines = q.data?.baselines ?? [];
  const primary = story?.primary ?? null;
  const primaryForecast = story?.forecasts.find((f) => f.id === primary?.forecastId);
  const truthPath = primaryForecast?.scoreRuns.find((s) => s.id === primary?.scoreRunId)?.truthPath;
  const [refChoice, setRefChoice] = useState("");
  const [expChoice, setExpChoice] = useState("");
  const picker = useCurvePicker(primary?.scoreRunId ?? null);
  if (q.error) return <div className="error-box">{q.error.message}</div>;
  if (!story) return <p className="muted">Loading checkpoints and forecasts…</p>;

  const modelRuns = story.forecasts.filter((f) => f.members === 1).flatMap((f) => f.scoreRuns.filter((s) => s.status === "completed" && (!truthPath || s.truthPath === truthPath)).map((s) => ({ f, s })));
  const baselineRuns = baselines.flatMap((b) => b.scoreRuns.filter((s) => s.status === "completed" && (!truthPath || s.truthPath === truthPath)).map((s) => ({ f: b, s })));
  const reference = refChoice || defaultReference(baselines, truthPath);
  const experiment = expChoice || primary?.scoreRunId || "";
  const referenceOptions = [...baselineRuns, ...modelRuns].map((x) => (
    <option key={x.s.id} value={x.s.id}>
      {x.f.name} ({x.f.kind})
    </option>
  ));
  const curveIds = [...modelRuns, ...baselineRuns.filter((x) => x.f.members === 1)].map((x) => x.s.id).filter((id) => id !== reference).slice(0, 19);

  return (
    <>
      <h2 id="checkpoints">Checkpoints</h2>
      {story.checkpoints.length === 0 ? (
        <p className="muted">No checkpoints.</p>
      ) : (
        <table className="data" data-testid="run-checkpoints">
          <thead>
            <tr>
              <th>Step</th>
              <th>Kind</th>
              <th>Size</th>
              <th>Written</th>
              <th>Forecasts from it</th>
              <th>Graph</th>
            </tr>
          </thead>
          <tbody>
            {story.checkpoints.map((c) => (
              <tr key={c.id} data-testid="checkpoint-row" data-step={c.step} data-kind={c.kind}>
                <td className="mono">{c.step}</td>
                <td>{c.kind}</td>
                <td className="mono">{c.bytes !== null ? `${(c.bytes / 2 ** 20).toFixed(1)} MiB` : "–"}</td>
                <td className="mono">{c.createdAt.replace("T", " ").slice(0, 19)}</td>
                <td className="mono">{story.forecasts.filter((f) => f.checkpointId === c.id).length}</td>
                <td>
                  {c.hasGraph === false ? (
                    <span className="muted">none (per-point model)</span>
                  ) : (
                    <Link href={graphMapUrl({ checkpoint: c.id })} data-testid="checkpoint-graph-link">
                      View graph on map
                    </Link>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}

      <h2>Forecasts</h2>
      {story.forecasts.length === 0 ? (
        <p className="muted">
          No forecasts from this run yet: <span className="mono">isobar infer --checkpoint {story.checkpoints.at(-1)?.id ?? "C"} --dataset D --init START:END</span>
        </p>
      ) : (
        <ForecastsTable forecasts={story.forecasts} testId="run-forecasts" />
      )}

      {primary && picker.variable ? (
        <>
          <h2>Scores against lead time</h2>
          <p className="muted">
            This run&apos;s forecasts and the baselines scored against the same truth; the difference chart is to the reference chosen below.
          </p>
          <div className="toolbar">
            {picker.controls}
            <label>
              Reference{" "}
              <select data-testid="run-reference" value={reference} onChange={(e) => setRefChoice(e.target.value)}>
                {referenceOptions}
              </select>
            </label>
          </div>
          <div className="card" data-testid="run-score-curves">
            <CurvesWithTable
              testId="run-score-table"
              sel={{
                scoreRunIds: curveIds.length ? curveIds : [primary.scoreRunId],
                referenceScoreRunId: reference || undefined,
                score: picker.score,
                variable: picker.variable.variable,
                level: picker.variable.level,
                region: picker.region,
                inflation: "ar2",
              }}
            />
          </div>

          <h2>Scorecard</h2>
          <div className="toolbar">
            <label>
              Forecast{" "}
              <select data-testid="run-scorecard-experiment" value={experiment} onChange={(e) => setExpChoice(e.target.value)}>
                {modelRuns.map((x) => (
                  <option key={x.s.id} value={x.s.id}>
                    {x.f.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              against{" "}
              <select data-testid="run-scorecard-reference" value={reference} onChange={(e) => setRefChoice(e.target.value)}>
                {referenceOptions}
              </select>
            </label>
          </div>
          {reference ? <StoryScorecard experiment={experiment} reference={reference} testId="run-scorecard" /> : <p className="muted">No baseline scored against the same truth yet.</p>}
        </>
      ) : story.forecasts.length ? (
        <p className="muted">None of this run&apos;s forecasts is scored yet: <span className="mono">isobar score --forecast F --truth D</span>.</p>
      ) : null}
    </>
  );
}

/**
 * The Compare page's verification: per variable, the score-vs-lead-time curves of each run's
 * primary forecast (and persistence); the scorecard of the second run's forecast against the
 * first's (B vs A); and a link to synchronised maps of the two.
 */
export function CompareVerification({ runIds, labels }: { runIds: string[]; labels: string[] }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.training.forecasts.queryOptions({ runIds }));
  const primaries = (q.data?.runs ?? []).map((r) => r.primary);
  const firstScored = primaries.find((p) => p !== null) ?? null;
  const picker = useCurvePicker(firstScored?.scoreRunId ?? null, { pickVariable: false });
  if (q.error) return <div className="error-box">{q.error.message}</div>;
  if (!q.data) return <p className="muted">Loading forecasts…</p>;
  const data = q.data;
  const scored = data.runs.map((r, i) => ({ r, label: labels[i] ?? r.runId, p: r.primary })).filter((x) => x.p !== null);
  const missing = data.runs.map((r, i) => ({ r, label: labels[i] ?? r.runId })).filter((x) => x.r.primary === null);
  const truthOf = (r: (typeof data.runs)[number]) => r.forecasts.find((f) => f.id === r.primary?.forecastId)?.scoreRuns.find((s) => s.id === r.primary?.scoreRunId) ?? null;
  const truth = scored.length ? truthOf(scored[0].r) : null;
  const persistence = defaultReference(data.baselines, truth?.truthPath);
  const ids = [...scored.map((x) => x.p!.scoreRunId), ...(persistence ? [persistence] : [])];
  const [a, b] = [data.runs[0]?.primary, data.runs[1]?.primary];
  const fa = data.runs[0]?.forecasts.find((f) => f.id === a?.forecastId);
  return (
    <>
      {missing.length ? (
        <p className="muted" data-testid="compare-unscored">
          No scored forecast for: {missing.map((m) => m.label).join(", ")}.
        </p>
      ) : null}
      {scored.length === 0 || !picker.summary.data ? (
        scored.length === 0 ? <p className="muted">None of these runs has a scored forecast yet.</p> : <p className="muted">Loading…</p>
      ) : (
        <>
          <p className="muted">
            Each run&apos;s forecast from its latest checkpoint ({scored.map((x) => `${x.label}: ${x.r.forecasts.find((f) => f.id === x.p!.forecastId)?.name}`).join(" · ")})
            {persistence ? ", with persistence" : ""}.
          </p>
          <div className="toolbar">
            {picker.controls}
          </div>
          <div data-testid="compare-score-curves" style={{ display: "grid", gridTemplateColumns: "repeat(auto-fill, minmax(460px, 1fr))", gap: 12 }}>
            {picker.variables.map((v) => (
              <div className="card" key={`${v.variable}|${v.level}`} data-testid="compare-score-chart" data-variable={variableLabel(v.variable, v.level)}>
                <CurvesWithTable testId="compare-score-table" sel={{ scoreRunIds: ids, score: picker.score, variable: v.variable, level: v.level, region: picker.region, inflation: "ar2" }} />
              </div>
            ))}
          </div>
        </>
      )}
      <h2>Scorecard: {labels[1] ?? "B"} vs {labels[0] ?? "A"}</h2>
      {a && b ? <StoryScorecard experiment={b.scoreRunId} reference={a.scoreRunId} testId="compare-scorecard" /> : <p className="muted">Needs a scored forecast from each of the first two runs.</p>}
      {a && b && fa ? (
        <p>
          <Link
            data-testid="compare-maps-link"
            href={forecastMapHref(
              { forecastId: a.forecastId, truth: truth?.truthDatasetId ?? truth?.truthPath ?? fa.sourceDataset, variable: picker.variable?.variable ?? fa.variables[0], initTime: truth?.firstInit, leadHours: fa.leadTimesHours[0] },
              { forecastId: b.forecastId },
            )}
          >
            Open the two forecasts in synchronised maps
          </Link>
        </p>
      ) : null}
    </>
  );
}
