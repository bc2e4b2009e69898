"use client";

import { legendStops, toDisplay, type ColourScale, type UnitConversion } from "@/lib/maps";

function fmt(v: number): string {
  const a = Math.abs(v);
  if (a !== 0 && (a < 0.01 || a >= 1e5)) return v.toExponential(1);
  return a >= 100 ? v.toFixed(0) : a >= 10 ? v.toFixed(1).replace(/\.0$/, "") : v.toFixed(2).replace(/\.?0+$/, "");
}

/** Horizontal colour bar with tick labels in display units. */
export function ColourBar({ scale, conversion, title }: { scale: ColourScale; conversion: UnitConversion; title: string }) {
  const stops = legendStops(scale, 64);
  const stepped = scale.steps > 0 || scale.levels.length > 0;
  const ticks = stepped ? stops.map((s) => s.from).slice(1) : [0, 0.25, 0.5, 0.75, 1].map((t) => scale.min + t * (scale.max - scale.min));
  const every = Math.max(1, Math.ceil(ticks.length / 9));
  const pos = (i: number) => (stepped ? ((i + 1) / stops.length) * 100 : i * 25);
  return (
    <div className="colour-bar" data-testid="colour-bar">
      <div className="colour-bar-title">
        {title} <span className="muted">[{conversion.label}]</span>
      </div>
      <div className="colour-bar-ramp">
        {stops.map((s, i) => (
          <span key={i} style={{ background: s.rgba[3] === 0 ? "transparent" : `rgb(${s.rgba[0]},${s.rgba[1]},${s.rgba[2]})` }} />
        ))}
      </div>
      <div className="colour-bar-ticks">
        {ticks.map((t, i) =>
          i % every === 0 ? (
            <span key={i} style={{ left: `${pos(i)}%` }}>
              {fmt(toDisplay(t, conversion))}
            </span>
          ) : null,
        )}
      </div>
    </div>
  );
}
