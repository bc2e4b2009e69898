"use client";

import { MapView } from "@deck.gl/core";
import { SolidPolygonLayer } from "@deck.gl/layers";
import DeckGL from "@deck.gl/react";
import { useMemo, useState } from "react";

/** Known colours so a test (or a person) can verify that WebGL2 really rendered. */
export const CHECK_WEST_RGB = [215, 48, 39] as const;
export const CHECK_EAST_RGB = [49, 130, 189] as const;

type Hemisphere = { polygon: [number, number][]; colour: readonly [number, number, number] };

const HEMISPHERES: Hemisphere[] = [
  { polygon: [[-180, -85], [0, -85], [0, 85], [-180, 85]], colour: CHECK_WEST_RGB },
  { polygon: [[0, -85], [180, -85], [180, 85], [0, 85]], colour: CHECK_EAST_RGB },
];

/**
 * Renders a two-colour world with deck.gl on WebGL2 and reports the GPU it used: the map
 * renderer every map view depends on. A blank or black canvas here means maps cannot work.
 */
export default function RendererCheck() {
  const [device, setDevice] = useState<string | null>(null);
  const [frames, setFrames] = useState(0);
  const layers = useMemo(
    () => [
      new SolidPolygonLayer<Hemisphere>({
        id: "hemispheres",
        data: HEMISPHERES,
        getPolygon: (d) => d.polygon,
        getFillColor: (d) => [...d.colour, 255],
      }),
    ],
    [],
  );
  return (
    <div className="check">
      <div
        data-testid="renderer-check"
        data-rendered={frames > 0 ? "true" : "false"}
        style={{ position: "relative", flex: "none", width: 512, height: 256, border: "1px solid var(--border)" }}
      >
        <DeckGL
          views={new MapView({ repeat: false })}
          initialViewState={{ longitude: 0, latitude: 0, zoom: 0 }}
          controller={false}
          width={512}
          height={256}
          layers={layers}
          onDeviceInitialized={(d) => setDevice(`${d.info.type} · ${d.info.vendor} · ${d.info.renderer}`)}
          onAfterRender={() => setFrames((n) => (n === 0 ? 1 : n))}
        />
      </div>
      <dl className="props">
        <dt>Device</dt>
        <dd data-testid="renderer-device">{device ?? "initialising…"}</dd>
        <dt>Rendered</dt>
        <dd>{frames > 0 ? "yes" : "not yet"}</dd>
        <dt>Expected</dt>
        <dd>western hemisphere red, eastern hemisphere blue</dd>
      </dl>
    </div>
  );
}
