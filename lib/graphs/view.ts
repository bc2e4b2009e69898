import { z } from "zod";
import type { EncProcDecGraph } from "./graph";

/**
 * The graph "view" form sent to the map page by `GET /api/graphs/<checkpoint id>`: node
 * positions of every node set and (a thinned-out part of) one edge set, compact enough for big
 * grids. Pure code without I/O or lib/grids imports, so the browser can decode it.
 *
 * | bytes | content |
 * |---|---|
 * | 0–3 | magic `ISGV` |
 * | 4–7 | header length H (uint32, little-endian) |
 * | 8 … 8+H | header, UTF-8 JSON ({@link GraphViewHeaderSchema}), space-padded so that the body starts at a multiple of 4 |
 * | … | body, little-endian: per node set float32 latitudes then float32 longitudes (degrees, longitudes in [−180, 180)); then int32 source indices and int32 target indices of the returned edges |
 */
export const GRAPH_VIEW_MAGIC = "ISGV";
export const GRAPH_VIEW_CONTENT_TYPE = "application/vnd.isobar.graph-view";
export const GRAPH_EDGE_SETS = ["encoder", "processor", "decoder"] as const;
export const GraphEdgeChoiceSchema = z.enum([...GRAPH_EDGE_SETS, "none"]);
export type GraphEdgeChoice = z.infer<typeof GraphEdgeChoiceSchema>;
/** Default cap on the returned edges (the stride is raised so that at most this many come back). */
export const DEFAULT_GRAPH_EDGE_LIMIT = 200_000;
export const MAX_GRAPH_EDGE_LIMIT = 5_000_000;

export const GraphViewHeaderSchema = z.object({
  version: z.literal(1),
  /** Node sets in body order, with their sizes. */
  nodes: z.array(z.object({ name: z.string(), size: z.number().int().nonnegative() })),
  /** Every edge set of the graph with its full size (for legends). */
  edgeSets: z.array(z.object({ name: z.string(), source: z.string(), target: z.string(), size: z.number().int().nonnegative() })),
  /** The returned edge set, or null for `edges=none`. */
  edges: z
    .object({
      name: z.string(),
      source: z.string(),
      target: z.string(),
      /** Edges in the set. */
      total: z.number().int().nonnegative(),
      /** Edges in the body: edge q is returned when q % stride == 0, up to the limit. */
      returned: z.number().int().nonnegative(),
      /** total − returned: edges left out by the stride and limit. */
      omitted: z.number().int().nonnegative(),
      stride: z.number().int().positive(),
      limit: z.number().int().positive(),
    })
    .nullable(),
  /** Where the graph comes from (checkpoint id, run, step …), free-form. */
  source: z.record(z.string(), z.unknown()).default({}),
});
export type GraphViewHeader = z.infer<typeof GraphViewHeaderSchema>;

export type GraphView = {
  header: GraphViewHeader;
  /** By node set name: latitudes and longitudes (degrees, longitudes in [−180, 180)). */
  nodes: Record<string, { lat: Float32Array; lon: Float32Array }>;
  /** Returned edges (indices into the source / target node sets of header.edges). */
  edges: { src: Int32Array; dst: Int32Array } | null;
};

export class GraphViewError extends Error {}

/** Longitude wrapped into [−180, 180). */
export function wrapLongitude(lon: number): number {
  const w = ((((lon + 180) % 360) + 360) % 360) - 180;
  return w === 180 ? -180 : w;
}

export type GraphViewOptions = {
  edges: GraphEdgeChoice;
  /** Keep every stride-th edge (default 1). */
  stride?: number;
  /** At most this many edges (default {@link DEFAULT_GRAPH_EDGE_LIMIT}); the stride is raised to ceil(total / limit) when needed, so the kept edges spread over the whole set. */
  limit?: number;
  source?: Record<string, unknown>;
};

/** Selects node positions and one thinned-out edge set of a graph. */
export function graphView(g: EncProcDecGraph, o: GraphViewOptions): GraphView {
  const sets = [g.nodes.data, g.nodes.hidden];
  const nodes: GraphView["nodes"] = {};
  for (const s of sets) {
    const lat = Float32Array.from(s.latitudes);
    const lon = new Float32Array(s.size);
    for (let i = 0; i < s.size; i++) lon[i] = wrapLongitude(s.longitudes[i]);
    nodes[s.name] = { lat, lon };
  }
  const all = [g.edges.encoder, g.edges.processor, g.edges.decoder];
  let edges: GraphView["edges"] = null;
  let info: GraphViewHeader["edges"] = null;
  if (o.edges !== "none") {
    const e = all.find((x) => x.name === o.edges);
    if (!e) throw new GraphViewError(`the graph has no edge set '${o.edges}' (edge sets: ${all.map((x) => x.name).join(", ")})`);
    const limit = Math.max(1, Math.floor(o.limit ?? DEFAULT_GRAPH_EDGE_LIMIT));
    const stride = Math.max(1, Math.floor(o.stride ?? 1), Math.ceil(e.size / limit));
    const n = Math.min(limit, Math.ceil(e.size / stride));
    const src = new Int32Array(n);
    const dst = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      src[k] = e.src[k * stride];
      dst[k] = e.dst[k * stride];
    }
    edges = { src, dst };
    info = { name: e.name, source: e.source, target: e.target, total: e.size, returned: n, omitted: e.size - n, stride, limit };
  }
  return {
    header: {
      version: 1,
      nodes: sets.map((s) => ({ name: s.name, size: s.size })),
      edgeSets: all.map((e) => ({ name: e.name, source: e.source, target: e.target, size: e.size })),
      edges: info,
      source: o.source ?? {},
    },
    nodes,
    edges,
  };
}

