"use client";

import { forwardRef, useState } from "react";
import type { RouterOutputs } from "@/server/trpc/router";
import { variableLabel } from "./score-chart";

export type ScorecardData = RouterOutputs["verification"]["scorecard"];
export type ScorecardRowData = ScorecardData["rows"][number];
export type ScorecardCellData = ScorecardRowData["cells"][number];
export type Layout = "ecmwf" | "wb2";

/** WB2 colour bins −6…6 (negative = better): blues, grey, reds. */
const BLUES = ["#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"];
const REDS = ["#fee0d2", "#fcbba1", "#fc9272", "#fb6a4a", "#de2d26", "#a50f15"];
export function binColour(bin: number | null): string {
  if (bin === null) return "#ffffff";
  if (bin === 0) return "#e6e6e6";
  return bin < 0 ? BLUES[Math.min(6, -bin) - 1] : REDS[Math.min(6, bin) - 1];
}
const GREEN = "#1a9641";
const RED = "#d7191c";

const CELL_W = 34;
const CELL_H = 22;
const LABEL_W = 250;
const HEAD_H = 46;

function fmt(v: number | null, digits = 4): string {
  if (v === null) return "–";
  const a = Math.abs(v);
  return a !== 0 && (a >= 1e5 || a < 1e-3) ? v.toExponential(2) : Number(v.toPrecision(digits)).toString();
}

export function cellSummary(row: ScorecardRowData, c: ScorecardCellData): string {
  return [
    `${row.region} · ${row.score} · ${variableLabel(row.variable, row.level)} · day ${c.leadHours / 24} (${c.leadHours} h)`,
    `experiment ${fmt(c.experiment)}  reference ${fmt(c.reference)}`,
    `Δ ${fmt(c.relativeDifferencePercent, 3)} %  (bin ${c.colourBin ?? "–"})`,
    `mean difference ${fmt(c.diffMean)}  95 % CI [${fmt(c.lower95)}, ${fmt(c.upper95)}]`,
    `p = ${fmt(c.pValue, 3)}  n = ${c.n}  ${c.verdict}${c.significanceLevel ? ` at ${c.significanceLevel * 100} %` : ""}`,
  ].join("\n");
}

function EcmwfSymbol({ c, x, y }: { c: ScorecardCellData; x: number; y: number }) {
  const cx = x + CELL_W / 2;
  const cy = y + CELL_H / 2;
  if (c.verdict === "neutral" || c.significanceLevel === null) {
    // not significant: a shaded box, tinted by the sign of the mean difference
    const better = c.colourBin !== null && c.colourBin < 0;
    const worse = c.colourBin !== null && c.colourBin > 0;
    return <rect x={x + 3} y={y + 3} width={CELL_W - 6} height={CELL_H - 6} fill={better ? "#cfe8d5" : worse ? "#f6d2d2" : "#e6e6e6"} data-symbol="shaded" />;
  }
  const large = c.significanceLevel >= 0.997;
  const s = large ? 8 : 5;
  const up = c.verdict === "better";
  const pts = up ? `${cx},${cy - s} ${cx - s},${cy + s * 0.8} ${cx + s},${cy + s * 0.8}` : `${cx},${cy + s} ${cx - s},${cy - s * 0.8} ${cx + s},${cy - s * 0.8}`;
  return <polygon points={pts} fill={up ? GREEN : RED} data-symbol={`${up ? "up" : "down"}-${large ? "large" : "small"}`} />;
}

export type ScorecardViewProps = {
  card: ScorecardData;
  layout: Layout;
  onCellClick?: (row: ScorecardRowData, c: ScorecardCellData) => void;
};

