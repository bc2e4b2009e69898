import { BitmapLayer, PathLayer, ScatterplotLayer } from "@deck.gl/layers";
import { COORDINATE_SYSTEM } from "@deck.gl/core";
import type { GraphView } from "@/lib/graphs/view";
import { greatCircleSegments, segmentsToPaths, type LinePaths } from "@/lib/maps/graph-lines";

/**
 * The graph overlay of the map page: edges as great-circle lines (PathLayer, split at the
 * antimeridian, lib/maps/graph-lines.ts), then data nodes, then hidden nodes (ScatterplotLayer),
 * with binary attributes so large grids stay cheap. On the globe everything is lifted above the
 * field and depth-tested, so the far side stays hidden.
 */

export type Rgba = [number, number, number, number];
/** Node and edge colours (also used by the legend and the browser test). */
export const GRAPH_COLOURS: { nodes: Record<string, Rgba>; edges: Record<string, Rgba> } = {
  nodes: { data: [20, 90, 200, 255], hidden: [230, 0, 126, 255] },
  edges: { encoder: [0, 150, 60, 170], processor: [250, 130, 0, 190], decoder: [120, 60, 200, 170] },
};
/** Node radii in pixels. */
export const GRAPH_NODE_RADIUS: Record<string, number> = { data: 2, hidden: 4 };

const NODE_LIFT = 14_000;
const EDGE_LIFT = 11_000;

export type GraphOverlay = {
  /** Identifies the data drawn (reported as data-graph-rendered-key once drawn). */
  key: string;
  view: GraphView;
};

/** Web Mercator has no poles: nodes and lines there are drawn just short of them. */
const clampLat = (lat: number) => Math.max(-89.9, Math.min(89.9, lat));

const segmentCache = new WeakMap<GraphView, Map<string, LinePaths>>();

function pathsOf(v: GraphView, globe: boolean): LinePaths | null {
  const e = v.header.edges;
  if (!e || !v.edges) return null;
  let byView = segmentCache.get(v);
  if (!byView) segmentCache.set(v, (byView = new Map()));
  const k = globe ? "globe" : "map";
  let s = byView.get(k);
  if (!s) {
    const seg = greatCircleSegments(v.nodes[e.source], v.nodes[e.target], v.edges.src, v.edges.dst, { z: globe ? EDGE_LIFT : 0 });
    s = segmentsToPaths(seg);
    if (!globe) for (let i = 1; i < s.positions.length; i += 3) s.positions[i] = clampLat(s.positions[i]);
    byView.set(k, s);
  }
  return s;
}

const positionCache = new WeakMap<GraphView, Map<string, Float32Array>>();

function positionsOf(v: GraphView, set: string, globe: boolean): Float32Array {
  let m = positionCache.get(v);
  if (!m) positionCache.set(v, (m = new Map()));
  const k = `${set}|${globe}`;
  let p = m.get(k);
  if (!p) {
    const n = v.nodes[set];
    p = new Float32Array(3 * n.lat.length);
    for (let i = 0; i < n.lat.length; i++) {
      p[3 * i] = n.lon[i];
      p[3 * i + 1] = globe ? n.lat[i] : clampLat(n.lat[i]);
      p[3 * i + 2] = globe ? NODE_LIFT : 0;
    }
    m.set(k, p);
  }
  return p;
}

export function graphLayers(g: GraphOverlay, opts: { globe: boolean; idPrefix: string }) {
  const { globe, idPrefix } = opts;
  const parameters = { depthCompare: "less-equal" as const };
  const layers = [];
  const paths = pathsOf(g.view, globe);
  const edgeName = g.view.header.edges?.name ?? "";
  if (paths && paths.length)
    layers.push(
      new PathLayer({
        id: `${idPrefix}-graph-edges`,
        data: { length: paths.length, startIndices: paths.startIndices, attributes: { getPath: { value: paths.positions, size: 3 } } },
        _pathType: "open",
        getColor: GRAPH_COLOURS.edges[edgeName] ?? [80, 80, 80, 180],
        getWidth: 1,
        widthUnits: "pixels",
        parameters,
        updateTriggers: { getPath: g.key },
      }),
    );
  // Data nodes first, the (sparser) hidden nodes on top.
  for (const set of ["data", "hidden"]) {
    if (!g.view.nodes[set]) continue;
    const pos = positionsOf(g.view, set, globe);
    layers.push(
      new ScatterplotLayer({
        id: `${idPrefix}-graph-nodes-${set}`,
        data: { length: pos.length / 3, attributes: { getPosition: { value: pos, size: 3 } } },
        getFillColor: GRAPH_COLOURS.nodes[set] ?? [0, 0, 0, 255],
        getRadius: GRAPH_NODE_RADIUS[set] ?? 2,
        radiusUnits: "pixels",
        stroked: false,
        filled: true,
        parameters,
      }),
    );
  }
  return layers;
}

/** Colour of the globe's surface when a graph is shown without a field. */
export const GLOBE_SURFACE: Rgba = [246, 248, 251, 255];

let surfaceImage: ImageData | null = null;

/**
 * An opaque globe under a graph drawn without a field: it writes depth (back faces culled), so
 * nodes and edges on the far side stay hidden, as the field does when there is one.
 */
export function globeSurfaceLayer(idPrefix: string) {
  surfaceImage ??= new ImageData(new Uint8ClampedArray(GLOBE_SURFACE), 1, 1);
  return new BitmapLayer({
    id: `${idPrefix}-globe-surface`,
    image: surfaceImage,
    bounds: [-180, -90, 180, 90],
    _imageCoordinateSystem: COORDINATE_SYSTEM.LNGLAT,
    pickable: false,
    parameters: { cullMode: "back", depthCompare: "always" },
  });
}