/** Packs a graph view into the binary form above. */
export function encodeGraphView(v: GraphView): Uint8Array {
  let json = JSON.stringify(v.header);
  const enc = new TextEncoder();
  let hb = enc.encode(json);
  const pad = (4 - ((8 + hb.length) % 4)) % 4;
  if (pad) {
    json += " ".repeat(pad);
    hb = enc.encode(json);
  }
  const arrays: ArrayBufferView[] = [];
  for (const s of v.header.nodes) arrays.push(v.nodes[s.name].lat, v.nodes[s.name].lon);
  if (v.edges) arrays.push(v.edges.src, v.edges.dst);
  const bodyBytes = arrays.reduce((n, a) => n + a.byteLength, 0);
  const out = new Uint8Array(8 + hb.length + bodyBytes);
  out.set(enc.encode(GRAPH_VIEW_MAGIC), 0);
  new DataView(out.buffer).setUint32(4, hb.length, true);
  out.set(hb, 8);
  let off = 8 + hb.length;
  // Typed arrays are little-endian on every platform Isobar runs on (x86-64, arm64).
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), off);
    off += a.byteLength;
  }
  return out;
}

/** Unpacks the binary form, checking the magic, the header (zod) and the body length. */
export function decodeGraphView(bytes: Uint8Array): GraphView {
  if (bytes.length < 8 || new TextDecoder().decode(bytes.subarray(0, 4)) !== GRAPH_VIEW_MAGIC) throw new GraphViewError(`not a graph view (expected magic ${GRAPH_VIEW_MAGIC})`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = dv.getUint32(4, true);
  if (8 + h > bytes.length) throw new GraphViewError("graph view header is truncated");
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + h)));
  } catch (e) {
    throw new GraphViewError(`graph view header is not JSON: ${(e as Error).message}`);
  }
  const parsed = GraphViewHeaderSchema.safeParse(raw);
  if (!parsed.success) throw new GraphViewError(`invalid graph view header: ${z.prettifyError(parsed.error)}`);
  const header = parsed.data;
  const need = header.nodes.reduce((n, s) => n + 8 * s.size, 0) + (header.edges ? 8 * header.edges.returned : 0);
  if (bytes.length - 8 - h !== need) throw new GraphViewError(`graph view body has ${bytes.length - 8 - h} bytes, the header describes ${need}`);
  // Copy into aligned buffers (the body of a fetched ArrayBuffer is aligned, a subarray may not be).
  const body = bytes.slice(8 + h);
  let off = 0;
  const f32 = (n: number) => {
    const a = new Float32Array(body.buffer, off, n);
    off += 4 * n;
    return a;
  };
  const i32 = (n: number) => {
    const a = new Int32Array(body.buffer, off, n);
    off += 4 * n;
    return a;
  };
  const nodes: GraphView["nodes"] = {};
  for (const s of header.nodes) nodes[s.name] = { lat: f32(s.size), lon: f32(s.size) };
  let edges: GraphView["edges"] = null;
  if (header.edges) {
    edges = { src: i32(header.edges.returned), dst: i32(header.edges.returned) };
    const src = header.nodes.find((s) => s.name === header.edges!.source);
    const dst = header.nodes.find((s) => s.name === header.edges!.target);
    if (!src || !dst) throw new GraphViewError(`graph view edges refer to unknown node sets ${header.edges.source} → ${header.edges.target}`);
    for (let k = 0; k < edges.src.length; k++)
      if (edges.src[k] < 0 || edges.src[k] >= src.size || edges.dst[k] < 0 || edges.dst[k] >= dst.size) throw new GraphViewError(`graph view edge ${k} has an index out of range`);
  }
  return { header, nodes, edges };
}

/** The JSON form (`format=json`): the same content with plain arrays. */
export function graphViewJson(v: GraphView): unknown {
  return {
    ...v.header,
    nodePositions: Object.fromEntries(Object.entries(v.nodes).map(([k, n]) => [k, { lat: Array.from(n.lat), lon: Array.from(n.lon) }])),
    edgeIndices: v.edges ? { src: Array.from(v.edges.src), dst: Array.from(v.edges.dst) } : null,
  };
}
