import { PathLayer } from "@deck.gl/layers";
import { mesh } from "topojson-client";
import type { GeometryCollection, Topology } from "topojson-specification";
import land110 from "world-atlas/land-110m.json";

/**
 * Coastlines (Natural Earth 1:110m via world-atlas, as lines from topojson `mesh`) and a
 * graticule, as deck.gl PathLayers. Lines are split where they jump across ±180° and points
 * beyond ±89.5° are dropped (a filled pole breaks on the globe). On the globe they are lifted
 * ~8 km so the tessellated field never hides them.
 */

export type Path = [number, number, number][];

/** Splits a lon/lat line wherever consecutive points are more than 180° apart in longitude. */
export function splitAtDateline(line: readonly (readonly number[])[], lift = 0): Path[] {
  const out: Path[] = [];
  let cur: Path = [];
  let prev: readonly number[] | null = null;
  for (const p of line) {
    if (Math.abs(p[1]) > 89.5) {
      if (cur.length > 1) out.push(cur);
      cur = [];
      prev = null;
      continue;
    }
    if (prev && Math.abs(p[0] - prev[0]) > 180) {
      if (cur.length > 1) out.push(cur);
      cur = [];
    }
    cur.push([p[0], p[1], lift]);
    prev = p;
  }
  if (cur.length > 1) out.push(cur);
  return out;
}

let coastCache: readonly (readonly (readonly number[])[])[] | null = null;

function coastLines(): readonly (readonly (readonly number[])[])[] {
  if (!coastCache) {
    const topo = land110 as unknown as Topology<{ land: GeometryCollection }>;
    coastCache = mesh(topo, topo.objects.land).coordinates;
  }
  return coastCache;
}

export function coastlinePaths(lift = 0): Path[] {
  return coastLines().flatMap((l) => splitAtDateline(l, lift));
}

/** Meridians and parallels every `step` degrees, densified every 2°. */
export function graticulePaths(step = 30, lift = 0): Path[] {
  const out: Path[] = [];
  for (let lon = -180; lon < 180; lon += step) {
    const p: Path = [];
    for (let lat = -80; lat <= 80; lat += 2) p.push([lon, lat, lift]);
    out.push(p);
  }
  for (let lat = -90 + step; lat < 90; lat += step) {
    const p: Path = [];
    for (let lon = -180; lon <= 180; lon += 2) p.push([lon, lat, lift]);
    out.push(p);
  }
  return out;
}

export function basemapLayers(opts: { globe: boolean; coastlines: boolean; graticule: boolean; idPrefix: string }) {
  const lift = opts.globe ? 8000 : 0;
  const layers = [];
  if (opts.graticule)
    layers.push(
      new PathLayer<Path>({
        id: `${opts.idPrefix}-graticule`,
        data: graticulePaths(30, lift),
        getPath: (d) => d,
        getColor: [40, 40, 40, 70],
        getWidth: 1,
        widthUnits: "pixels",
      }),
    );
  if (opts.coastlines)
    layers.push(
      new PathLayer<Path>({
        id: `${opts.idPrefix}-coast`,
        data: coastlinePaths(lift),
        getPath: (d) => d,
        getColor: [20, 20, 20, 220],
        getWidth: 1,
        widthUnits: "pixels",
      }),
    );
  return layers;
}
