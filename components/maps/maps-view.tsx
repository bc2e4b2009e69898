"use client";

import { useSearchParams } from "next/navigation";
import { useEffect, useMemo, useState } from "react";
import { z } from "zod";
import {
  colourScale,
  colourScaleFor,
  DIFFERENCE_STYLE,
  finiteRange,
  PALETTES,
  PaletteSchema,
  sampleMapGrid,
  toDisplay,
  unitConversion,
  unitConversions,
  variableStyle,
  type ColourScale,
  type DatasetMeta,
  type MapGrid,
  type UnitConversion,
} from "@/lib/maps";
import { ColourBar } from "./colour-bar";
import { inTextureOrder, useDatasetMeta, useField, useMapGrid, usePrefetch, type FieldRequest, type LoadedField } from "./field-data";
import { MapPanel, type PanelField, type SharedViewState } from "./map-panel";
import "./maps.css";

/** The whole map state lives in the URL (`/maps?dataset=…&variable=…`), so any view can be shared. */
const PanelKind = z.enum(["a", "b", "a-b"]);
type PanelKind = z.infer<typeof PanelKind>;
const UrlStateSchema = z.object({
  dataset: z.string().default(""),
  variable: z.string().default(""),
  date: z.string().default(""),
  palette: PaletteSchema.optional().catch(undefined),
  units: z.string().optional(),
  view: z.enum(["map", "globe"]).catch("map"),
  panels: z
    .string()
    .default("a")
    .transform((s) => s.split(",").map((p) => PanelKind.safeParse(p.trim())).filter((r) => r.success).map((r) => r.data).slice(0, 4))
    .transform((a) => (a.length ? a : (["a"] as PanelKind[]))),
  other: z.string().optional(),
  otherDate: z.string().optional(),
  swipe: z.enum(["0", "1"]).catch("0"),
  overlays: z.enum(["on", "none"]).catch("on"),
  lon: z.coerce.number().min(-180).max(180).catch(0),
  lat: z.coerce.number().min(-85).max(85).catch(20),
  zoom: z.coerce.number().min(0).max(20).catch(0.6),
});
type UrlState = z.infer<typeof UrlStateSchema>;

function toQuery(s: UrlState, vs: SharedViewState): string {
  const q = new URLSearchParams();
  q.set("dataset", s.dataset);
  if (s.variable) q.set("variable", s.variable);
  if (s.date) q.set("date", s.date);
  if (s.palette) q.set("palette", s.palette);
  if (s.units) q.set("units", s.units);
  if (s.view !== "map") q.set("view", s.view);
  if (s.panels.join(",") !== "a") q.set("panels", s.panels.join(","));
  if (s.other) q.set("other", s.other);
  if (s.otherDate) q.set("otherDate", s.otherDate);
  if (s.swipe === "1") q.set("swipe", "1");
  if (s.overlays !== "on") q.set("overlays", s.overlays);
  q.set("lon", vs.longitude.toFixed(2));
  q.set("lat", vs.latitude.toFixed(2));
  q.set("zoom", vs.zoom.toFixed(2));
  return q.toString();
}

const LAYOUTS: { label: string; panels: PanelKind[]; swipe?: boolean }[] = [
  { label: "single", panels: ["a"] },
  { label: "side by side", panels: ["a", "b"] },
  { label: "field | other | difference", panels: ["a", "b", "a-b"] },
  { label: "four panels", panels: ["a", "b", "a-b", "a"] },
  { label: "swipe", panels: ["a"], swipe: true },
];

function fmtValue(v: number, c: UnitConversion): string {
  if (!Number.isFinite(v)) return "—";
  const d = toDisplay(v, c);
  const a = Math.abs(d);
  return `${a >= 1000 ? d.toFixed(0) : a >= 10 ? d.toFixed(1) : a >= 0.01 || a === 0 ? d.toFixed(2) : d.toExponential(2)} ${c.label}`;
}

function fmtLatLon(lat: number, lon: number): string {
  const w = ((((lon + 180) % 360) + 360) % 360) - 180;
  return `${Math.abs(lat).toFixed(2)}°${lat >= 0 ? "N" : "S"} ${Math.abs(w).toFixed(2)}°${w >= 0 ? "E" : "W"}`;
}