/** The scorecard as one SVG (so it exports as SVG/PNG as drawn). */
export const ScorecardView = forwardRef<SVGSVGElement, ScorecardViewProps>(function ScorecardView({ card, layout, onCellClick }, ref) {
  const [hover, setHover] = useState<{ row: ScorecardRowData; c: ScorecardCellData; x: number; y: number } | null>(null);
  const leads = card.leadTimesHours;
  const width = LABEL_W + leads.length * CELL_W + 10;
  // group rows by region (header line per region)
  const lines: ({ kind: "region"; region: string } | { kind: "row"; row: ScorecardRowData })[] = [];
  let last = "";
  for (const r of card.rows) {
    if (r.region !== last) lines.push({ kind: "region", region: r.region });
    last = r.region;
    lines.push({ kind: "row", row: r });
  }
  const height = HEAD_H + lines.length * CELL_H + 60;
  const legendY = HEAD_H + lines.length * CELL_H + 14;
  return (
    <div style={{ position: "relative", display: "inline-block" }} onMouseLeave={() => setHover(null)}>
      <svg ref={ref} xmlns="http://www.w3.org/2000/svg" width={width} height={height} data-testid={`scorecard-${layout}`} style={{ background: "#fff", fontFamily: "system-ui, sans-serif", fontSize: 12 }}>
        <rect x={0} y={0} width={width} height={height} fill="#fff" />
        <text x={6} y={16} fontWeight={600}>
          {card.experiment.name} vs {card.reference.name}
        </text>
        <text x={6} y={32} fill="#5b6675" fontSize={11}>
          {layout === "ecmwf" ? "▲/▼ large 99.7 %, small 95 %; shaded: not significant" : "relative difference %, blue = better"} · {card.inflation.toUpperCase()}
        </text>
        {leads.map((h, k) => (
          <text key={h} x={LABEL_W + k * CELL_W + CELL_W / 2} y={HEAD_H - 4} textAnchor="middle" fill="#5b6675" fontSize={11}>
            {h % 24 === 0 ? `d${h / 24}` : `${h}h`}
          </text>
        ))}
        {lines.map((ln, i) => {
          const y = HEAD_H + i * CELL_H;
          if (ln.kind === "region")
            return (
              <text key={`r-${ln.region}-${i}`} x={6} y={y + 15} fontWeight={700}>
                {ln.region}
              </text>
            );
          const row = ln.row;
          return (
            <g key={`${row.region}|${row.score}|${row.variable}|${row.level}`} data-row={`${row.region}|${row.score}|${row.variable}|${row.level}`}>
              <text x={18} y={y + 15}>
                {row.score} · {variableLabel(row.variable, row.level)}
              </text>
              {leads.map((h, k) => {
                const c = row.cells.find((cc) => cc.leadHours === h);
                const x = LABEL_W + k * CELL_W;
                if (!c) return <rect key={h} x={x} y={y} width={CELL_W} height={CELL_H} fill="#fafafa" stroke="#eee" />;
                return (
                  <g
                    key={h}
                    data-testid="scorecard-cell"
                    data-cell={`${row.region}|${row.score}|${row.variable}|${row.level}|${h}`}
                    data-verdict={c.verdict}
                    data-experiment={c.experiment ?? ""}
                    data-reference={c.reference ?? ""}
                    data-relative-difference={c.relativeDifferencePercent ?? ""}
                    data-n={c.n}
                    style={{ cursor: "pointer" }}
                    onMouseEnter={() => setHover({ row, c, x: x + CELL_W, y: y + CELL_H })}
                    onClick={() => onCellClick?.(row, c)}
                  >
                    <title>{cellSummary(row, c)}</title>
                    <rect x={x} y={y} width={CELL_W} height={CELL_H} fill={layout === "wb2" ? binColour(c.colourBin) : "#fff"} stroke="#dde2e8" />
                    {layout === "ecmwf" ? (
                      <EcmwfSymbol c={c} x={x} y={y} />
                    ) : (
                      <text x={x + CELL_W / 2} y={y + 15} textAnchor="middle" fontSize={10} fill={c.colourBin !== null && Math.abs(c.colourBin) >= 5 ? "#fff" : "#222"}>
                        {c.relativeDifferencePercent === null ? "–" : Math.abs(c.relativeDifferencePercent) >= 100 ? Math.round(c.relativeDifferencePercent) : c.relativeDifferencePercent.toFixed(1)}
                      </text>
                    )}
                  </g>
                );
              })}
            </g>
          );
        })}
        {layout === "wb2" ? (
          <g>
            {[-6, -5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6].map((b, k) => (
              <g key={b}>
                <rect x={LABEL_W + k * 26} y={legendY} width={26} height={12} fill={binColour(b)} />
              </g>
            ))}
            {["-50", "-20", "-10", "-5", "-2", "-1", "1", "2", "5", "10", "20", "50"].map((e, k) => (
              <text key={e} x={LABEL_W + (k + 1) * 26} y={legendY + 26} textAnchor="middle" fontSize={9} fill="#5b6675">
                {e}
              </text>
            ))}
          </g>
        ) : (
          <g fontSize={11} fill="#5b6675">
            <polygon points={`${LABEL_W},${legendY + 12} ${LABEL_W + 8},${legendY} ${LABEL_W + 16},${legendY + 12}`} fill={GREEN} />
            <text x={LABEL_W + 20} y={legendY + 11}>better</text>
            <polygon points={`${LABEL_W + 80},${legendY} ${LABEL_W + 88},${legendY + 12} ${LABEL_W + 96},${legendY}`} fill={RED} />
            <text x={LABEL_W + 100} y={legendY + 11}>worse</text>
            <rect x={LABEL_W + 160} y={legendY} width={14} height={12} fill="#e6e6e6" />
            <text x={LABEL_W + 178} y={legendY + 11}>not significant</text>
          </g>
        )}
      </svg>
      {hover ? (
        <div data-testid="scorecard-tooltip" className="scorecard-tooltip" style={{ position: "absolute", left: Math.min(hover.x + 4, width - 120), top: hover.y + 4, background: "#fff", border: "1px solid #c9d1db", borderRadius: 4, padding: "6px 8px", fontSize: 12, whiteSpace: "pre", pointerEvents: "none", boxShadow: "0 2px 6px rgba(0,0,0,.15)", zIndex: 10 }}>
          {cellSummary(hover.row, hover.c)}
        </div>
      ) : null}
    </div>
  );
});
