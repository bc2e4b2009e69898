"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { useTRPC } from "@/components/trpc";
import {
  automaticRange,
  colourScale,
  colourScaleFor,
  DIFFERENCE_STYLE,
  finiteRange,
  fitView,
  formatLead,
  MAP_REGION_NAMES,
  mapGridBounds,
  mapUrl,
  PALETTES,
  PaletteSchema,
  parseMapUrl,
  sampleMapGrid,
  toDisplay,
  unitConversion,
  unitConversions,
  variableStyle,
  wb2RegionBounds,
  type Bounds,
  type ColourScale,
  type MapGrid,
  type MapPanelKind,
  type MapUrlState,
  type UnitConversion,
} from "@/lib/maps";
import type { Wb2RegionName } from "@/lib/verification/regions";
import { ColourBar } from "./colour-bar";
import { GraphControls, GraphLegend, graphTitle } from "./graph-legend";
import { useGraphView } from "./graph-data";
import type { GraphOverlay } from "./graph-layer";
import { cachedField, inTextureOrder, prefetchField, useDatasetMeta, useField, useForecastMeta, useMapGrid, usePrefetch, type FieldRequest, type LoadedField } from "./field-data";
import { MapPanel, type PanelField, type SharedViewState } from "./map-panel";
import { Meteogram } from "./meteogram";
import "./maps.css";

/** The whole map state lives in the URL (`/maps?dataset=…&variable=…`), so any view can be shared (lib/maps/map-url.ts). */
type PanelKind = MapPanelKind;
type UrlState = MapUrlState;

function toQuery(s: UrlState, vs: SharedViewState): string {
  return mapUrl({ ...s, lon: vs.longitude, lat: vs.latitude, zoom: vs.zoom }).replace(/^\/maps\??/, "");
}

type Layout = { label: string; panels: PanelKind[]; swipe?: boolean };
const DATASET_LAYOUTS: Layout[] = [
  { label: "single", panels: ["a"] },
  { label: "side by side", panels: ["a", "b"] },
  { label: "field | other | difference", panels: ["a", "b", "a-b"] },
  { label: "four panels", panels: ["a", "b", "a-b", "a"] },
  { label: "swipe", panels: ["a"], swipe: true },
];
const FORECAST_LAYOUTS: Layout[] = [
  { label: "single", panels: ["a"] },
  { label: "forecast | truth | error", panels: ["a", "truth", "err"] },
  { label: "run A | run B | A − B", panels: ["a", "b", "a-b"] },
  { label: "error A | error B", panels: ["err", "errb"] },
  { label: "A | B | error A | error B", panels: ["a", "b", "err", "errb"] },
  { label: "swipe", panels: ["a"], swipe: true },
];

/** Where each panel's values come from: the sources fetched from the field service. */
type Source = "a" | "b" | "truth" | "err" | "errb";
const SOURCES_OF: Record<PanelKind, Source[]> = { a: ["a"], b: ["b"], "a-b": ["a", "b"], truth: ["truth"], err: ["err"], errb: ["errb"] };
const isDiff = (k: PanelKind) => k === "a-b" || k === "err" || k === "errb";

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

function nearestIndex(list: readonly string[], value: string): number {
  if (!value) return 0;
  if (/^\d+$/.test(value)) return Math.min(list.length - 1, Number(value));
  const t = Date.parse(/Z$/.test(value) ? value : `${value}Z`);
  const i = list.findIndex((d) => Date.parse(d) === t);
  return i >= 0 ? i : 0;
}

const isoZ = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");
const short = (iso: string) => iso.replace(":00:00Z", "Z");

type Resolved = { request: FieldRequest | null; error: string | null };
const none: Resolved = { request: null, error: null };

/** How long after a step change its neighbours are prefetched (see the prefetch effect). */
const PREFETCH_DELAY_MS = 150;
/** The same on a fresh page, whose first frame takes the software GPU up to ~1.5 s. */
const FIRST_PREFETCH_DELAY_MS = 1500;
/** The neighbouring steps prefetched (and uploaded ahead by the FieldLayer), nearest first. */
const NEIGHBOURS = [1, -1, 2] as const;

/** Which variable to show: the requested one if offered, else 2t, else the first. */
function pickVariable(meta: { variables: { name: string }[]; derived: string[] } | undefined, wanted: string): string {
  if (!meta) return wanted;
  if (meta.variables.some((v) => v.name === wanted) || meta.derived.includes(wanted)) return wanted;
  return (meta.variables.find((v) => v.name === "2t") ?? meta.variables[0])?.name ?? "";
}

/** Times as the field service writes them (e.g. 2024-01-01T06:00:00Z). */
const ISO_SECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