function nearestDateIndex(meta: DatasetMeta, date: string): number {
  if (!date) return 0;
  if (/^\d+$/.test(date)) return Math.min(meta.dates.length - 1, Number(date));
  const t = Date.parse(/Z$/.test(date) ? date : `${date}Z`);
  const i = meta.dates.findIndex((d) => Date.parse(d) === t);
  return i >= 0 ? i : 0;
}

type Resolved = { request: FieldRequest | null; error: string | null };

export default function MapsView() {
  const params = useSearchParams();
  const initial = useMemo(() => UrlStateSchema.parse(Object.fromEntries(params.entries())), [params]);
  const [state, setState] = useState<UrlState>(initial);
  const [viewState, setViewState] = useState<SharedViewState>({ longitude: initial.lon, latitude: initial.lat, zoom: initial.zoom });
  const [probe, setProbe] = useState<{ lat: number; lon: number } | null>(null);
  const [playing, setPlaying] = useState(false);
  const [swipeAt, setSwipeAt] = useState(0.5);
  const [datasetInput, setDatasetInput] = useState(initial.dataset);
  const set = (patch: Partial<UrlState>) => setState((s) => ({ ...s, ...patch }));

  // Keep the URL in step (replaceState: no navigation, debounced while panning).
  useEffect(() => {
    const t = setTimeout(() => window.history.replaceState(null, "", `/maps?${toQuery(state, viewState)}`), 250);
    return () => clearTimeout(t);
  }, [state, viewState]);

  const metaA = useDatasetMeta(state.dataset || null);
  const otherDataset = state.other || state.dataset;
  const metaB = useDatasetMeta(otherDataset || null);
  const meta = metaA.data;
  const gridQ = useMapGrid(meta?.gridId);
  const mapGrid = gridQ.data;

  const variable = meta ? (meta.variables.some((v) => v.name === state.variable) || meta.derived.includes(state.variable) ? state.variable : (meta.variables.find((v) => v.name === "2t") ?? meta.variables[0])?.name ?? "") : state.variable;
  const dateIdx = meta ? nearestDateIndex(meta, state.date) : 0;
  const date = meta?.dates[dateIdx] ?? "";
  const needsB = state.panels.includes("b") || state.panels.includes("a-b") || state.swipe === "1";

  const reqA: FieldRequest | null = meta && variable ? { dataset: state.dataset, variable, date } : null;
  const resolvedB: Resolved = useMemo(() => {
    if (!needsB || !meta || !variable) return { request: null, error: null };
    const mb = metaB.data;
    if (!mb) return { request: null, error: metaB.error ? metaB.error.message : null };
    if (mb.gridId !== meta.gridId) return { request: null, error: `cannot compare: grids differ (${meta.gridId} vs ${mb.gridId})` };
    if (!mb.variables.some((v) => v.name === variable) && !mb.derived.includes(variable)) return { request: null, error: `${variable} is not in ${otherDataset}` };
    let bDate: string;
    if (state.otherDate) {
      const i = nearestDateIndex(mb, state.otherDate);
      bDate = mb.dates[i];
    } else if (state.other && state.other !== state.dataset) {
      if (!mb.dates.includes(date)) return { request: null, error: `cannot compare: ${date} is not a date of ${state.other}` };
      bDate = date;
    } else {
      bDate = mb.dates[Math.min(mb.dates.length - 1, dateIdx + 1)];
    }
    return { request: { dataset: otherDataset, variable, date: bDate }, error: null };
  }, [needsB, meta, metaB.data, metaB.error, variable, state.otherDate, state.other, state.dataset, otherDataset, date, dateIdx]);

  const fieldA = useField(reqA);
  const fieldB = useField(resolvedB.request);

  // Prefetch neighbouring steps (and the other field's) so the slider and animation are instant.
  const prefetch = usePrefetch();
  useEffect(() => {
    if (!meta || !mapGrid || !variable) return;
    for (const d of [1, -1, 2]) {
      const i = dateIdx + d;
      if (i < 0 || i >= meta.dates.length) continue;
      prefetch({ dataset: state.dataset, variable, date: meta.dates[i] });
    }
  }, [meta, mapGrid, variable, dateIdx, state.dataset, prefetch]);

  // Animation.
  useEffect(() => {
    if (!playing || !meta) return;
    const t = setInterval(() => {
      setState((s) => {
        const i = nearestDateIndex(meta, s.date);
        return { ...s, date: meta.dates[(i + 1) % meta.dates.length] };
      });
    }, 700);
    return () => clearInterval(t);
  }, [playing, meta]);

  const units = meta?.variables.find((v) => v.name === variable)?.units ?? (variable.startsWith("ws") ? "m s**-1" : "");
  const conversion = unitConversion(units, state.units);
  const diffConversion = unitConversion(units, state.units, true);
  const style = variableStyle(variable);

  // Fields with their values in the map grid's texture order (HEALPix nested → ring).
  const a = useMemo(() => (fieldA.data && mapGrid ? { ...fieldA.data, values: inTextureOrder(fieldA.data, mapGrid) } : undefined), [fieldA.data, mapGrid]);
  const b = useMemo(() => (fieldB.data && mapGrid ? { ...fieldB.data, values: inTextureOrder(fieldB.data, mapGrid) } : undefined), [fieldB.data, mapGrid]);
  const scaleAB = useMemo<{ scale: ColourScale; contour: number } | null>(() => {
    if (!a) return null;
    const hb = b?.header;
    const lo = Math.min(a.header.min ?? Infinity, hb?.min ?? Infinity);
    const hi = Math.max(a.header.max ?? -Infinity, hb?.max ?? -Infinity);
    const s = colourScaleFor(style, { min: Number.isFinite(lo) ? lo : null, max: Number.isFinite(hi) ? hi : null, conversion, palette: state.palette });
    return { scale: colourScale(s), contour: s.contour ?? 0 };
  }, [a, b, style, conversion, state.palette]);
  const diffValues = useMemo(() => {
    if (!a || !b) return null;
    const d = new Float32Array(a.values.length);
    for (let i = 0; i < d.length; i++) d[i] = a.values[i] - b.values[i];
    return d;
  }, [a, b]);
  const scaleDiff = useMemo(() => {
    if (!diffValues) return null;
    const r = finiteRange(diffValues);
    const s = colourScaleFor(DIFFERENCE_STYLE, { min: Number.isFinite(r.min) ? r.min : null, max: Number.isFinite(r.max) ? r.max : null, conversion: diffConversion, difference: true });
    return colourScale(s);
  }, [diffValues, diffConversion]);

  const keyOf = (f: LoadedField | undefined, r: FieldRequest | null) => (f && r ? `${r.dataset}|${r.variable}|${r.date}` : "");
  const panelField = (kind: PanelKind): PanelField | null => {
    if (!mapGrid || !scaleAB) return null;
    if (kind === "a" && a) return { key: `a|${keyOf(a, reqA)}|${state.palette ?? ""}`, mapGrid, values: a.values, scale: scaleAB.scale, contour: scaleAB.contour };
    if (kind === "b" && b) return { key: `b|${keyOf(b, resolvedB.request)}|${state.palette ?? ""}`, mapGrid, values: b.values, scale: scaleAB.scale, contour: scaleAB.contour };
    if (kind === "a-b" && a && b && scaleDiff) return { key: `d|${keyOf(a, reqA)}|${keyOf(b, resolvedB.request)}`, mapGrid, values: a.values, valuesB: b.values, scale: scaleDiff };
    return null;
  };

  const probeText = (kind: PanelKind, mg: MapGrid | undefined): string => {
    if (!probe || !mg) return "";
    const values = kind === "a" ? a?.values : kind === "b" ? b?.values : diffValues;
    if (!values) return "";
    const v = sampleMapGrid(mg, values, probe.lat, probe.lon);
    return `${fmtValue(v, kind === "a-b" ? diffConversion : conversion)} at ${fmtLatLon(probe.lat, probe.lon)}`;
  };

  const title = (kind: PanelKind): string => {
    const rb = resolvedB.request;
    if (kind === "a") return `${variable} · ${date.replace(":00:00Z", "Z")} · ${meta?.name ?? state.dataset}`;
    if (kind === "b") return rb ? `${variable} · ${rb.date.replace(":00:00Z", "Z")} · ${metaB.data?.name ?? rb.dataset}` : "other";
    return rb ? `difference (left − middle)` : "difference";
  };

  const error = metaA.error?.message ?? gridQ.error?.message ?? fieldA.error?.message ?? null;
  const errorB = resolvedB.error ?? fieldB.error?.message ?? null;
  const panels = state.swipe === "1" ? (["a"] as PanelKind[]) : state.panels;
  const layoutLabel = state.swipe === "1" ? "swipe" : (LAYOUTS.find((l) => !l.swipe && l.panels.join(",") === state.panels.join(","))?.label ?? "custom");
  const palette = state.palette ?? "";

  return (
    <>
      <h1>Maps</h1>
      <form
        className="maps-toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          set({ dataset: datasetInput.trim(), variable: "", date: "" });
        }}
      >
        <label>
          Dataset
          <input type="text" aria-label="Dataset" value={datasetInput} placeholder="path/to/dataset.zarr or dataset id" onChange={(e) => setDatasetInput(e.target.value)} />
        </label>
        <button type="submit">Open</button>
        {meta ? (
          <>
            <label>
              Variable
              <select aria-label="Variable" value={variable} onChange={(e) => set({ variable: e.target.value, units: undefined })}>
                {meta.variables.map((v) => (
                  <option key={v.name} value={v.name}>
                    {v.name}
                    {v.longName ? ` — ${v.longName}` : ""}
                  </option>
                ))}
                {meta.derived.map((v) => (
                  <option key={v} value={v}>
                    {v} — wind speed (derived)
                  </option>
                ))}
              </select>
            </label>
            <label>
              Palette
              <select aria-label="Palette" value={palette} onChange={(e) => set({ palette: e.target.value ? PaletteSchema.parse(e.target.value) : undefined })}>
                <option value="">default</option>
                {PALETTES.map((p) => (
                  <option key={p} value={p}>
                    {p}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Units
              <select aria-label="Units" value={conversion.units} onChange={(e) => set({ units: e.target.value })}>
                {unitConversions(units).map((c) => (
                  <option key={c.units} value={c.units}>
                    {c.label}
                  </option>
                ))}
              </select>
            </label>
            <label>
              View
              <select aria-label="View" value={state.view} onChange={(e) => set({ view: e.target.value === "globe" ? "globe" : "map" })}>
                <option value="map">map</option>
                <option value="globe">globe</option>
              </select>
            </label>
            <label>
              Layout
              <select
                aria-label="Layout"
                value={layoutLabel}
                onChange={(e) => {
                  const l = LAYOUTS.find((x) => x.label === e.target.value);
                  if (l) set({ panels: l.panels, swipe: l.swipe ? "1" : "0" });
                }}
              >
                {LAYOUTS.map((l) => (
                  <option key={l.label} value={l.label}>
                    {l.label}
                  </option>
                ))}
                {layoutLabel === "custom" ? <option value="custom">custom</option> : null}
              </select>
            </label>
            {needsB ? (
              <>
                <label>
                  Other dataset
                  <input type="text" aria-label="Other dataset" defaultValue={state.other ?? ""} placeholder="same dataset" onBlur={(e) => set({ other: e.target.value.trim() || undefined })} />
                </label>
                <label>
                  Other date
                  <select aria-label="Other date" value={state.otherDate ?? ""} onChange={(e) => set({ otherDate: e.target.value || undefined })}>
                    <option value="">{state.other ? "same date" : "next date"}</option>
                    {(metaB.data?.dates ?? []).map((d) => (
                      <option key={d} value={d}>
                        {d}
                      </option>
                    ))}
                  </select>
                </label>
              </>
            ) : null}
          </>
        ) : null}
      </form>
      {meta ? (
        <div className="maps-time">
          <button type="button" aria-label="Previous date" onClick={() => set({ date: meta.dates[Math.max(0, dateIdx - 1)] })}>
            ◀
          </button>
          <button type="button" aria-label={playing ? "Pause" : "Play"} onClick={() => setPlaying((p) => !p)}>
            {playing ? "❚❚" : "▶"}
          </button>
          <button type="button" aria-label="Next date" onClick={() => set({ date: meta.dates[Math.min(meta.dates.length - 1, dateIdx + 1)] })}>
            ▶▎
          </button>
          <input type="range" aria-label="Date" min={0} max={meta.dates.length - 1} value={dateIdx} onChange={(e) => set({ date: meta.dates[Number(e.target.value)] })} />
          <span className="mono" data-testid="map-date">
            {date}
          </span>
          <span className="muted">
            {dateIdx + 1}/{meta.dates.length} · grid {meta.gridId} ({meta.size.toLocaleString()} points)
            {a ? ` · ${(a.bytes / 1024).toFixed(0)} KiB in ${a.fetchMs.toFixed(0)} ms` : ""}
          </span>
        </div>
      ) : null}
      {!state.dataset ? <p className="muted">Open a dataset (a path to an anemoi zarr store, relative to ISOBAR_HOME, or a registered dataset id).</p> : null}
      {error ? (
        <div className="error-box" data-testid="maps-error">
          {error}
        </div>
      ) : null}
      {meta && !error ? (
        <div className={`maps-grid n${panels.length}`}>
          {panels.map((kind, i) => {
            const f = panelField(kind);
            const conv = kind === "a-b" ? diffConversion : conversion;
            const scale = kind === "a-b" ? scaleDiff : scaleAB?.scale;
            const swipe = state.swipe === "1";
            const other = swipe ? panelField("b") : null;
            return (
              <div className="maps-cell" key={`${i}-${kind}`}>
                <div className="maps-cell-title" data-testid={`map-title-${i}`}>
                  {swipe ? `${title("a")}  ⟷  ${title("b")}` : title(kind)}
                </div>
                <div className="map-frame">
                  <MapPanel id={String(i)} view={state.view} viewState={viewState} onViewStateChange={setViewState} field={f} overlays={state.overlays === "on"} onProbe={setProbe} />
                  {swipe ? (
                    <>
                      <MapPanel
                        id="swipe"
                        view={state.view}
                        viewState={viewState}
                        onViewStateChange={setViewState}
                        field={other}
                        overlays={state.overlays === "on"}
                        onProbe={setProbe}
                        style={{ clipPath: `inset(0 0 0 ${swipeAt * 100}%)` }}
                      />
                      <div
                        className="map-swipe-handle"
                        style={{ left: `${swipeAt * 100}%` }}
                        onPointerDown={(e) => {
                          const frame = e.currentTarget.parentElement!;
                          e.currentTarget.setPointerCapture(e.pointerId);
                          const move = (ev: PointerEvent) => {
                            const r = frame.getBoundingClientRect();
                            setSwipeAt(Math.min(1, Math.max(0, (ev.clientX - r.left) / r.width)));
                          };
                          const up = () => {
                            window.removeEventListener("pointermove", move);
                            window.removeEventListener("pointerup", up);
                          };
                          window.addEventListener("pointermove", move);
                          window.addEventListener("pointerup", up);
                        }}
                      />
                    </>
                  ) : null}
                </div>
                <div className="map-probe" data-testid={`map-probe-${i}`}>
                  {swipe && probe ? `${probeText("a", mapGrid)}  |  ${probeText("b", mapGrid)}` : probeText(kind, mapGrid)}
                </div>
                {kind !== "a" && errorB ? <div className="error-box">{errorB}</div> : null}
                {scale ? <ColourBar scale={scale} conversion={conv} title={kind === "a-b" ? `${variable} difference` : variable} /> : null}
              </div>
            );
          })}
        </div>
      ) : null}
      {swipeErrorNote(state, errorB)}
    </>
  );
}

function swipeErrorNote(state: UrlState, errorB: string | null) {
  return state.swipe === "1" && errorB ? <div className="error-box">{errorB}</div> : null;
}
