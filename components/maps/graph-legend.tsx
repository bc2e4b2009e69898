"use client";

import type { GraphView } from "@/lib/graphs/view";
import { MAP_GRAPH_EDGES, type MapGraphEdges, type MapUrlState } from "@/lib/maps/map-url";
import { GRAPH_COLOURS, type Rgba } from "./graph-layer";

/** "step 10 (final) of run tiny-gnn" from a graph view's source. */
export function graphTitle(src: Record<string, unknown> | undefined): string | null {
  if (!src || typeof src.step !== "number") return null;
  return `step ${src.step}${typeof src.kind === "string" ? ` (${src.kind})` : ""}${typeof src.runName === "string" ? ` of run ${src.runName}` : ""}`;
}

const css = (c: Rgba) => `rgba(${c[0]}, ${c[1]}, ${c[2]}, ${(c[3] / 255).toFixed(2)})`;
const n = (x: number) => x.toLocaleString("en-US");

type RunCheckpoint = { id: string; step: number; kind: string };

function runCheckpoints(v: GraphView | null): RunCheckpoint[] {
  const list = v?.header.source.runCheckpoints;
  return Array.isArray(list) ? (list as RunCheckpoint[]).filter((c) => c && typeof c.id === "string" && typeof c.step === "number") : [];
}

/** The graph overlay's controls: which checkpoint of the run, which edge set, map or globe, remove. */
export function GraphControls(p: {
  view: GraphView | null;
  checkpoint: string;
  edges: MapGraphEdges;
  showView: boolean;
  mapView: "map" | "globe";
  onChange: (patch: Partial<MapUrlState>) => void;
}) {
  const cps = runCheckpoints(p.view);
  return (
    <div className="maps-toolbar" data-testid="graph-controls">
      <label>
        Graph of checkpoint
        <select aria-label="Graph checkpoint" value={p.checkpoint} onChange={(ev) => p.onChange({ graph: ev.target.value })}>
          {cps.map((c) => (
            <option key={c.id} value={c.id}>
              step {c.step} ({c.kind})
            </option>
          ))}
          {!cps.some((c) => c.id === p.checkpoint) ? <option value={p.checkpoint}>{p.checkpoint}</option> : null}
        </select>
      </label>
      <label>
        Edges
        <select aria-label="Graph edges" value={p.edges} onChange={(ev) => p.onChange({ graphEdges: MAP_GRAPH_EDGES.find((e) => e === ev.target.value) ?? "processor" })}>
          {MAP_GRAPH_EDGES.map((e) => (
            <option key={e} value={e}>
              {e}
            </option>
          ))}
        </select>
      </label>
      {p.showView ? (
        <label>
          View
          <select aria-label="View" value={p.mapView} onChange={(ev) => p.onChange({ view: ev.target.value === "globe" ? "globe" : "map" })}>
            <option value="map">map</option>
            <option value="globe">globe</option>
          </select>
        </label>
      ) : null}
      <button type="button" onClick={() => p.onChange({ graph: undefined, graphEdges: undefined })}>
        Hide graph
      </button>
    </div>
  );
}

/** Counts of the graph on the map: node sets, edge sets, and how many edges of the drawn set were left out. */
export function GraphLegend({ view }: { view: GraphView }) {
  const h = view.header;
  const e = h.edges;
  return (
    <div className="graph-legend" data-testid="graph-legend">
      <span className="muted">Graph{graphTitle(h.source) ? ` · ${graphTitle(h.source)}` : ""}:</span>
      {h.nodes.map((s) => (
        <span key={s.name} data-testid={`graph-legend-nodes-${s.name}`} data-count={s.size}>
          <i className="graph-dot" style={{ background: css(GRAPH_COLOURS.nodes[s.name] ?? [0, 0, 0, 255]) }} /> {s.name} nodes {n(s.size)}
        </span>
      ))}
      {h.edgeSets.map((s) => (
        <span key={s.name} data-testid={`graph-legend-edges-${s.name}`} data-count={s.size} className={e?.name === s.name ? "" : "muted"}>
          <i className="graph-line" style={{ background: css(GRAPH_COLOURS.edges[s.name] ?? [80, 80, 80, 180]) }} /> {s.name} ({s.source} → {s.target}) {n(s.size)} edges
        </span>
      ))}
      {e ? (
        <span data-testid="graph-legend-shown" data-returned={e.returned} data-omitted={e.omitted}>
          drawn: {n(e.returned)} {e.name} edges{e.omitted ? `, ${n(e.omitted)} left out (stride ${e.stride})` : ""}
        </span>
      ) : (
        <span data-testid="graph-legend-shown" data-returned={0} data-omitted={0}>
          nodes only
        </span>
      )}
    </div>
  );
}
