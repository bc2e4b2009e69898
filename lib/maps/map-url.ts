import { z } from "zod";
import { PaletteSchema } from "./colormaps";

/**
 * The `/maps` URL: its whole state (zod schema, parsed leniently so an old or hand-edited link
 * still opens) and {@link mapUrl}, the one function that builds map links (dataset pages,
 * forecasts, scorecard cells, run and compare pages). See docs/maps.md for every parameter.
 */

/**
 * Panels: `a` the field (dataset date, or forecast A at init/lead/member); `b` the other field
 * (other dataset/date, or forecast B, or the truth when there is no forecast B); `a-b` their
 * difference; `truth` the truth at the valid time; `err` forecast A − truth and `errb`
 * forecast B − truth (computed by the field service).
 */
export const MAP_PANEL_KINDS = ["a", "b", "a-b", "truth", "err", "errb"] as const;
export const MapPanelKindSchema = z.enum(MAP_PANEL_KINDS);
export type MapPanelKind = z.infer<typeof MapPanelKindSchema>;

const optText = z.string().trim().min(1).optional().catch(undefined);

/** Edge sets the graph overlay can draw (lib/graphs); `processor` is the default. */
export const MAP_GRAPH_EDGES = ["processor", "encoder", "decoder", "none"] as const;
export type MapGraphEdges = (typeof MAP_GRAPH_EDGES)[number];

export const MapUrlStateSchema = z.object({
  dataset: z.string().default(""),
  variable: z.string().default(""),
  date: z.string().default(""),
  palette: PaletteSchema.optional().catch(undefined),
  units: z.string().optional(),
  view: z.enum(["map", "globe"]).catch("map"),
  panels: z
    .string()
    .default("a")
    .transform((s) => s.split(",").map((p) => MapPanelKindSchema.safeParse(p.trim())).filter((r) => r.success).map((r) => r.data).slice(0, 4))
    .transform((a) => (a.length ? a : (["a"] as MapPanelKind[]))),
  other: z.string().optional(),
  otherDate: z.string().optional(),
  swipe: z.enum(["0", "1"]).catch("0"),
  overlays: z.enum(["on", "none"]).catch("on"),
  lon: z.coerce.number().min(-180).max(180).catch(0),
  lat: z.coerce.number().min(-85).max(85).catch(20),
  zoom: z.coerce.number().min(0).max(20).catch(0.6),
  /** Forecast A (registered id or path); with it the page shows forecast fields. */
  forecast: optText,
  /** Init time, ISO (default: the forecast's first). */
  init: optText,
  /** Lead time, hours (default: the forecast's first). */
  lead: z.coerce.number().int().min(0).optional().catch(undefined),
  /** Ensemble member index, `mean` or `spread` (default 0). */
  member: z
    .string()
    .regex(/^(\d{1,6}|mean|spread)$/)
    .optional()
    .catch(undefined),
  /** The truth dataset (default: forecast A's source dataset). */
  truth: optText,
  /** Forecast B (run B of "run A | run B | A − B", the reference of a scorecard). */
  forecastB: optText,
  /** A preset region to fit on opening (a WeatherBench 2 region name, or `domain` for a regional grid). */
  region: optText,
  /** The meteogram point, "lat,lon". */
  point: z
    .string()
    .regex(/^-?\d+(\.\d+)?,-?\d+(\.\d+)?$/)
    .optional()
    .catch(undefined),
  /** Graph overlay: a registered checkpoint id whose graph (nodes and edges) is drawn over the map. */
  graph: optText,
  /** The edge set of the graph overlay (default `processor`; `none` for nodes only). */
  graphEdges: z.enum(MAP_GRAPH_EDGES).optional().catch(undefined),
});
export type MapUrlState = z.infer<typeof MapUrlStateSchema>;

/** What a link may set: any subset of the state (panels as a list). */
export type MapLink = Partial<Omit<MapUrlState, "panels">> & { panels?: readonly MapPanelKind[] };

/** Parses a query string or URLSearchParams into the full state (defaults filled in). */
export function parseMapUrl(query: URLSearchParams | string): MapUrlState {
  const q = typeof query === "string" ? new URLSearchParams(query.replace(/^.*\?/, "")) : query;
  return MapUrlStateSchema.parse(Object.fromEntries(q.entries()));
}

/**
 * Builds a `/maps?…` link. Parameters at their default are left out; the order is fixed so equal
 * states give equal links. The view (lon, lat, zoom) is written only when given.
 */
export function mapUrl(link: MapLink): string {
  const q = new URLSearchParams();
  const put = (k: string, v: string | number | undefined | null, skip?: string | number) => {
    if (v === undefined || v === null || v === "" || v === skip) return;
    q.set(k, String(v));
  };
  put("dataset", link.dataset);
  put("forecast", link.forecast);
  put("forecastB", link.forecastB);
  put("truth", link.truth);
  put("variable", link.variable);
  put("date", link.date);
  put("init", link.init);
  put("lead", link.lead);
  put("member", link.member, "0");
  put("palette", link.palette);
  put("units", link.units);
  put("view", link.view, "map");
  put("panels", link.panels?.join(","), "a");
  put("other", link.other);
  put("otherDate", link.otherDate);
  put("swipe", link.swipe, "0");
  put("overlays", link.overlays, "on");
  put("region", link.region);
  put("point", link.point);
  put("graph", link.graph);
  put("graphEdges", link.graphEdges, "processor");
  if (link.lon !== undefined) q.set("lon", link.lon.toFixed(2));
  if (link.lat !== undefined) q.set("lat", link.lat.toFixed(2));
  if (link.zoom !== undefined) q.set("zoom", link.zoom.toFixed(2));
  const s = q.toString();
  return s ? `/maps?${s}` : "/maps";
}

/** The dataset variable of a verification statistic: (`z`, 500) → `z_500`; a level < 0 means a surface variable. */
export function statsVariableName(variable: string, level: number): string {
  return level >= 0 ? `${variable}_${level}` : variable;
}

/** A forecast on the map: the triplet "forecast | truth | error". */
export function forecastMapUrl(o: { forecast: string; variable?: string; init?: string; lead?: number; truth?: string; region?: string }): string {
  return mapUrl({ ...o, panels: ["a", "truth", "err"] });
}

/** Two forecasts on the map: "run A | run B | A − B". */
export function compareMapUrl(o: { forecast: string; forecastB: string; variable?: string; init?: string; lead?: number; region?: string }): string {
  return mapUrl({ ...o, panels: ["a", "b", "a-b"] });
}

/**
 * A scorecard cell on the map: the error of the experiment and of the reference at that variable
 * and lead time, side by side (synchronised, one shared diverging scale).
 */
export function scorecardCellMapUrl(o: { experiment: string; reference: string; variable: string; level: number; leadHours: number; region?: string; truth?: string; init?: string }): string {
  return mapUrl({
    forecast: o.experiment,
    forecastB: o.reference,
    truth: o.truth,
    variable: statsVariableName(o.variable, o.level),
    init: o.init,
    lead: o.leadHours,
    region: o.region && o.region !== "global" && o.region !== "native" ? o.region : undefined,
    panels: ["err", "errb"],
  });
}

/** A checkpoint's graph on the map: nodes and one edge set (default the processor's) over the globe. */
export function graphMapUrl(o: { checkpoint: string; edges?: MapGraphEdges; view?: "map" | "globe"; dataset?: string; variable?: string }): string {
  return mapUrl({ dataset: o.dataset, variable: o.variable, graph: o.checkpoint, graphEdges: o.edges, view: o.view });
}