export default function MapsView() {
  const params = useSearchParams();
  const initial = useMemo(() => parseMapUrl(params), [params]);
  const [state, setState] = useState<UrlState>(initial);
  const [viewState, setViewState] = useState<SharedViewState>({ longitude: initial.lon, latitude: initial.lat, zoom: initial.zoom });
  const [probe, setProbe] = useState<{ lat: number; lon: number } | null>(null);
  const [playing, setPlaying] = useState(false);
  const [swipeAt, setSwipeAt] = useState(0.5);
  const [datasetInput, setDatasetInput] = useState(initial.dataset);
  const [regionChoice, setRegionChoice] = useState(initial.region ?? "");
  const gridRef = useRef<HTMLDivElement>(null);
  const set = (patch: Partial<UrlState>) => setState((s) => ({ ...s, ...patch }));
  const trpc = useTRPC();

  // Keep the URL in step (replaceState: no navigation, debounced while panning).
  useEffect(() => {
    const t = setTimeout(() => window.history.replaceState(null, "", `/maps?${toQuery(state, viewState)}`), 250);
    return () => clearTimeout(t);
  }, [state, viewState]);

  // Cold start: when the URL names the field exactly — times in the metadata's own form
  // (ISO_SECONDS) — request it at once, beside the metadata (the request resolved from the
  // metadata then finds it in the query cache; any other form would download the field twice).
  const queryClient = useQueryClient();
  useEffect(() => {
    const v = params.get("variable");
    if (!v) return;
    if (initial.forecast && initial.init && ISO_SECONDS.test(initial.init) && initial.lead !== undefined)
      void prefetchField(queryClient, { forecast: initial.forecast, variable: v, init: initial.init, lead: String(initial.lead), member: initial.member ?? "0" });
    else if (!initial.forecast && initial.dataset && ISO_SECONDS.test(params.get("date") ?? "")) void prefetchField(queryClient, { dataset: initial.dataset, variable: v, date: initial.date });
    // Once, for the URL the page was opened with.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  const fmode = !!state.forecast;
  const forecastList = useQuery(trpc.verification.forecasts.queryOptions());
  const metaA = useDatasetMeta(!fmode && state.dataset ? state.dataset : null);
  const otherDataset = state.other || state.dataset;
  const metaF = useForecastMeta(state.forecast);
  const metaFB = useForecastMeta(fmode ? state.forecastB : null);
  const fmeta = metaF.data;
  const dmeta = metaA.data;
  const meta = fmode ? fmeta : dmeta;
  const metaB = useDatasetMeta(!fmode && otherDataset ? otherDataset : null);
  const gridQ = useMapGrid(meta?.gridId);
  const mapGrid = gridQ.data;

  const variable = pickVariable(meta, state.variable);
  const panels = useMemo(() => (state.swipe === "1" ? (["a", "b"] as PanelKind[]) : state.panels), [state.swipe, state.panels]);
  const needed = new Set(panels.flatMap((k) => SOURCES_OF[k]));
  const member = state.member ?? "0";

  // Dataset mode: date index and the other field.
  const dateIdx = dmeta ? nearestIndex(dmeta.dates, state.date) : 0;
  const date = dmeta?.dates[dateIdx] ?? "";
  // Forecast mode: init, lead, valid time, truth.
  const initIdx = fmeta ? nearestIndex(fmeta.initTimes, state.init ?? "") : 0;
  const init = fmeta?.initTimes[initIdx] ?? "";
  const leads = fmeta?.leadTimesHours ?? [];
  const leadIdx = Math.max(0, state.lead !== undefined ? leads.indexOf(state.lead) : 0);
  const lead = leads[leadIdx] ?? 0;
  const validOf = (h: number) => (init ? isoZ(Date.parse(init) + h * 3.6e6) : "");
  const valid = validOf(lead);
  const truth = state.truth || fmeta?.sourceDataset || "";

  /** The requests of every source at a lead time (forecast mode) or date index (dataset mode). */
  const requestsAt = (step: number): Record<Source, Resolved> => {
    if (!meta || !variable) return { a: none, b: none, truth: none, err: none, errb: none };
    if (fmode && fmeta) {
      const h = leads[step];
      const base = { variable, init, lead: String(h), member };
      const tr: Record<string, string> = state.truth ? { truth: state.truth } : {};
      const noTruth = "no truth dataset: the forecast does not name its source dataset (set truth=<dataset>)";
      const truthReq: Resolved = truth ? { request: { dataset: truth, variable, date: validOf(h) }, error: null } : { request: null, error: noTruth };
      const needB = "choose a forecast B (run B) for this panel";
      return {
        a: { request: { forecast: state.forecast!, ...base }, error: null },
        b: state.forecastB ? { request: { forecast: state.forecastB, ...base }, error: null } : truthReq,
        truth: truthReq,
        err: truth ? { request: { forecast: state.forecast!, ...base, minus: "truth", ...tr }, error: null } : { request: null, error: noTruth },
        errb: !state.forecastB ? { request: null, error: needB } : truth ? { request: { forecast: state.forecastB, ...base, minus: "truth", truth }, error: null } : { request: null, error: noTruth },
      };
    }
    if (!dmeta) return { a: none, b: none, truth: none, err: none, errb: none };
    const d = dmeta.dates[step];
    const needsForecast: Resolved = { request: null, error: "this panel needs a forecast (choose one above)" };
    let b: Resolved = none;
    const mb = metaB.data;
    if (!mb) b = { request: null, error: metaB.error ? metaB.error.message : null };
    else if (mb.gridId !== dmeta.gridId) b = { request: null, error: `cannot compare: grids differ (${dmeta.gridId} vs ${mb.gridId})` };
    else if (!mb.variables.some((v) => v.name === variable) && !mb.derived.includes(variable)) b = { request: null, error: `${variable} is not in ${otherDataset}` };
    else if (state.otherDate) b = { request: { dataset: otherDataset, variable, date: mb.dates[nearestIndex(mb.dates, state.otherDate)] }, error: null };
    else if (state.other && state.other !== state.dataset) b = mb.dates.includes(d) ? { request: { dataset: otherDataset, variable, date: d }, error: null } : { request: null, error: `cannot compare: ${d} is not a date of ${state.other}` };
    else b = { request: { dataset: otherDataset, variable, date: mb.dates[Math.min(mb.dates.length - 1, step + 1)] }, error: null };
    return { a: { request: { dataset: state.dataset, variable, date: d }, error: null }, b, truth: needsForecast, err: needsForecast, errb: needsForecast };
  };
  const step = fmode ? leadIdx : dateIdx;
  const steps = fmode ? leads.length : (dmeta?.dates.length ?? 0);
  const resolved = requestsAt(step);
  const req = (s: Source) => (needed.has(s) ? resolved[s].request : null);

  const fA = useField(req("a"));
  const fB = useField(req("b"));
  const fT = useField(req("truth"));
  const fE = useField(req("err"));
  const fEB = useField(req("errb"));
  const loaded: Record<Source, { data?: LoadedField; error: Error | null }> = { a: fA, b: fB, truth: fT, err: fE, errb: fEB };

  // Prefetch neighbouring steps of every shown source so the slider and animation are instant.
  const prefetch = usePrefetch();
  const prefetchedOnce = useRef(false);
  const neededKey = [...needed].sort().join(",");
  useEffect(() => {
    if (!meta || !mapGrid || !variable) return;
    // A moment after the step changed, not with it: the server's work for a prefetch and the
    // decoding of its answer would compete for the CPU with drawing the step just shown (under
    // software rendering that frame needs both cores); on a fresh page, after its first frame.
    // Stepping on cancels the pending prefetch.
    const delay = prefetchedOnce.current ? PREFETCH_DELAY_MS : FIRST_PREFETCH_DELAY_MS;
    const timer = setTimeout(() => {
      prefetchedOnce.current = true;
      for (const d of NEIGHBOURS) {
        const i = step + d;
        if (i < 0 || i >= steps) continue;
        const r = requestsAt(i);
        for (const s of neededKey.split(",") as Source[]) {
          const rq = r[s]?.request;
          if (rq && (s === "a" || fmode)) prefetch(rq);
        }
      }
    }, delay);
    return () => clearTimeout(timer);
    // requestsAt is rebuilt every render from the values listed here.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [meta, mapGrid, variable, step, steps, neededKey, fmode, state.forecast, state.forecastB, state.truth, state.dataset, init, member, truth, prefetch]);

  // The prefetched neighbours of panel "a" in texture order, for the FieldLayer to upload while the
  // page is idle (a switch to them then only binds a texture). Read through a stable callback so
  // that their arrival does not rebuild the layers (which would draw a frame).
  const upcomingRef = useRef<() => Float32Array[]>(() => []);
  useEffect(() => {
    upcomingRef.current = () => {
      if (!meta || !mapGrid || !variable) return [];
      const out: Float32Array[] = [];
      for (const d of NEIGHBOURS) {
        const i = step + d;
        const rq = i >= 0 && i < steps ? requestsAt(i).a?.request : null;
        const f = rq ? cachedField(queryClient, rq) : undefined;
        if (f && f.header.gridId === mapGrid.gridId) out.push(inTextureOrder(f, mapGrid));
      }
      return out;
    };
  });
  const upcoming = useCallback(() => upcomingRef.current(), []);

  // Animation over dates or lead times.
  useEffect(() => {
    if (!playing || !meta) return;
    const t = setInterval(() => {
      setState((s) => {
        if (fmode && fmeta) {
          const i = Math.max(0, s.lead !== undefined ? fmeta.leadTimesHours.indexOf(s.lead) : 0);
          return { ...s, lead: fmeta.leadTimesHours[(i + 1) % fmeta.leadTimesHours.length] };
        }
        if (!dmeta) return s;
        const i = nearestIndex(dmeta.dates, s.date);
        return { ...s, date: dmeta.dates[(i + 1) % dmeta.dates.length] };
      });
    }, 700);
    return () => clearInterval(t);
  }, [playing, meta, fmode, fmeta, dmeta]);

  const variableMeta = meta?.variables.find((v) => v.name === variable);
  const units = variableMeta?.units ?? (variable.startsWith("ws") ? "m s**-1" : "");
  const spread = fmode && member === "spread";
  const conversion = unitConversion(units, state.units, spread);
  const diffConversion = unitConversion(units, state.units, true);
  const style = variableStyle(variable);

  // Fields with their values in the map grid's texture order (HEALPix nested → ring).
  const ordered = (f: LoadedField | undefined) => (f && mapGrid && f.header.gridId === mapGrid.gridId ? { ...f, values: inTextureOrder(f, mapGrid) } : undefined);
  const a = useMemo(() => ordered(fA.data), [fA.data, mapGrid]); // eslint-disable-line react-hooks/exhaustive-deps
  const b = useMemo(() => ordered(fB.data), [fB.data, mapGrid]); // eslint-disable-line react-hooks/exhaustive-deps
  const t = useMemo(() => ordered(fT.data), [fT.data, mapGrid]); // eslint-disable-line react-hooks/exhaustive-deps
  const e = useMemo(() => ordered(fE.data), [fE.data, mapGrid]); // eslint-disable-line react-hooks/exhaustive-deps
  const eb = useMemo(() => ordered(fEB.data), [fEB.data, mapGrid]); // eslint-disable-line react-hooks/exhaustive-deps
  const values: Record<Source, Float32Array | undefined> = { a: a?.values, b: b?.values, truth: t?.values, err: e?.values, errb: eb?.values };

  const diffValues = useMemo(() => {
    if (!a || !b || !panels.includes("a-b")) return null;
    const d = new Float32Array(a.values.length);
    for (let i = 0; i < d.length; i++) d[i] = a.values[i] - b.values[i];
    return d;
  }, [a, b, panels]);

  // One scale for the value panels (a, b, truth) and one symmetric scale for the difference panels.
  const valueFields = (["a", "b", "truth"] as Source[]).filter((s) => panels.some((k) => !isDiff(k) && SOURCES_OF[k].includes(s))).map((s) => ({ a, b, truth: t })[s as "a" | "b" | "truth"]);
  // An automatic colour range follows the variable's statistics (lib/maps automaticRange): one
  // colour means one value at every date and lead time, and the frames drawn ahead for neighbouring
  // steps stay valid while stepping. The spread uses its own range.
  const { min: vMin, max: vMax } = automaticRange(spread ? null : (variableMeta?.range ?? null), {
    min: Math.min(...valueFields.map((f) => f?.header.min ?? Infinity)),
    max: Math.max(...valueFields.map((f) => f?.header.max ?? -Infinity)),
  });
  const valueStyle = spread ? { ...style, range: null, steps: undefined, levels: undefined, palette: "viridis" as const, symmetric: false } : style;
  const scaleV = useMemo<{ scale: ColourScale; contour: number } | null>(() => {
    if (!valueFields.some(Boolean)) return null;
    const s = colourScaleFor(valueStyle, { min: vMin, max: vMax, conversion, palette: state.palette });
    return { scale: colourScale(s), contour: spread ? 0 : (s.contour ?? 0) };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [vMin, vMax, valueFields.some(Boolean), style, conversion, state.palette, spread]);
  const diffRanges: { min: number; max: number }[] = [];
  if (diffValues) diffRanges.push(finiteRange(diffValues));
  if (panels.includes("err") && e) diffRanges.push({ min: e.header.min ?? Infinity, max: e.header.max ?? -Infinity });
  if (panels.includes("errb") && eb) diffRanges.push({ min: eb.header.min ?? Infinity, max: eb.header.max ?? -Infinity });
  const dMin = Math.min(...diffRanges.map((r) => r.min));
  const dMax = Math.max(...diffRanges.map((r) => r.max));
  const scaleDiff = useMemo(() => {
    if (!diffRanges.length) return null;
    const s = colourScaleFor(DIFFERENCE_STYLE, { min: Number.isFinite(dMin) ? dMin : null, max: Number.isFinite(dMax) ? dMax : null, conversion: diffConversion, difference: true });
    return colourScale(s);
  }, [dMin, dMax, diffRanges.length, diffConversion]);

  const keyOf = (s: Source) => (loaded[s].data && resolved[s].request ? JSON.stringify(resolved[s].request) : "");
  const panelField = (kind: PanelKind): PanelField | null => {
    if (!mapGrid) return null;
    if (kind === "a-b") return a && b && scaleDiff ? { key: `d|${keyOf("a")}|${keyOf("b")}`, mapGrid, values: a.values, valuesB: b.values, scale: scaleDiff } : null;
    const src = SOURCES_OF[kind][0];
    const v = values[src];
    if (!v) return null;
    if (isDiff(kind)) return scaleDiff ? { key: `${kind}|${keyOf(src)}|${dMin}|${dMax}`, mapGrid, values: v, scale: scaleDiff } : null;
    return scaleV ? { key: `${kind}|${keyOf(src)}|${state.palette ?? ""}|${vMin}|${vMax}`, mapGrid, values: v, scale: scaleV.scale, contour: scaleV.contour } : null;
  };

  const probeText = (kind: PanelKind, mg: MapGrid | undefined): string => {
    if (!probe || !mg) return "";
    const v = kind === "a-b" ? diffValues : values[SOURCES_OF[kind][0]];
    if (!v) return "";
    const x = sampleMapGrid(mg, v, probe.lat, probe.lon);
    return `${fmtValue(x, isDiff(kind) ? diffConversion : conversion)} at ${fmtLatLon(probe.lat, probe.lon)}`;
  };

  const nameA = fmeta?.name ?? state.forecast ?? "";
  const nameB = metaFB.data?.name ?? state.forecastB ?? "";
  const memberLabel = fmeta && fmeta.members > 1 ? (member === "mean" ? " · ensemble mean" : member === "spread" ? " · ensemble spread" : ` · member ${member}`) : "";
  const title = (kind: PanelKind): string => {
    if (!meta) return "loading …";
    if (fmode) {
      const when = `init ${short(init)} +${formatLead(lead)} (valid ${short(valid)})`;
      const truthName = truth.split("/").pop() ?? truth;
      switch (kind) {
        case "a":
          return `${variable} · ${nameA}${memberLabel} · ${when}`;
        case "b":
          return state.forecastB ? `${variable} · ${nameB}${memberLabel} · ${when}` : `${variable} · truth ${truthName} · ${short(valid)}`;
        case "truth":
          return `${variable} · truth ${truthName} · ${short(valid)}`;
        case "err":
          return `error: ${nameA} − truth · +${formatLead(lead)}`;
        case "errb":
          return `error: ${nameB || "forecast B"} − truth · +${formatLead(lead)}`;
        default:
          return state.forecastB ? `${nameA} − ${nameB}` : `${nameA} − truth`;
      }
    }
    const rb = resolved.b.request;
    if (kind === "a") return `${variable} · ${short(date)} · ${dmeta?.name ?? state.dataset}`;
    if (kind === "b") return rb ? `${variable} · ${short(rb.date)} · ${metaB.data?.name ?? rb.dataset}` : "other";
    if (kind === "a-b") return rb ? `difference (left − middle)` : "difference";
    return kind;
  };

  const panelError = (kind: PanelKind): string | null => {
    for (const s of SOURCES_OF[kind]) {
      const msg = resolved[s].error ?? loaded[s].error?.message ?? null;
      if (msg) return msg;
      const g = loaded[s].data?.header.gridId;
      if (g && mapGrid && g !== mapGrid.gridId) return `cannot compare: grids differ (${mapGrid.gridId} vs ${g})`;
    }
    return null;
  };

  // Preset regions: fit the box into the first panel.
  const domain = mapGrid ? mapGridBounds(mapGrid) : null;
  const flyTo = (name: string) => {
    let bounds: Bounds | null = null;
    if (name === "domain") bounds = domain;
    else if ((MAP_REGION_NAMES as readonly string[]).includes(name)) bounds = wb2RegionBounds(name as Wb2RegionName);
    const frame = gridRef.current?.querySelector(".map-frame");
    if (!bounds || !frame) return;
    const r = frame.getBoundingClientRect();
    const v = fitView(bounds, r.width, r.height);
    setViewState({ longitude: v.longitude, latitude: v.latitude, zoom: v.zoom });
  };
  // A region in the URL (e.g. from a scorecard cell) is fitted once the panels exist, then left to lon/lat/zoom.
  const mapShown = !!meta && !!mapGrid;
  useEffect(() => {
    if (!state.region || !mapShown) return;
    if (state.region !== "domain" || domain) {
      flyTo(state.region);
      set({ region: undefined });
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [state.region, mapShown, domain]);

  // The graph overlay (graph=<checkpoint id>): drawn over every panel, or alone on an empty map.
  const graphEdges = state.graphEdges ?? "processor";
  const graphQ = useGraphView(state.graph, graphEdges);
  const graphOverlay = useMemo<GraphOverlay | null>(() => (graphQ.data && state.graph ? { key: `${state.graph}|${graphEdges}`, view: graphQ.data } : null), [graphQ.data, state.graph, graphEdges]);
  const graphOnly = !!state.graph && !state.dataset && !state.forecast;

  const metaError = fmode ? metaF.error?.message : metaA.error?.message;
  const error = metaError ?? gridQ.error?.message ?? (panels.includes("a") ? (fA.error?.message ?? null) : null);
  const layouts = fmode ? FORECAST_LAYOUTS : DATASET_LAYOUTS;
  const layoutLabel = state.swipe === "1" ? "swipe" : (layouts.find((l) => !l.swipe && l.panels.join(",") === state.panels.join(","))?.label ?? "custom");
  const palette = state.palette ?? "";
  const point = state.point ? state.point.split(",").map(Number) : null;
  const marker = fmode && point ? { lat: point[0], lon: point[1] } : null;
  const forecasts = forecastList.data ?? [];

  const shownPanels = graphOnly || state.swipe === "1" ? (["a"] as PanelKind[]) : state.panels;
  const fieldOnItsWay = !error && !!(state.dataset || state.forecast);
  return (
    <>
      <h1>Maps</h1>
      <form
        className="maps-toolbar"
        onSubmit={(ev) => {
          ev.preventDefault();
          set({ dataset: datasetInput.trim(), variable: "", date: "", forecast: undefined });
        }}
      >
        <label>
          Forecast
          <select
            aria-label="Forecast"
            value={state.forecast ?? ""}
            onChange={(ev) => {
              const f = ev.target.value || undefined;
              set({ forecast: f, init: undefined, lead: undefined, member: undefined, panels: f && state.panels.join(",") === "a" ? ["a", "truth", "err"] : state.panels });
            }}
          >
            <option value="">none (dataset)</option>
            {forecasts.map((f) => (
              <option key={f.id} value={f.id}>
                {f.name} ({f.kind}
                {f.members > 1 ? `, ${f.members} members` : ""})
              </option>
            ))}
            {state.forecast && !forecasts.some((f) => f.id === state.forecast) ? <option value={state.forecast}>{nameA || state.forecast}</option> : null}
          </select>
        </label>
        {!fmode ? (
          <>
            <label>
              Dataset
              <input type="text" aria-label="Dataset" value={datasetInput} placeholder="path/to/dataset.zarr or dataset id" onChange={(ev) => setDatasetInput(ev.target.value)} />
            </label>
            <button type="submit">Open</button>
          </>
        ) : null}
        {fmode && fmeta ? (
          <>
            <label>
              Init
              <select aria-label="Init time" value={init} onChange={(ev) => set({ init: ev.target.value })}>
                {fmeta.initTimes.map((d) => (
                  <option key={d} value={d}>
                    {short(d)}
                  </option>
                ))}
              </select>
            </label>
            {fmeta.members > 1 ? (
              <label>
                Member
                <select aria-label="Member" value={member} onChange={(ev) => set({ member: ev.target.value === "0" ? undefined : ev.target.value })}>
                  {Array.from({ length: fmeta.members }, (_, m) => (
                    <option key={m} value={String(m)}>
                      member {m}
                    </option>
                  ))}
                  <option value="mean">ensemble mean</option>
                  <option value="spread">ensemble spread</option>
                </select>
              </label>
            ) : null}
            <label>
              Run B
              <select aria-label="Forecast B" value={state.forecastB ?? ""} onChange={(ev) => set({ forecastB: ev.target.value || undefined })}>
                <option value="">none</option>
                {forecasts
                  .filter((f) => f.id !== state.forecast)
                  .map((f) => (
                    <option key={f.id} value={f.id}>
                      {f.name} ({f.kind})
                    </option>
                  ))}
                {state.forecastB && !forecasts.some((f) => f.id === state.forecastB) ? <option value={state.forecastB}>{nameB}</option> : null}
              </select>
            </label>
            <label>
              Truth
              <input type="text" aria-label="Truth dataset" defaultValue={state.truth ?? ""} placeholder={fmeta.sourceDataset ?? "truth dataset"} onBlur={(ev) => set({ truth: ev.target.value.trim() || undefined })} />
            </label>
          </>
        ) : null}
        {meta ? (
          <>
            <label>
              Variable
              <select aria-label="Variable" value={variable} onChange={(ev) => set({ variable: ev.target.value, units: undefined })}>
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
              <select aria-label="Palette" value={palette} onChange={(ev) => set({ palette: ev.target.value ? PaletteSchema.parse(ev.target.value) : undefined })}>
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
              <select aria-label="Units" value={conversion.units} onChange={(ev) => set({ units: ev.target.value })}>
                {unitConversions(units).map((c) => (
                  <option key={c.units} value={c.units}>
                    {c.label}
                  </option>
                ))}
              </select>
            </label>
            <label>
              View
              <select aria-label="View" value={state.view} onChange={(ev) => set({ view: ev.target.value === "globe" ? "globe" : "map" })}>
                <option value="map">map</option>
                <option value="globe">globe</option>
              </select>
            </label>
            <label>
              Layout
              <select
                aria-label="Layout"
                value={layoutLabel}
                onChange={(ev) => {
                  const l = layouts.find((x) => x.label === ev.target.value);
                  if (l) set({ panels: l.panels, swipe: l.swipe ? "1" : "0" });
                }}
              >
                {layouts.map((l) => (
                  <option key={l.label} value={l.label}>
                    {l.label}
                  </option>
                ))}
                {layoutLabel === "custom" ? <option value="custom">custom</option> : null}
              </select>
            </label>
            <label>
              Region
              <select
                aria-label="Region"
                value={regionChoice}
                disabled={state.view === "globe"}
                onChange={(ev) => {
                  setRegionChoice(ev.target.value);
                  flyTo(ev.target.value || "global");
                }}
              >
                <option value="">—</option>
                {MAP_REGION_NAMES.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
                {domain ? <option value="domain">grid domain</option> : null}
              </select>
            </label>
            {!fmode && needed.has("b") ? (
              <>
                <label>
                  Other dataset
                  <input type="text" aria-label="Other dataset" defaultValue={state.other ?? ""} placeholder="same dataset" onBlur={(ev) => set({ other: ev.target.value.trim() || undefined })} />
                </label>
                <label>
                  Other date
                  <select aria-label="Other date" value={state.otherDate ?? ""} onChange={(ev) => set({ otherDate: ev.target.value || undefined })}>
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
      {state.graph ? (
        <GraphControls
          view={graphQ.data ?? null}
          checkpoint={state.graph}
          edges={graphEdges}
          showView={!meta}
          mapView={state.view}
          onChange={(patch) => set(patch)}
        />
      ) : null}
      {graphQ.error ? (
        <div className="error-box" data-testid="graph-error">
          {graphQ.error.message}
        </div>
      ) : null}
      {meta && !fmode && dmeta ? (
        <div className="maps-time">
          <button type="button" aria-label="Previous date" onClick={() => set({ date: dmeta.dates[Math.max(0, dateIdx - 1)] })}>
            ◀
          </button>
          <button type="button" aria-label={playing ? "Pause" : "Play"} onClick={() => setPlaying((p) => !p)}>
            {playing ? "❚❚" : "▶"}
          </button>
          <button type="button" aria-label="Next date" onClick={() => set({ date: dmeta.dates[Math.min(dmeta.dates.length - 1, dateIdx + 1)] })}>
            ▶▎
          </button>
          <input type="range" aria-label="Date" min={0} max={dmeta.dates.length - 1} value={dateIdx} onChange={(ev) => set({ date: dmeta.dates[Number(ev.target.value)] })} />
          <span className="mono" data-testid="map-date">
            {date}
          </span>
          <span className="muted">
            {dateIdx + 1}/{dmeta.dates.length} · grid {dmeta.gridId} ({dmeta.size.toLocaleString()} points)
            {a ? ` · ${(a.bytes / 1024).toFixed(0)} KiB in ${a.fetchMs.toFixed(0)} ms` : ""}
          </span>
        </div>
      ) : null}
      {fmode && fmeta ? (
        <div className="maps-time">
          <button type="button" aria-label="Previous lead time" onClick={() => set({ lead: leads[Math.max(0, leadIdx - 1)] })}>
            ◀
          </button>
          <button type="button" aria-label={playing ? "Pause" : "Play"} onClick={() => setPlaying((p) => !p)}>
            {playing ? "❚❚" : "▶"}
          </button>
          <button type="button" aria-label="Next lead time" onClick={() => set({ lead: leads[Math.min(leads.length - 1, leadIdx + 1)] })}>
            ▶▎
          </button>
          <input type="range" aria-label="Lead time" min={0} max={Math.max(0, leads.length - 1)} value={leadIdx} onChange={(ev) => set({ lead: leads[Number(ev.target.value)] })} />
          <span className="mono" data-testid="map-date">
            +{formatLead(lead)} · valid {valid}
          </span>
          <span className="muted">
            lead {leadIdx + 1}/{leads.length} · grid {fmeta.gridId} ({fmeta.size.toLocaleString()} points)
            {a ? ` · ${(a.bytes / 1024).toFixed(0)} KiB in ${a.fetchMs.toFixed(0)} ms` : ""} · click the map for a meteogram
          </span>
        </div>
      ) : null}
      {!state.dataset && !state.forecast && !state.graph ? <p className="muted">Open a dataset (a path to an anemoi zarr store, relative to ISOBAR_HOME, or a registered dataset id), or choose a forecast.</p> : null}
      {error ? (
        <div className="error-box" data-testid="maps-error">
          {error}
        </div>
      ) : null}
      {/* The panels (deck.gl, coastlines) mount before the metadata and the field arrive: WebGL
          start-up and the basemap's shaders then overlap the network wait instead of following it. */}
      {!error && (meta || graphOnly || state.dataset || state.forecast) ? (
        <div className={`maps-grid n${shownPanels.length}`} ref={gridRef}>
          {shownPanels.map((kind, i) => {
            const f = panelField(kind);
            const conv = isDiff(kind) ? diffConversion : conversion;
            const scale = isDiff(kind) ? scaleDiff : scaleV?.scale;
            const swipe = state.swipe === "1";
            const other = swipe ? panelField("b") : null;
            const err = kind === "a" && !swipe ? null : panelError(swipe ? "b" : kind);
            return (
              <div className="maps-cell" key={`${i}-${kind}`}>
                <div className="maps-cell-title" data-testid={`map-title-${i}`}>
                  {graphOnly ? `graph of checkpoint ${graphTitle(graphQ.data?.header.source) ?? state.graph}` : swipe ? `${title("a")}  ⟷  ${title("b")}` : title(kind)}
                </div>
                <div className="map-frame">
                  <MapPanel
                    id={String(i)}
                    view={state.view}
                    viewState={viewState}
                    onViewStateChange={setViewState}
                    field={f}
                    upcoming={kind === "a" ? upcoming : undefined}
                    overlays={state.overlays === "on"}
                    fieldPending={fieldOnItsWay && !f && !panelError(kind)}
                    onProbe={setProbe}
                    onPick={fmode ? (p) => set({ point: `${p.lat.toFixed(3)},${p.lon.toFixed(3)}` }) : undefined}
                    marker={marker}
                    graph={graphOverlay}
                  />
                  {swipe ? (
                    <>
                      <MapPanel
                        id="swipe"
                        view={state.view}
                        viewState={viewState}
                        onViewStateChange={setViewState}
                        field={other}
                        overlays={state.overlays === "on"}
                        fieldPending={fieldOnItsWay && !other && !panelError("b")}
                        onProbe={setProbe}
                        marker={marker}
                        graph={graphOverlay}
                        style={{ clipPath: `inset(0 0 0 ${swipeAt * 100}%)` }}
                      />
                      <div
                        className="map-swipe-handle"
                        style={{ left: `${swipeAt * 100}%` }}
                        onPointerDown={(ev) => {
                          const frame = ev.currentTarget.parentElement!;
                          ev.currentTarget.setPointerCapture(ev.pointerId);
                          const move = (pe: PointerEvent) => {
                            const r = frame.getBoundingClientRect();
                            setSwipeAt(Math.min(1, Math.max(0, (pe.clientX - r.left) / r.width)));
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
                {err ? (
                  <div className="error-box" data-testid={`map-error-${i}`}>
                    {err}
                  </div>
                ) : null}
                {scale ? <ColourBar scale={scale} conversion={conv} title={isDiff(kind) ? `${variable} ${fmode && kind !== "a-b" ? "error" : "difference"}` : spread ? `${variable} ensemble spread` : variable} /> : null}
              </div>
            );
          })}
        </div>
      ) : null}
      {graphQ.data ? <GraphLegend view={graphQ.data} /> : null}
      {fmode && point && fmeta && variable ? (
        <Meteogram
          forecasts={[state.forecast!, ...(state.forecastB ? [state.forecastB] : [])]}
          variable={variable}
          init={init}
          member={member}
          truth={state.truth}
          lat={point[0]}
          lon={point[1]}
          units={conversion.units}
          currentLead={lead}
          onClose={() => set({ point: undefined })}
        />
      ) : null}
    </>
  );
}
