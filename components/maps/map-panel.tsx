"use client";

import { _GlobeView as GlobeView, MapView, type MapViewState, type PickingInfo } from "@deck.gl/core";
import { ScatterplotLayer } from "@deck.gl/layers";
import DeckGL, { type DeckGLRef } from "@deck.gl/react";
import { useEffect, useMemo, useRef, useState, type CSSProperties } from "react";
import type { ColourScale, MapGrid } from "@/lib/maps";
import { basemapLayers } from "./basemap";
import { FieldLayer } from "./field-layer";
import { frameCacheStats } from "./frame-cache";
import { MeshFieldLayer } from "./mesh-field-layer";
import { globeSurfaceLayer, graphLayers, type GraphOverlay } from "./graph-layer";

export type SharedViewState = { longitude: number; latitude: number; zoom: number };

export type PanelField = {
  /** Identifies the data drawn (changes when the field changes); reported as data-rendered-key once drawn. */
  key: string;
  mapGrid: MapGrid;
  values: Float32Array;
  valuesB?: Float32Array | null;
  scale: ColourScale;
  contour?: number;
};

type Props = {
  id: string;
  view: "map" | "globe";
  viewState: SharedViewState;
  onViewStateChange: (v: SharedViewState) => void;
  field: PanelField | null;
  /** Values the panel will probably show next (prefetched neighbours), uploaded while idle. */
  upcoming?: () => Float32Array[];
  overlays: boolean;
  /**
   * A field is on its way (requested, not arrived): the coastlines and graticule wait for the
   * panel's first field frame, so that the software GPU's start-up work for them (shader
   * compilation, first draw) does not delay the field; they follow in the next frame.
   */
  fieldPending?: boolean;
  onProbe?: (p: { lat: number; lon: number } | null) => void;
  /** Click on the map (opens the meteogram at that point). */
  onPick?: (p: { lat: number; lon: number }) => void;
  /** A marked point (the meteogram's). */
  marker?: { lat: number; lon: number } | null;
  /** A graph drawn over the field (nodes and one edge set). */
  graph?: GraphOverlay | null;
  style?: CSSProperties;
};

/** Hooks for tests and benchmarks: project lon/lat to canvas pixels, timings of rendered fields. */
type MapsDebug = {
  panels: Record<string, { project(lon: number, lat: number): [number, number] | null; unproject(x: number, y: number): [number, number] | null }>;
  /**
   * Per panel, the last field drawn: when deck.gl submitted its frame (`at`) and when the browser
   * had presented it (`presentedAt`: two animation frames later, which under a busy software GPU
   * is when the frame has actually been rasterised).
   */
  rendered: Record<string, { key: string; at: number; presentedAt: number | null }>;
  /** Per panel, when the first frame with both the field and the basemap was submitted. */
  complete: Record<string, { key: string; at: number }>;
  /** Frames of prefetched fields drawn ahead, and switches that copied one (all panels). */
  frames: typeof frameCacheStats;
};

declare global {
  interface Window {
    __isobarMaps?: MapsDebug;
  }
}

function debugHooks(): MapsDebug {
  window.__isobarMaps ??= { panels: {}, rendered: {}, complete: {}, frames: frameCacheStats };
  return window.__isobarMaps;
}

const MAP_VIEW = new MapView({ id: "map", repeat: false });
/**
 * No multisampling and no preserved drawing buffer: the field covers the panel and is coloured per
 * fragment, so MSAA only multiplies the work of every frame, and nothing reads the canvas back
 * (screenshots come from the compositor). Both matter most under software WebGL (SwiftShader).
 */
const DEVICE_PROPS = { webgl: { antialias: false, preserveDrawingBuffer: false } };
const GLOBE_VIEW = new GlobeView({ id: "globe", resolution: 2 });

