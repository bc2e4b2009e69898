"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useRef, useState } from "react";
import { useTRPC } from "@/components/trpc";
import { scorecardCellMapUrl } from "@/lib/maps/map-url";
import { downloadBlob, svgText, svgToPng } from "./download";
import { ScorecardRowChart } from "./score-chart";
import { ScorecardView, type Layout, type ScorecardCellData, type ScorecardRowData } from "./scorecard-view";

type Inflation = "iid" | "ar1" | "ar2";

export function ScorecardsPage() {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const runs = useQuery(trpc.verification.scoreRuns.queryOptions());
  // The choice of experiment, reference, layout and inflation lives in the URL
  // (?exp=&ref=&layout=&inflation=), so a scorecard can be linked to and shared.
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const setParam = (key: string, value: string) => {
    // read the address bar, not the render-time params: two quick changes must both stick
    const next = new URLSearchParams(window.location.search);
    if (value) next.set(key, value);
    else next.delete(key);
    router.replace(`${pathname}${next.size ? `?${next}` : ""}`, { scroll: false });
  };
  const exp = params.get("exp") ?? "";
  const ref = params.get("ref") ?? "";
  const layout: Layout = params.get("layout") === "wb2" ? "wb2" : "ecmwf";
  const inflationParam = params.get("inflation");
  const inflation: Inflation = inflationParam === "iid" || inflationParam === "ar1" ? inflationParam : "ar2";
  const setExp = (v: string) => setParam("exp", v);
  const setRef = (v: string) => setParam("ref", v);
  const setLayout = (v: Layout) => setParam("layout", v === "ecmwf" ? "" : v);
  const setInflation = (v: Inflation) => setParam("inflation", v === "ar2" ? "" : v);
  const [picked, setPicked] = useState<{ row: ScorecardRowData; c: ScorecardCellData } | null>(null);
  const [exportError, setExportError] = useState<string | null>(null);
  const svgRef = useRef<SVGSVGElement>(null);

  const list = runs.data ?? [];
  // defaults: the reference is a persistence run if there is one, the experiment another run on the same truth
  const refId = ref || list.find((r) => r.forecastKind === "persistence")?.id || list[1]?.id || "";
  const refRun = list.find((r) => r.id === refId);
  const expId = exp || list.find((r) => r.id !== refId && (!refRun || r.truthPath === refRun.truthPath))?.id || "";
  const enabled = !!expId && !!refId && expId !== refId;
  const input = { experimentScoreRunId: expId, referenceScoreRunId: refId, inflation };
  const card = useQuery({ ...trpc.verification.scorecard.queryOptions(input), enabled });

  const label = (r: (typeof list)[number]) => `${r.forecastName} (${r.forecastKind}${r.members > 1 ? `, ${r.members} members` : ""}) · ${r.truthPath.split("/").pop()}`;

  async function exportAs(kind: "csv" | "svg" | "png") {
    setExportError(null);
    try {
      if (kind === "csv") {
        const text = await qc.fetchQuery(trpc.verification.scorecardCsv.queryOptions(input));
        downloadBlob(new Blob([text], { type: "text/csv" }), "scorecard.csv");
      } else if (svgRef.current) {
        if (kind === "svg") downloadBlob(new Blob([svgText(svgRef.current)], { type: "image/svg+xml" }), `scorecard-${layout}.svg`);
        else downloadBlob(await svgToPng(svgRef.current), `scorecard-${layout}.png`);
      }
    } catch (e) {
      setExportError(e instanceof Error ? e.message : String(e));
    }
  }

  return (
    <>
      <h1>Scorecards</h1>
      <p className="muted">An experiment against a reference over their common init times: paired differences per region, score, variable and lead time, tested with a Student t-test (df = n − 1) inflated for autocorrelation.</p>
      {runs.error ? <div className="error-box">{runs.error.message}</div> : null}
      {runs.data && list.length < 2 ? <p className="muted">Scorecards need at least two score runs: score two forecasts with <span className="mono">isobar score</span>.</p> : null}
      {list.length >= 2 ? (
        <div className="toolbar" style={{ display: "flex", gap: 12, flexWrap: "wrap", alignItems: "center", marginBottom: 12 }}>
          <label>
            Experiment{" "}
            <select data-testid="scorecard-experiment" value={expId} onChange={(e) => { setExp(e.target.value); setPicked(null); }}>
              {list.map((r) => <option key={r.id} value={r.id}>{label(r)}</option>)}
            </select>
          </label>
          <label>
            Reference{" "}
            <select data-testid="scorecard-reference" value={refId} onChange={(e) => { setRef(e.target.value); setPicked(null); }}>
              {list.map((r) => <option key={r.id} value={r.id}>{label(r)}</option>)}
            </select>
          </label>
          <label>
            Layout{" "}
            <select data-testid="scorecard-layout" value={layout} onChange={(e) => setLayout(e.target.value as Layout)}>
              <option value="ecmwf">ECMWF (symbols)</option>
              <option value="wb2">WeatherBench 2 (relative %)</option>
            </select>
          </label>
          <label>
            Inflation{" "}
            <select data-testid="scorecard-inflation" value={inflation} onChange={(e) => setInflation(e.target.value as Inflation)}>
              <option value="ar2">AR(2) (Geer)</option>
              <option value="ar1">AR(1)</option>
              <option value="iid">IID</option>
            </select>
          </label>
          <button type="button" onClick={() => void exportAs("csv")} disabled={!card.data}>CSV</button>
          <button type="button" onClick={() => void exportAs("svg")} disabled={!card.data}>SVG</button>
          <button type="button" onClick={() => void exportAs("png")} disabled={!card.data}>PNG</button>
        </div>
      ) : null}
      {exportError ? <div className="error-box">{exportError}</div> : null}
      {expId && expId === refId ? <div className="error-box">Pick two different score runs.</div> : null}
      {card.error ? <div className="error-box">{card.error.message}</div> : null}
      {card.data && !card.data.sameTruth ? <p className="muted">Note: the two runs were scored against different truth datasets.</p> : null}
      {card.data && card.data.rows.length === 0 ? <p className="muted">No common statistics (variables, regions or lead times) to compare.</p> : null}
      {card.data && card.data.rows.length > 0 ? (
        <div style={{ overflowX: "auto" }}>
          <ScorecardView ref={svgRef} card={card.data} layout={layout} onCellClick={(row, c) => setPicked({ row, c })} />
        </div>
      ) : null}
      {picked && card.data ? (
        <div className="card" style={{ marginTop: 12 }}>
          {(() => {
            const e = list.find((r) => r.id === card.data.experiment.scoreRunId);
            const r = list.find((x) => x.id === card.data.reference.scoreRunId);
            if (!e || !r) return null;
            const href = scorecardCellMapUrl({ experiment: e.forecastId, reference: r.forecastId, variable: picked.row.variable, level: picked.row.level, leadHours: picked.c.leadHours, region: picked.row.region, truth: e.truthPath });
            return (
              <p>
                <a href={href} data-testid="scorecard-open-map">
                  Open on map
                </a>{" "}
                <span className="muted">: the error of the experiment and of the reference at this variable and lead time, side by side</span>
              </p>
            );
          })()}
          <ScorecardRowChart experimentScoreRunId={card.data.experiment.scoreRunId} referenceScoreRunId={card.data.reference.scoreRunId} row={picked.row} inflation={inflation} />
        </div>
      ) : null}
    </>
  );
}