/** One map: the field on its native grid, coastlines, graticule; map or globe. */
export function MapPanel({ id, view, viewState, onViewStateChange, field, upcoming, overlays, fieldPending, onProbe, onPick, marker, graph, style }: Props) {
  const deckRef = useRef<DeckGLRef>(null);
  const [renderedKey, setRenderedKey] = useState<string | null>(null);
  // Whether a field frame has been drawn in this panel yet (the basemap waits for it).
  const [fieldDrawn, setFieldDrawn] = useState(false);
  const basemap = overlays && (fieldDrawn || !(fieldPending || field));
  const globe = view === "globe";
  const expectedKey = field ? `${field.key}|${view}|${basemap ? "basemap" : "field only"}` : null;
  const [renderedGraphKey, setRenderedGraphKey] = useState<string | null>(null);
  const expectedGraphKey = graph ? `${graph.key}|${view}` : null;

  // Layers are rebuilt when what they draw changes, not when the parent re-renders with equal
  // data (e.g. after the URL is updated): a new layer list makes deck.gl draw a whole frame again.
  const fieldKey = field ? `${field.key}|${JSON.stringify(field.scale)}|${field.contour ?? 0}|${field.mapGrid.gridId}` : null;
  const markerKey = marker ? `${marker.lat},${marker.lon}` : null;
  const layers = useMemo(() => {
    const out = [];
    if (field) {
      const common = {
        id: `${id}-field`,
        values: field.values,
        valuesB: field.valuesB ?? null,
        scale: field.scale,
        contour: field.contour ?? 0,
        pickable: false,
        parameters: globe ? ({ cullMode: "back", depthCompare: "always" } as const) : ({ depthCompare: "always" } as const),
      };
      const mg = field.mapGrid;
      out.push(mg.kind === "mesh" ? new MeshFieldLayer({ ...common, mapGrid: mg, clampPoles: !globe }) : new FieldLayer({ ...common, mapGrid: mg, upcoming }));
    } else if (graph && globe) out.push(globeSurfaceLayer(id));
    out.push(...basemapLayers({ globe, coastlines: basemap, graticule: basemap, idPrefix: id }));
    if (graph) out.push(...graphLayers(graph, { globe, idPrefix: id }));
    if (marker)
      out.push(
        new ScatterplotLayer<{ lat: number; lon: number }>({
          id: `${id}-marker`,
          data: [marker],
          getPosition: (d) => [d.lon, d.lat, globe ? 10_000 : 0],
          getRadius: 5,
          radiusUnits: "pixels",
          stroked: true,
          filled: true,
          getFillColor: [255, 255, 255, 200],
          getLineColor: [20, 20, 20, 255],
          lineWidthUnits: "pixels",
          getLineWidth: 2,
        }),
      );
    return out;
    // field and marker are read through their keys (the same key means the same data).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [fieldKey, globe, basemap, id, markerKey, graph, upcoming]);

  useEffect(() => {
    const hooks = debugHooks();
    hooks.panels[id] = {
      project(lon, lat) {
        const vp = deckRef.current?.deck?.getViewports()[0];
        if (!vp) return null;
        const [x, y] = vp.project([lon, lat]);
        return [x, y];
      },
      unproject(x, y) {
        const vp = deckRef.current?.deck?.getViewports()[0];
        const p = vp?.unproject([x, y]);
        return p && Number.isFinite(p[0]) ? [p[0], p[1]] : null;
      },
    };
    return () => {
      delete hooks.panels[id];
    };
  }, [id]);

  // Ready once the field is drawn together with the basemap (when overlays are on).
  const ready = expectedKey !== null && renderedKey === expectedKey && basemap === overlays;
  const vs = globe ? { ...viewState, zoom: Math.min(viewState.zoom, 6) } : viewState;
  return (
    <div
      className="map-panel"
      data-testid={`map-panel-${id}`}
      data-rendered-key={renderedKey ?? ""}
      data-ready={ready ? "true" : "false"}
      data-graph-ready={expectedGraphKey !== null && renderedGraphKey === expectedGraphKey ? "true" : "false"}
      style={style}
    >
      <DeckGL
        ref={deckRef}
        deviceProps={DEVICE_PROPS}
        views={globe ? GLOBE_VIEW : MAP_VIEW}
        viewState={vs as MapViewState}
        onViewStateChange={({ viewState: v }) => {
          const s = v as MapViewState;
          onViewStateChange({ longitude: s.longitude, latitude: s.latitude, zoom: s.zoom });
        }}
        controller={{ dragRotate: false }}
        layers={layers}
        onHover={(info: PickingInfo) => {
          if (!onProbe) return;
          const c = info.coordinate;
          onProbe(c && Number.isFinite(c[0]) && Number.isFinite(c[1]) ? { lon: c[0], lat: c[1] } : null);
        }}
        onAfterRender={() => {
          if (expectedKey && renderedKey !== expectedKey) {
            const entry = { key: expectedKey, at: performance.now(), presentedAt: null as number | null };
            debugHooks().rendered[id] = entry;
            if (basemap === overlays) debugHooks().complete[id] = { key: expectedKey, at: entry.at };
            requestAnimationFrame(() => requestAnimationFrame(() => (entry.presentedAt = performance.now())));
            setRenderedKey(expectedKey);
            setFieldDrawn(true);
          }
          if (expectedGraphKey && renderedGraphKey !== expectedGraphKey) setRenderedGraphKey(expectedGraphKey);
        }}
        onClick={(info: PickingInfo) => {
          const c = info.coordinate;
          if (onPick && c && Number.isFinite(c[0]) && Number.isFinite(c[1])) onPick({ lon: ((((c[0] + 180) % 360) + 360) % 360) - 180, lat: c[1] });
        }}
        getCursor={() => "crosshair"}
      />
    </div>
  );
}
